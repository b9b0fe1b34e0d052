package checker

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

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
