package checker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ---- phrases ----

type elemKind uint8

const (
	eWord elemKind = iota // a literal token
	eNum                  // {n}: any number that is not a reference mark
	eGap                  // *: one to maxGap tokens
)

// maxGap is how many tokens a "*" in a phrase may stand for.
const maxGap = 4

type elem struct {
	kind elemKind
	text string
}

// pattern is a compiled phrase of a word list.
type pattern struct {
	src   string // as written in the rules file or the label
	elems []elem
}

// compilePhrase turns "fewer * than", "{n}% lower risk" or "#1" into a
// pattern. It fails on an empty phrase, a "*" at either end, two "*" in a
// row or more than two "*", which would make matching slow.
func compilePhrase(s string, keepHyphen map[string]bool) (pattern, error) {
	p := pattern{src: strings.TrimSpace(s)}
	var seg strings.Builder
	flush := func() {
		n := Normalize(seg.String())
		for _, t := range tokenize(n.Text) {
			p.elems = append(p.elems, elem{kind: eWord, text: t.text})
		}
		noteHyphens(n.Text, keepHyphen)
		seg.Reset()
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{n}"):
			flush()
			p.elems = append(p.elems, elem{kind: eNum})
			i += 3
		case s[i] == '*':
			flush()
			p.elems = append(p.elems, elem{kind: eGap})
			i++
		default:
			seg.WriteByte(s[i])
			i++
		}
	}
	flush()
	gaps := 0
	for i, e := range p.elems {
		if e.kind == eGap {
			gaps++
			if i == 0 || i == len(p.elems)-1 || p.elems[i-1].kind == eGap {
				return p, fmt.Errorf("%q: a \"*\" must stand between words", p.src)
			}
		}
	}
	switch {
	case len(p.elems) == 0:
		return p, fmt.Errorf("%q: the phrase has no words", p.src)
	case gaps > 2:
		return p, fmt.Errorf("%q: use at most two \"*\" in a phrase", p.src)
	}
	return p, nil
}

// compilePhrases compiles a word list, collecting every problem.
func compilePhrases(words []string, keepHyphen map[string]bool) ([]pattern, error) {
	var errs []error
	out := make([]pattern, 0, len(words))
	for _, w := range words {
		p, err := compilePhrase(w, keepHyphen)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// noteHyphens records the hyphenated words of folded text s, joined
// ("non-valvular" as "nonvalvular"), in set.
func noteHyphens(s string, set map[string]bool) {
	if set == nil {
		return
	}
	for w := range strings.FieldsFuncSeq(s, func(r rune) bool { return !(unicode.IsLetter(r) || r == '-') }) {
		w = strings.Trim(w, "-")
		if strings.Contains(w, "-") {
			set[strings.ReplaceAll(w, "-", "")] = true
		}
	}
}

// phraseSet is a word list indexed by the first token of each phrase, so
// that matching costs one map look-up per token of the piece.
type phraseSet struct {
	pats     []pattern
	byFirst  map[string][]int
	numFirst []int
}

func newPhraseSet(pats []pattern) *phraseSet {
	s := &phraseSet{pats: pats, byFirst: map[string][]int{}}
	for i, p := range pats {
		if p.elems[0].kind == eNum {
			s.numFirst = append(s.numFirst, i)
		} else {
			s.byFirst[p.elems[0].text] = append(s.byFirst[p.elems[0].text], i)
		}
	}
	return s
}

// match is one occurrence of a phrase: tokens [start, end) of a document.
type match struct {
	pat        int // index in the phraseSet
	start, end int
}

// find returns the non-overlapping occurrences of the set's phrases in d,
// longest first where they overlap, in document order. A phrase never
// spans two sentences.
func (s *phraseSet) find(d *document) []match {
	if s == nil || len(s.pats) == 0 {
		return nil
	}
	// Only tokens that start a phrase are tried.
	starts := make([]bool, len(d.vocab))
	for text := range s.byFirst {
		if id, ok := d.vocab[text]; ok {
			starts[id] = true
		}
	}
	var all []match
	for i := range d.tokens {
		if !starts[d.tokens[i].id] && (len(s.numFirst) == 0 || d.tokens[i].kind != tNum) {
			continue
		}
		try := func(pi int) {
			if end, ok := d.matchAt(s.pats[pi].elems, 0, i, d.tokens[i].sent); ok {
				all = append(all, match{pat: pi, start: i, end: end})
			}
		}
		for _, pi := range s.byFirst[d.tokens[i].text] {
			try(pi)
		}
		if d.tokens[i].kind == tNum && !d.tokens[i].marker {
			for _, pi := range s.numFirst {
				try(pi)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b match) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return (b.end - b.start) - (a.end - a.start)
	})
	out := all[:0]
	last := -1
	for _, m := range all {
		if m.start >= last {
			out = append(out, m)
			last = m.end
		}
	}
	return out
}

// matchAt matches elems[ei:] at token ti within sentence sent and returns
// the end of the match. Gaps take the fewest tokens that let the rest match.
func (d *document) matchAt(elems []elem, ei, ti, sent int) (int, bool) {
	if ei == len(elems) {
		return ti, true
	}
	if ti >= len(d.tokens) || d.tokens[ti].sent != sent {
		return 0, false
	}
	e := elems[ei]
	switch e.kind {
	case eWord:
		if d.tokens[ti].text == e.text {
			return d.matchAt(elems, ei+1, ti+1, sent)
		}
	case eNum:
		if d.tokens[ti].kind == tNum && !d.tokens[ti].marker {
			return d.matchAt(elems, ei+1, ti+1, sent)
		}
	case eGap:
		for k := 1; k <= maxGap; k++ {
			if ti+k-1 >= len(d.tokens) || d.tokens[ti+k-1].sent != sent {
				break
			}
			if end, ok := d.matchAt(elems, ei+1, ti+k, sent); ok {
				return end, true
			}
		}
	}
	return 0, false
}

// inside reports whether m lies within one of the spans.
func inside(m match, spans []match) bool {
	for _, s := range spans {
		if s.start <= m.start && m.end <= s.end {
			return true
		}
	}
	return false
}

// negated reports whether one of the negation matches ends at most window
// tokens before m starts, in the same sentence.
func (d *document) negated(m match, negs []match, window int) bool {
	for _, n := range negs {
		if n.end <= m.start && m.start-n.end < window && d.tokens[n.start].sent == d.tokens[m.start].sent {
			return true
		}
	}
	return false
}

// ---- statements: fuzzy containment ----

// statement is a label statement, the PI reference, the indication or a
// claim, with its folded tokens (reference numbers left out).
type statement struct {
	text string
	toks []string
}

func newStatement(text string, keepHyphen map[string]bool) statement {
	n := Normalize(text)
	noteHyphens(n.Text, keepHyphen)
	st := statement{text: strings.TrimSpace(text)}
	for _, t := range tokenize(n.Text) {
		if t.kind == tNum && t.marker {
			continue
		}
		st.toks = append(st.toks, t.text)
	}
	return st
}

// window is where a statement was found: tokens [start, end) and the share
// of the statement's tokens found there.
type window struct {
	start, end int
	score      float64
}

// windows returns the places where at least a share min of the statement's
// tokens (counted with multiplicity, in any order) appear within a stretch
// of the document not much longer than the statement. Found places do not
// overlap; each is trimmed to its first and last matching token. The cost is
// linear in the document's tokens.
func (d *document) windows(st statement, min float64) []window {
	n := len(st.toks)
	if n == 0 || len(d.tokens) == 0 {
		return nil
	}
	slot := map[string]int{}
	var need []int
	for _, t := range st.toks {
		i, ok := slot[t]
		if !ok {
			i = len(need)
			slot[t] = i
			need = append(need, 0)
		}
		need[i]++
	}
	// The statement's slot of every word of the piece's vocabulary.
	byID := make([]int, len(d.vocab))
	for i := range byID {
		byID[i] = -1
	}
	for t, s := range slot {
		if id, ok := d.vocab[t]; ok {
			byID[id] = s
		}
	}
	// Upper bound first: most statements are absent, and most of their
	// words are then missing from the whole document.
	have := make([]int, len(need))
	slots := make([]int, len(d.tokens))
	total := 0
	for i, t := range d.tokens {
		s := byID[t.id]
		if s < 0 || t.marker {
			slots[i] = -1
			continue
		}
		slots[i] = s
		if have[s] < need[s] {
			total++
		}
		have[s]++
	}
	if float64(total)/float64(n) < min {
		return nil
	}
	clear(have)

	w := n + max(2, n/4) // room for a few inserted words
	matched := 0
	add := func(i int) {
		if s := slots[i]; s >= 0 {
			have[s]++
			if have[s] <= need[s] {
				matched++
			}
		}
	}
	remove := func(i int) {
		if s := slots[i]; s >= 0 {
			if have[s] <= need[s] {
				matched--
			}
			have[s]--
		}
	}
	var out []window
	best := window{start: -1}
	bestAlign := 0
	removed := make([]int, len(need)) // scratch for tight
	// tight narrows the window [start, end) to the tokens that count: it
	// drops tokens that are not the statement's and surplus repeats at
	// either end ("bleeding. Do not take ... bleeding" loses the first
	// "bleeding"). It returns the narrowed window and how well it lines
	// up with the statement: one point each for starting with the
	// statement's first token and ending with its last.
	tight := func(start, end int) (window, int) {
		a, b := start, end
		for a < b && (slots[a] < 0 || have[slots[a]]-removed[slots[a]] > need[slots[a]]) {
			if slots[a] >= 0 {
				removed[slots[a]]++
			}
			a++
		}
		for b > a && (slots[b-1] < 0 || have[slots[b-1]]-removed[slots[b-1]] > need[slots[b-1]]) {
			if slots[b-1] >= 0 {
				removed[slots[b-1]]++
			}
			b--
		}
		for j := start; j < end; j++ {
			if slots[j] >= 0 {
				removed[slots[j]] = 0
			}
		}
		align := 0
		if a < b && d.tokens[a].text == st.toks[0] {
			align++
		}
		if a < b && d.tokens[b-1].text == st.toks[n-1] {
			align++
		}
		return window{start: a, end: b}, align
	}
	lo := 0 // windows start at or after lo
	for i := 0; i < len(d.tokens); i++ {
		add(i)
		if i-w >= lo {
			remove(i - w)
		}
		start := max(lo, i-w+1)
		score := float64(matched) / float64(n)
		if score >= min && score >= best.score {
			win, align := tight(start, i+1)
			if score > best.score || align > bestAlign {
				win.score = score
				best, bestAlign = win, align
			}
		}
		// A found place is complete once the window no longer holds its
		// first token: later windows are other places.
		if best.start >= 0 && (start > best.start || i == len(d.tokens)-1) {
			out = append(out, best)
			for j := start; j <= i; j++ {
				remove(j)
			}
			lo = best.end
			i = best.end - 1
			best, bestAlign = window{start: -1}, 0
		}
	}
	return out
}

// firstRuneLower reports whether the first letter of s is lower case.
func firstRuneLower(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return unicode.IsLower(r)
		}
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return false
}

// firstRuneUpper reports whether s starts, after white space, with a
// capital letter or a digit.
func firstRuneUpper(s string) bool {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}
