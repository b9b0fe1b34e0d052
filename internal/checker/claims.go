package checker

import (
	"slices"
	"strings"
)

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
