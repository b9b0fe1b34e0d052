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
	"maps"
	"slices"
	"strings"
	"time"

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
