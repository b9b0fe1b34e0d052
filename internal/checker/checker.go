// Package checker is Fairshelf's fair-balance checker. It reads a
// promotional piece's text before the human MLR reviewers do and reports
// what FDA OPDP untitled and warning letters cite most: risk information
// left out, minimized or set in tiny type; absolute, superlative,
// comparative and unsubstantiated efficacy claims; relative risk shown
// without absolute risk; off-label populations; stale "new" claims;
// reminder pieces for boxed-warning products; e-mails without an
// unsubscribe link.
//
// The rules live in policies/checker_rules.yaml, where compliance staff can
// read and change them; brand data comes from the label profile
// (domain.Label) and the claims library (domain.Claim). The checker is pure:
// no database, no network, no clock (the caller passes Now), and the same
// input always gives the same findings.
//
// It is built for precision, so that reviewers trust what it reports, and it
// never passes a piece silently: a piece without readable text gets an
// FB-MANUAL-REVIEW error that asks for a manual check.
package checker

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Piece is the text of one promotional piece, as extracted from its file.
type Piece struct {
	// Lines are the piece's lines with page, line and type size (0 when
	// unknown). They are checked in page and line order.
	Lines []domain.TextLine
	// MediaType is the file's type, e.g. "application/pdf" or "text/html".
	// The type-size rule applies to PDFs only; for HTML, Word and
	// PowerPoint every line is taken to be a paragraph.
	MediaType string
	// Channel is one of domain.Channels; "email" requires an unsubscribe
	// link.
	Channel string
	// Audience is one of domain.Audiences.
	Audience string
	// TextStatus is the outcome of text extraction (domain.TextOK, ...).
	TextStatus string
	// TextError is the extraction failure a reviewer can read, if any.
	TextError string
}

// Input is everything a check needs.
type Input struct {
	Piece Piece
	// Label is the brand's current label profile.
	Label domain.Label
	// PreviousLabels are earlier versions of the label, if any: safety text
	// that only they contain is reported as outdated.
	PreviousLabels []domain.Label
	// Claims is the brand's claims library.
	Claims []domain.Claim
	// Now is the time of the check; the zero time skips the "new" rule.
	Now time.Time
}

// maxExcerpt is the longest excerpt, in characters.
const maxExcerpt = 200

// Check reads the piece and returns the findings, ordered by page, line and
// rule id (whole-piece findings, page 0, first). It is deterministic, takes
// time roughly linear in the amount of text and never panics: an internal
// failure is reported as an FB-MANUAL-REVIEW finding, so that a piece is
// never passed without a reading. A zero rules value stands for
// DefaultRules.
func Check(in Input, rules Rules) (findings []domain.Finding) {
	if rules.c == nil {
		rules = DefaultRules()
	}
	defer func() {
		if p := recover(); p != nil {
			findings = []domain.Finding{manualReview(rules, "the automatic check could not complete on this piece")}
		}
	}()
	if reason, ok := noText(in.Piece); ok {
		return []domain.Finding{manualReview(rules, reason)}
	}
	r := newRun(in, rules)
	r.check()
	slices.SortStableFunc(r.findings, func(a, b domain.Finding) int {
		return cmp.Or(cmp.Compare(a.Page, b.Page), cmp.Compare(a.Line, b.Line), cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Message, b.Message), cmp.Compare(a.Excerpt, b.Excerpt))
	})
	return slices.CompactFunc(r.findings, func(a, b domain.Finding) bool {
		return a.RuleID == b.RuleID && a.Page == b.Page && a.Line == b.Line && a.Message == b.Message
	})
}

// noText reports whether the piece has no text to check, and why.
func noText(p Piece) (string, bool) {
	hasText := false
	for _, l := range p.Lines {
		if strings.TrimSpace(Normalize(l.Text).Text) != "" {
			hasText = true
			break
		}
	}
	var reason string
	switch p.TextStatus {
	case domain.TextFailed:
		reason = "text extraction failed"
	case domain.TextEmpty:
		reason = "the file holds no extractable text, e.g. a scanned or outlined PDF"
	case domain.TextNotApplicable:
		reason = "images and video have no text to read"
	default:
		if hasText {
			return "", false
		}
		reason = "the piece has no text"
	}
	if e := strings.TrimSpace(p.TextError); e != "" {
		reason += ": " + strings.TrimRight(e, ".")
	}
	return reason, true
}

func manualReview(rules Rules, reason string) domain.Finding {
	rule := rules.c.rules[RuleManualReview]
	return domain.Finding{
		RuleID:   RuleManualReview,
		Severity: rule.Severity,
		Message:  format(rule.Message, map[string]string{"reason": reason}),
	}
}

// run is one check of one piece.
type run struct {
	in       Input
	c        *compiled
	sim      float64
	d        *document
	findings []domain.Finding

	name, established *phraseSet // the product's names
	names             []match    // proprietary name mentions
	estNames          []match    // established name mentions
	named             bool       // the piece names the product

	current  []statement // current ISI statements
	curWins  [][]window
	previous []oldStatement
	pi       statement
	piWins   []window
	ind      statement
	indWins  []window
	claims   []claimText

	isiLine    []bool // line is in the Important Safety Information
	stmtLine   []bool // line holds a current label ISI statement
	refLine    []bool // line is in a reference list or footnote
	labelTok   []bool // token is label text: indication or PI reference
	headings   []int  // ISI heading lines
	anchorLine []bool // line holds a label statement (current or old) or an ISI heading

	benefit []int // sentences that make benefit claims

	sentOverlap [][]int // per sentence: words shared with each claim; nil until computed
	sentSize    []int
	scratch     []int32         // per vocabulary token: count in the current sentence
	labelNums   map[string]bool // "type 2", "men 2": numbers the label itself uses
}

// oldStatement is an ISI statement of a previous label that the current
// label does not contain.
type oldStatement struct {
	statement
	version int
	wins    []window
}

// claimText is a claim or a variant of it.
type claimText struct {
	statement
	nums map[string]bool
	ids  []idCount // its distinct tokens that occur in the piece
}

type idCount struct{ id, n int32 }

func newRun(in Input, rules Rules) *run {
	r := &run{in: in, c: rules.c, sim: rules.Similarity}
	keep := maps.Clone(r.c.keepHyphen)
	l := in.Label
	for _, s := range l.ISIStatements {
		if st := newStatement(s, keep); len(st.toks) > 0 {
			r.current = append(r.current, st)
		}
	}
	seen := map[string]bool{}
	for _, st := range r.current {
		seen[strings.Join(st.toks, " ")] = true
	}
	prev := slices.Clone(in.PreviousLabels)
	slices.SortStableFunc(prev, func(a, b domain.Label) int { return cmp.Compare(b.Version, a.Version) })
	for _, pl := range prev {
		for _, s := range pl.ISIStatements {
			st := newStatement(s, keep)
			key := strings.Join(st.toks, " ")
			if len(st.toks) == 0 || seen[key] {
				continue
			}
			seen[key] = true
			r.previous = append(r.previous, oldStatement{statement: st, version: pl.Version})
		}
	}
	r.pi = newStatement(l.PIReference, keep)
	r.ind = newStatement(l.Indication, keep)
	for _, c := range in.Claims {
		for _, t := range append([]string{c.Text}, c.Variants...) {
			st := newStatement(t, keep)
			if len(st.toks) == 0 {
				continue
			}
			ct := claimText{statement: st, nums: map[string]bool{}}
			for _, tok := range tokenize(Normalize(t).Text) {
				if tok.kind == tNum && !tok.marker {
					ct.nums[tok.text] = true
				}
			}
			r.claims = append(r.claims, ct)
		}
	}
	r.name = namePattern(l.ProprietaryName, keep)
	r.established = namePattern(l.EstablishedName, keep)
	r.d = newDocument(in.Piece.Lines, in.Piece.MediaType, keep)
	for i := range r.claims {
		counts := map[int32]int32{}
		for _, t := range r.claims[i].toks {
			if id, ok := r.d.vocab[t]; ok {
				counts[id]++
			}
		}
		for id, n := range counts {
			r.claims[i].ids = append(r.claims[i].ids, idCount{id, n})
		}
	}
	r.sentOverlap = make([][]int, len(r.d.sents))
	r.sentSize = make([]int, len(r.d.sents))
	r.scratch = make([]int32, len(r.d.vocab))
	r.labelNums = map[string]bool{}
	for _, t := range slices.Concat([]string{l.Indication, l.PIReference, l.ProprietaryName, l.EstablishedName}, l.ISIStatements, l.OffLabelTerms) {
		toks := tokenize(Normalize(t).Text)
		for i := 1; i < len(toks); i++ {
			if toks[i].kind == tNum && toks[i-1].kind == tWord {
				r.labelNums[toks[i-1].text+" "+toks[i].text] = true
			}
		}
	}
	return r
}

func namePattern(name string, keep map[string]bool) *phraseSet {
	p, err := compilePhrase(name, keep)
	if err != nil || strings.TrimSpace(name) == "" {
		return nil
	}
	return newPhraseSet([]pattern{p})
}

func (r *run) check() {
	d := r.d
	n := len(d.lines)
	r.isiLine, r.stmtLine, r.refLine = make([]bool, n), make([]bool, n), make([]bool, n)
	r.labelTok = make([]bool, len(d.tokens))
	r.names = r.name.find(d)
	r.estNames = r.established.find(d)
	r.named = len(r.names) > 0 || len(r.estNames) > 0

	r.findStatements()
	r.findSections()
	r.findBenefit()

	r.checkISI()
	r.checkPI()
	r.checkEstablishedName()
	r.checkWords(RuleAbsolute)
	r.checkWords(RuleHype)
	r.checkComparative()
	r.checkClaims()
	r.checkOffLabel()
	r.checkRelativeRisk()
	r.checkNew()
	r.checkBoxedWarning()
	r.checkUnsubscribe()
	r.checkFontSize()
}

// ---- statements and sections ----

// findStatements locates the label's ISI statements, old labels' ones, the
// PI reference and the indication.
func (r *run) findStatements() {
	d := r.d
	r.curWins = make([][]window, len(r.current))
	for i, st := range r.current {
		r.curWins[i] = d.windows(st, r.sim)
		for _, w := range r.curWins[i] {
			r.markLines(r.isiLine, w.start, w.end)
			r.markLines(r.stmtLine, w.start, w.end)
		}
	}
	for i := range r.previous {
		r.previous[i].wins = d.windows(r.previous[i].statement, r.sim)
		for _, w := range r.previous[i].wins {
			r.markLines(r.isiLine, w.start, w.end)
		}
	}
	r.piWins = d.windows(r.pi, r.sim)
	r.indWins = d.windows(r.ind, r.sim)
	for _, w := range append(slices.Clone(r.piWins), r.indWins...) {
		for t := w.start; t < w.end; t++ {
			r.labelTok[t] = true
		}
	}
}

// markLines sets set[l] for the lines of tokens [a, b).
func (r *run) markLines(set []bool, a, b int) {
	if a >= b {
		return
	}
	for l := r.d.tokens[a].line; l <= r.d.tokens[b-1].line; l++ {
		set[l] = true
	}
}

// findSections marks the Important Safety Information and the reference
// lists. An ISI heading counts when a label statement (current or old)
// follows within ten lines; the section then runs to the end of the page, a
// reference list, the PI reference or a line in much larger type (the next
// headline).
func (r *run) findSections() {
	d := r.d
	isiHead := newPhraseSet(r.c.isiHeadings)
	refHead := newPhraseSet(r.c.refHeadings)
	// isHeading reports whether line l starts with a heading of set and
	// is a heading: at most four more words, or a colon after the heading
	// ("Important Safety Information: ZELTRA can cause ...").
	isHeading := func(set *phraseSet, l int) bool {
		a, b := d.lineToks[l][0], d.lineToks[l][1]
		if a >= b {
			return false
		}
		for _, pi := range set.byFirst[d.tokens[a].text] {
			end, ok := d.matchAt(set.pats[pi].elems, 0, a, d.tokens[a].sent)
			if !ok || end > b {
				continue
			}
			after := strings.TrimLeft(d.text[d.tokens[end-1].end:], " ")
			if b-end <= 4 || strings.HasPrefix(after, ":") {
				return true
			}
		}
		return false
	}
	for l := range d.lines {
		switch {
		case isHeading(refHead, l):
			for k := l; k < len(d.lines) && d.lines[k].Page == d.lines[l].Page; k++ {
				if k > l && isHeading(isiHead, k) {
					break
				}
				r.refLine[k] = true
			}
		case citation(d.lines[l].Text, d.norms[l].Text):
			r.refLine[l] = true
		}
		if isHeading(isiHead, l) {
			r.headings = append(r.headings, l)
		}
	}
	stmt := slices.Clone(r.isiLine) // lines of label statements, current or old
	r.anchorLine = slices.Clone(stmt)
	for _, h := range r.headings {
		r.anchorLine[h] = true
	}
	promo := r.promoLines()
	for _, h := range r.headings {
		if r.refLine[h] {
			continue
		}
		anchored := false
		for k := h; k < len(d.lines) && k <= h+10; k++ {
			if stmt[k] {
				anchored = true
				break
			}
		}
		if !anchored {
			continue
		}
		size := r.medianSize(stmt)
		for k := h; k < len(d.lines); k++ {
			l := d.lines[k]
			if k > h && !r.anchorLine[k] && (l.Page != d.lines[h].Page || r.refLine[k] || promo[k] ||
				(size > 0 && l.FontSize > size*1.2)) {
				break
			}
			r.isiLine[k] = true
			if r.onlyPI(k) {
				break
			}
		}
	}
}

// promoLines marks the lines that read as promotion rather than safety
// text, where an ISI section without a closing PI reference ends (an ISI
// tray placed before the copy of a web page): a line that starts a
// claims-library claim or the indication, or that names the product with
// an efficacy word and has none of the isi_words.
func (r *run) promoLines() []bool {
	d := r.d
	mark := func(ms []match) []bool {
		out := make([]bool, len(d.lines))
		for _, m := range ms {
			out[d.tokens[m.start].line] = true
		}
		return out
	}
	eff := mark(r.c.rules[RuleISIMissing].list("efficacy").find(d))
	safety := mark(newPhraseSet(r.c.isiWords).find(d))
	named := mark(append(slices.Clone(r.names), r.estNames...))
	promo := make([]bool, len(d.lines))
	for l := range d.lines {
		promo[l] = named[l] && eff[l] && !safety[l]
	}
	for si, s := range d.sents {
		if s.start < s.end && len(r.matchingClaims(si)) > 0 {
			promo[d.tokens[s.start].line] = true
		}
	}
	for _, w := range r.indWins {
		promo[d.tokens[w.start].line] = true
	}
	return promo
}

// onlyPI reports whether line l holds the PI reference.
func (r *run) onlyPI(l int) bool {
	for _, w := range r.piWins {
		if r.d.tokens[w.start].line <= l && l <= r.d.tokens[w.end-1].line {
			return true
		}
	}
	return false
}

// citation reports whether a line reads like a literature reference or a
// footnote: "Smith J, et al. N Engl J Med. 2023;389:1-10", "†Data on file."
func citation(s, norm string) bool {
	t := strings.TrimSpace(s)
	if r, _ := utf8.DecodeRuneInString(t); strings.ContainsRune("*†‡§¶", r) {
		return true
	}
	n := norm
	if strings.Contains(n, " et al") || strings.Contains(n, "doi:") || strings.Contains(n, "doi.org") {
		return true
	}
	// year;volume as in "2023;389(4):123-130"
	for i := 0; i+5 < len(n); i++ {
		if (n[i] == '1' || n[i] == '2') && isDigit(n[i+1]) && isDigit(n[i+2]) && isDigit(n[i+3]) && n[i+4] == ';' && isDigit(n[i+5]) {
			return true
		}
	}
	return false
}

// medianSize returns the median known type size of the lines in set, or 0.
func (r *run) medianSize(set []bool) float64 {
	var sizes []float64
	for l, ok := range set {
		if ok && r.d.lines[l].FontSize > 0 {
			sizes = append(sizes, r.d.lines[l].FontSize)
		}
	}
	return median(sizes)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// skipTok reports whether token i is safety text, label text or a
// reference, where the claims rules do not look.
func (r *run) skipTok(i int) bool {
	l := r.d.tokens[i].line
	return r.isiLine[l] || r.refLine[l] || r.labelTok[i]
}

// claimsArea reports whether match m lies in text the claims rules read.
func (r *run) claimsArea(m match) bool {
	for i := m.start; i < m.end; i++ {
		if r.skipTok(i) {
			return false
		}
	}
	return true
}

// findBenefit finds the sentences that make benefit claims: a claim of the
// claims library, the indication, or, when the piece names the product, a
// sentence with an efficacy word.
func (r *run) findBenefit() {
	d := r.d
	eff := map[int]bool{}
	for _, m := range r.c.rules[RuleISIMissing].list("efficacy").find(d) {
		eff[d.tokens[m.start].sent] = true
	}
	ind := map[int]bool{}
	for _, w := range r.indWins {
		for t := w.start; t < w.end; t++ {
			ind[d.tokens[t].sent] = true
		}
	}
	for si, s := range d.sents {
		if s.start >= s.end {
			continue
		}
		first := d.tokens[s.start].line
		if r.isiLine[first] || r.refLine[first] {
			continue
		}
		if ind[si] || (r.named && eff[si]) || len(r.matchingClaims(si)) > 0 {
			r.benefit = append(r.benefit, si)
		}
	}
}

// overlaps returns, for sentence si, how many of each claim's words it
// holds (counted with multiplicity, in any order, reference numbers left
// out), and the sentence's own number of words.
func (r *run) overlaps(si int) ([]int, int) {
	if ov := r.sentOverlap[si]; ov != nil {
		return ov, r.sentSize[si]
	}
	s := r.d.sents[si]
	size := 0
	for _, t := range r.d.tokens[s.start:s.end] {
		if !t.marker {
			r.scratch[t.id]++
			size++
		}
	}
	ov := make([]int, len(r.claims))
	for i, c := range r.claims {
		for _, x := range c.ids {
			ov[i] += int(min(x.n, r.scratch[x.id]))
		}
	}
	for _, t := range r.d.tokens[s.start:s.end] {
		r.scratch[t.id] = 0
	}
	r.sentOverlap[si], r.sentSize[si] = ov, size
	return ov, size
}

// matchingClaims returns the claims that sentence si states: the claim's
// words appear in the sentence, or the sentence (of four words or more) is
// part of the claim.
func (r *run) matchingClaims(si int) []int {
	if len(r.claims) == 0 {
		return nil
	}
	ov, size := r.overlaps(si)
	var out []int
	for i, c := range r.claims {
		if float64(ov[i]) >= r.sim*float64(len(c.toks)) || (size >= 4 && float64(ov[i]) >= r.sim*float64(size)) {
			out = append(out, i)
		}
	}
	return out
}

// ---- findings ----

func (r *run) add(id string, page, line int, excerpt string, vars map[string]string) {
	rule := r.c.rules[id]
	r.findings = append(r.findings, domain.Finding{
		RuleID:   id,
		Severity: rule.Severity,
		Message:  format(rule.Message, vars),
		Excerpt:  excerpt,
		Page:     page,
		Line:     line,
	})
}

// addAt adds a finding for tokens [a, b), citing their sentence.
func (r *run) addAt(id string, a, b int, vars map[string]string) {
	l := r.d.lines[r.d.tokens[a].line]
	r.add(id, l.Page, l.Line, r.excerpt(a, b), vars)
}

// excerpt returns the sentence around tokens [a, b) in the piece's own
// words, at most maxExcerpt characters, cut at word boundaries around the
// tokens when longer.
func (r *run) excerpt(a, b int) string {
	d := r.d
	if a >= b || b > len(d.tokens) {
		return ""
	}
	s1, s2 := d.sentenceOf(a), d.sentenceOf(b-1)
	text, ms, me := d.spanText(s1.start, s2.end, a, b)
	return clip(text, ms, me, maxExcerpt)
}

// clip shortens text to at most limit characters, keeping text[ms:me] and
// cutting at spaces, with "…" where it cut. White space is collapsed.
func clip(text string, ms, me, limit int) string {
	if c := strings.Join(strings.Fields(visible(text)), " "); utf8.RuneCountInString(c) <= limit {
		return c
	}
	rs := []rune(text)
	rms := utf8.RuneCountInString(text[:min(ms, len(text))])
	rme := utf8.RuneCountInString(text[:min(me, len(text))])
	budget := limit - 2
	lo, hi := rms, rme
	if hi-lo > budget {
		hi = lo + budget
	} else {
		extra := budget - (hi - lo)
		lo = max(0, lo-extra/2)
		hi = min(len(rs), hi+extra-(rms-lo))
		lo = max(0, min(lo, hi-budget))
	}
	if lo > 0 && !unicode.IsSpace(rs[lo-1]) { // cut inside a word: skip it
		for k := lo; k < hi && k < rms; k++ {
			if unicode.IsSpace(rs[k]) {
				lo = k + 1
				break
			}
		}
	}
	if hi < len(rs) && !unicode.IsSpace(rs[hi]) {
		for k := hi - 1; k > lo && k >= rme; k-- {
			if unicode.IsSpace(rs[k]) {
				hi = k
				break
			}
		}
	}
	out := strings.Join(strings.Fields(visible(string(rs[lo:hi]))), " ")
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(rs) {
		out += "…"
	}
	if utf8.RuneCountInString(out) > limit { // a single word longer than the limit
		out = string([]rune(out)[:limit-1]) + "…"
	}
	return out
}

// visible drops invisible format characters (soft hyphens, zero-width
// spaces, direction marks) that would only confuse a reader of an excerpt.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// where names the place of a sentence for a message: "page 2, line 7".
func (r *run) where(si int) string {
	l := r.d.lines[r.d.tokens[r.d.sents[si].start].line]
	return fmt.Sprintf("page %d, line %d", l.Page, l.Line)
}

// ---- rules ----

// checkISI reports missing current and outdated old ISI statements. Text
// that matches an old statement better than any current one is outdated,
// and the current statement it stands for is missing.
func (r *run) checkISI() {
	d := r.d
	var outdated []window
	for _, old := range r.previous {
		for _, w := range old.wins {
			// The old statement is the better reading of this text unless
			// a current statement is found on the same text at least as
			// well (an old statement can be part of a current one).
			better := true
			for _, wins := range r.curWins {
				for _, cw := range wins {
					if cw.start < w.end && w.start < cw.end && cw.score >= w.score {
						better = false
					}
				}
			}
			if !better {
				continue
			}
			outdated = append(outdated, w)
			r.addAt(RuleISIOutdated, w.start, w.end, map[string]string{
				"statement": old.text, "label_version": fmt.Sprint(old.version)})
		}
	}
	if len(r.benefit) == 0 {
		return
	}
	first := r.benefit[0]
	for ci, st := range r.current {
		present := false
		for _, w := range r.curWins[ci] {
			own := true
			for _, o := range outdated {
				if o.start < w.end && w.start < o.end && o.score > w.score {
					own = false // this text is the old statement
				}
			}
			present = present || own
		}
		if present {
			continue
		}
		s := d.sents[first]
		r.add(RuleISIMissing, 0, 0, r.excerpt(s.start, s.end), map[string]string{
			"statement": st.text, "where": r.where(first)})
	}
}

// checkPI requires the PI reference in pieces that name the product and
// make claims or carry safety information.
func (r *run) checkPI() {
	if len(r.pi.toks) == 0 || !r.named || len(r.piWins) > 0 {
		return
	}
	if len(r.benefit) == 0 && !r.isiPresent() {
		return // a reminder piece; for boxed-warning products see checkBoxedWarning
	}
	r.add(RulePIMissing, 0, 0, "", map[string]string{"pi_reference": r.pi.text})
}

func (r *run) isiPresent() bool {
	for _, w := range r.curWins {
		if len(w) > 0 {
			return true
		}
	}
	for _, o := range r.previous {
		if len(o.wins) > 0 {
			return true
		}
	}
	return len(r.headings) > 0
}

// checkEstablishedName checks the first mention of the proprietary name
// and, when type sizes are known, the most prominent one.
func (r *run) checkEstablishedName() {
	d := r.d
	if len(r.names) == 0 || r.established == nil {
		return
	}
	// Label statements and safety headings name the product too; look at
	// the other mentions when there are any.
	names := r.names
	var outside []match
	for _, m := range names {
		if !r.anchorLine[d.tokens[m.start].line] {
			outside = append(outside, m)
		}
	}
	if len(outside) > 0 {
		names = outside
	}
	cands := []match{names[0]}
	best := names[0]
	for _, m := range names[1:] {
		if d.lines[d.tokens[m.start].line].FontSize > d.lines[d.tokens[best.start].line].FontSize {
			best = m
		}
	}
	if best != names[0] {
		cands = append(cands, best)
	}
	for _, m := range cands {
		l := d.tokens[m.start].line
		ok := false
		for _, e := range r.estNames {
			if el := d.tokens[e.start].line; el == l || el == l+1 {
				ok = true
				break
			}
		}
		if !ok {
			r.addAt(RuleEstablishedName, m.start, m.end, map[string]string{
				"name": strings.TrimSpace(r.in.Label.ProprietaryName), "established": strings.TrimSpace(r.in.Label.EstablishedName)})
			return
		}
	}
}

// wordMatches returns the matches of a rule's "terms" list in the claims
// area, without those inside an "allow" phrase or after a negation.
func (r *run) wordMatches(rule *compiledRule, terms *phraseSet) []match {
	d := r.d
	allow := rule.list("allow").find(d)
	negs := rule.list("negations").find(d)
	var out []match
	for _, m := range terms.find(d) {
		if !r.claimsArea(m) || inside(m, allow) || d.negated(m, negs, 10) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// checkWords reports every word of the rule's list (absolute words, hype)
// once per line.
func (r *run) checkWords(id string) {
	rule := r.c.rules[id]
	terms := rule.list("terms")
	seen := map[string]bool{}
	for _, m := range r.wordMatches(rule, terms) {
		term := terms.pats[m.pat].src
		key := fmt.Sprint(r.d.tokens[m.start].line, "\x00", term)
		if seen[key] {
			continue
		}
		seen[key] = true
		r.addAt(id, m.start, m.end, map[string]string{"term": r.matchedText(m, term)})
	}
}

// matchedText returns the words of m as the piece writes them, or the
// list's phrase if that fails.
func (r *run) matchedText(m match, fallback string) string {
	text, ms, me := r.d.spanText(m.start, m.end, m.start, m.end)
	if t := strings.Join(strings.Fields(text[ms:me]), " "); t != "" && utf8.RuneCountInString(t) <= 80 {
		return t
	}
	return fallback
}

// checkComparative reports comparisons with something other than placebo
// or baseline in sentences that cite no reference.
func (r *run) checkComparative() {
	d := r.d
	rule := r.c.rules[RuleComparative]
	exempt := rule.list("comparators_exempt")
	exemptMatches := exempt.find(d)
	// isExempt reports whether the comparison ending at token end is with
	// placebo, baseline or a number: the comparator starts right after it,
	// or (a word) up to two words later ("compared with patients on
	// placebo" does not reach; "vs oral placebo" does).
	isExempt := func(end int) bool {
		for _, e := range exemptMatches {
			if e.start == end || (e.start > end && e.start <= end+2 && exempt.pats[e.pat].elems[0].kind != eNum &&
				d.tokens[e.start].sent == d.tokens[end-1].sent) {
				return true
			}
		}
		return false
	}
	markers := map[int]bool{}
	for _, m := range rule.list("markers").find(d) {
		markers[d.tokens[m.start].sent] = true
	}
	footnotes := false
	for l := range d.lines {
		if r.refLine[l] {
			footnotes = true
		}
	}
	done := map[int]bool{}
	for _, m := range r.wordMatches(rule, rule.list("terms")) {
		si := d.tokens[m.start].sent
		if done[si] {
			continue
		}
		if isExempt(m.end) {
			continue
		}
		if markers[si] || r.hasReference(si, footnotes) || len(r.matchingClaims(si)) > 0 {
			continue // cited, or an approved claim whose references the library holds
		}
		done[si] = true
		r.addAt(RuleComparative, m.start, m.end, map[string]string{"term": r.matchedText(m, rule.list("terms").pats[m.pat].src)})
	}
}

// hasReference reports whether sentence si cites a source: a reference
// number, or a footnote symbol when the piece has a reference list or
// footnotes.
func (r *run) hasReference(si int, footnotes bool) bool {
	d := r.d
	s := d.sents[si]
	for _, t := range d.tokens[s.start:s.end] {
		if t.marker {
			return true
		}
	}
	if !footnotes || s.start >= s.end {
		return false
	}
	end := len(d.text)
	if si+1 < len(d.sents) && d.sents[si+1].start < len(d.tokens) {
		end = d.tokens[d.sents[si+1].start].start
	}
	return strings.ContainsAny(d.text[d.tokens[s.start].start:end], "*†‡§¶")
}

// checkClaims reports sentences with numbers and efficacy words that no
// claim of the library states with the same numbers. A claim covers a
// sentence when it matches at the similarity setting, or when it has every
// number of the sentence and at least the rule's numbers_similarity share
// of its words. Numbers the label itself uses with the word before them
// ("type 2 diabetes", "MEN 2") are not claims, and sentences with one of
// the rule's negations ("it is not known if") state no benefit.
func (r *run) checkClaims() {
	d := r.d
	rule := r.c.rules[RuleClaimUnmatched]
	loose := rule.Params["numbers_similarity"]
	vocab := map[int]bool{}
	for _, m := range rule.list("terms").find(d) {
		vocab[d.tokens[m.start].sent] = true
	}
	negated := map[int]bool{}
	for _, m := range rule.list("negations").find(d) {
		negated[d.tokens[m.start].sent] = true
	}
	for si, s := range d.sents {
		if !vocab[si] || negated[si] || s.start >= s.end {
			continue
		}
		var nums, numText []string
		skip := false
		for i := s.start; i < s.end; i++ {
			t := d.tokens[i]
			if r.skipTok(i) {
				skip = true
				break
			}
			if t.kind != tNum || t.marker || (i > 0 && (r.labelNums[d.tokens[i-1].text+" "+t.text] || d.tokens[i-1].text == "#")) {
				continue // label wording ("type 2") or a rank ("#1", a matter for FB-HYPE)
			}
			nums = append(nums, t.text)
			txt := t.text
			if i+1 < s.end && d.tokens[i+1].text == "%" {
				txt += "%"
			}
			numText = append(numText, txt)
		}
		if skip || len(nums) == 0 {
			continue
		}
		covered := map[string]bool{}
		for _, ci := range r.matchingClaims(si) {
			for n := range r.claims[ci].nums {
				covered[n] = true
			}
		}
		ov, _ := r.overlaps(si)
		for ci, c := range r.claims {
			if float64(ov[ci]) >= loose*float64(len(c.toks)) && allIn(nums, c.nums) {
				for _, n := range nums {
					covered[n] = true
				}
			}
		}
		if allIn(nums, covered) {
			continue
		}
		r.addAt(RuleClaimUnmatched, s.start, s.end, map[string]string{"numbers": strings.Join(slices.Compact(numText), ", ")})
	}
}

func allIn(keys []string, set map[string]bool) bool {
	for _, k := range keys {
		if !set[k] {
			return false
		}
	}
	return true
}

// checkOffLabel reports the label's off-label terms outside safety text.
func (r *run) checkOffLabel() {
	var pats []pattern
	for _, t := range r.in.Label.OffLabelTerms {
		if p, err := compilePhrase(t, nil); err == nil && strings.TrimSpace(t) != "" {
			pats = append(pats, p)
		}
	}
	if len(pats) == 0 {
		return
	}
	rule := r.c.rules[RuleOffLabel]
	terms := newPhraseSet(pats)
	seen := map[string]bool{}
	for _, m := range r.wordMatches(rule, terms) {
		key := fmt.Sprint(r.d.tokens[m.start].line, "\x00", m.pat)
		if seen[key] {
			continue
		}
		seen[key] = true
		r.addAt(RuleOffLabel, m.start, m.end, map[string]string{"term": terms.pats[m.pat].src})
	}
}

// checkRelativeRisk reports relative risk wording with no absolute risk in
// the same sentence or near it: two lines before or after in wrapped text
// (PDF, plain text), one paragraph in HTML and Word.
func (r *run) checkRelativeRisk() {
	d := r.d
	rule := r.c.rules[RuleRelativeRisk]
	abs := rule.list("absolute").find(d)
	done := map[int]bool{}
	for _, m := range r.wordMatches(rule, rule.list("terms")) {
		si := d.tokens[m.start].sent
		if done[si] {
			continue
		}
		s := d.sents[si]
		reach := 2
		if d.paragraph {
			reach = 1
		}
		lo, hi := d.tokens[s.start].line-reach, d.tokens[s.end-1].line+reach
		found := false
		for _, a := range abs {
			if a.start >= s.start && a.end <= s.end {
				found = true
				break
			}
			if l := d.tokens[a.start].line; l >= lo && l <= hi {
				found = true
				break
			}
		}
		if found {
			continue
		}
		done[si] = true
		r.addAt(RuleRelativeRisk, m.start, m.end, map[string]string{"term": r.matchedText(m, rule.list("terms").pats[m.pat].src)})
	}
}

// checkNew reports "new" wording more than the rule's months after launch.
func (r *run) checkNew() {
	launch, err := time.Parse(time.DateOnly, strings.TrimSpace(r.in.Label.LaunchDate))
	if err != nil || r.in.Now.IsZero() {
		return
	}
	rule := r.c.rules[RuleNewStale]
	months := int(rule.Params["months"])
	if !r.in.Now.After(launch.AddDate(0, months, 0)) {
		return
	}
	d := r.d
	vars := func(term string) map[string]string {
		return map[string]string{"term": term, "launch_date": launch.Format(time.DateOnly), "months": fmt.Sprint(months)}
	}
	for _, m := range r.wordMatches(rule, rule.list("terms")) {
		r.addAt(RuleNewStale, m.start, m.end, vars(r.matchedText(m, rule.list("terms").pats[m.pat].src)))
	}
	near := map[int]bool{}
	for _, m := range append(rule.list("near").find(d), append(slices.Clone(r.names), r.estNames...)...) {
		for t := m.start; t < m.end; t++ {
			near[t] = true
		}
	}
	for _, m := range r.wordMatches(rule, rule.list("qualified")) {
		sent := d.tokens[m.start].sent
		close := false
		for t := max(0, m.start-4); t < min(len(d.tokens), m.end+4); t++ {
			if near[t] && d.tokens[t].sent == sent && (t < m.start || t >= m.end) {
				close = true
				break
			}
		}
		if close {
			r.addAt(RuleNewStale, m.start, m.end, vars(r.matchedText(m, rule.list("qualified").pats[m.pat].src)))
		}
	}
}

// checkBoxedWarning applies to products with a boxed warning: no reminder
// pieces, and pieces with benefit claims must show the boxed warning.
func (r *run) checkBoxedWarning() {
	if !r.in.Label.BoxedWarning || !r.named {
		return
	}
	name := strings.TrimSpace(r.in.Label.ProprietaryName)
	if name == "" {
		name = strings.TrimSpace(r.in.Label.EstablishedName)
	}
	vars := map[string]string{"name": name}
	if len(r.benefit) == 0 {
		if !r.isiPresent() {
			m := r.firstMention()
			r.addAt(RuleBoxedReminder, m.start, m.end, vars)
		}
		return
	}
	if !r.boxedHeading() {
		r.add(RuleBoxedWarningAbsent, 0, 0, "", vars)
	}
}

func (r *run) firstMention() match {
	switch {
	case len(r.names) > 0 && len(r.estNames) > 0 && r.estNames[0].start < r.names[0].start:
		return r.estNames[0]
	case len(r.names) > 0:
		return r.names[0]
	}
	return r.estNames[0]
}

// boxedHeading reports whether the piece shows a boxed-warning heading: the
// word "WARNING" in capitals outside the PI reference, or a line starting
// "Boxed Warning".
func (r *run) boxedHeading() bool {
	d := r.d
	for l, line := range d.lines {
		if r.onlyPI(l) && !r.stmtLine[l] {
			continue
		}
		if hasUpperWord(line.Text, "WARNING") {
			return true
		}
		if strings.HasPrefix(d.norms[l].Text, "boxed warning") {
			return true
		}
	}
	return false
}

// hasUpperWord reports whether s holds word, in capitals, as a whole word.
func hasUpperWord(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		a, b := i+j, i+j+len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:a])
		after, _ := utf8.DecodeRuneInString(s[b:])
		if (a == 0 || !unicode.IsLetter(before)) && (b == len(s) || !unicode.IsLetter(after)) {
			return true
		}
		i = b
	}
}

// checkUnsubscribe requires an unsubscribe or opt-out text in e-mails.
func (r *run) checkUnsubscribe() {
	if r.in.Piece.Channel != "email" {
		return
	}
	if len(r.c.rules[RuleEmailUnsubscribe].list("terms").find(r.d)) > 0 {
		return
	}
	r.add(RuleEmailUnsubscribe, 0, 0, "", nil)
}

// checkFontSize compares, in PDFs, the median type size of the label's ISI
// statements with that of the benefit claims.
func (r *run) checkFontSize() {
	if r.in.Piece.MediaType != "application/pdf" || len(r.benefit) == 0 {
		return
	}
	d := r.d
	claim := make([]bool, len(d.lines))
	for _, si := range r.benefit {
		s := d.sents[si]
		for t := s.start; t < s.end; t++ {
			if l := d.tokens[t].line; !r.isiLine[l] {
				claim[l] = true
			}
		}
	}
	isi := r.medianSize(r.stmtLine)
	cl := r.medianSize(claim)
	ratio := r.c.rules[RuleISIFont].Params["ratio"]
	if isi == 0 || cl == 0 || isi >= ratio*cl {
		return
	}
	first := slices.Index(r.stmtLine, true)
	l := d.lines[first]
	a, b := d.lineToks[first][0], d.lineToks[first][1]
	r.add(RuleISIFont, l.Page, l.Line, r.excerpt(a, max(b, a+1)), map[string]string{
		"isi_size": roundSize(isi), "claim_size": roundSize(cl), "ratio": formatSize(ratio)})
}

func roundSize(v float64) string { return formatSize(math.Round(v*10) / 10) }
