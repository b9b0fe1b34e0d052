package checker

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// ---- tokens ----

type tokKind uint8

const (
	tWord tokKind = iota // letters, with contractions kept ("don't")
	tNum                 // digits, with decimal points and thousands commas
	tSym                 // one of % # < > = + ± ≤ ≥ $ &
)

// token is a word, number or symbol of the joined, folded text.
type token struct {
	text       string
	start, end int // byte offsets in document.text (or the tokenized string)
	kind       tokKind
	// marker is set on numbers that are reference marks: "warfarin1"
	// (from a superscript), "warfarin.1", "35%.1,2", "[1]", "[2-4]".
	marker bool
	line   int   // index in document.lines of the line the token starts on
	sent   int   // index of the sentence
	id     int32 // the token's number in document.vocab
}

// isSymbol reports whether r is a symbol kept as a token of its own.
func isSymbol(r rune) bool {
	switch r {
	case '%', '#', '<', '>', '=', '+', '±', '≤', '≥', '$', '&':
		return true
	}
	return false
}

// tokenize splits folded text into tokens and marks reference numbers.
// Hyphens, slashes and other punctuation separate tokens and are dropped;
// a possessive "'s" is dropped with its apostrophe.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) && alnumWord(s, i):
			// "a1c", "cyp3a4": letters and digits that form one word
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) && !isDigit(s[j]) {
					break
				}
				j += sz
			}
			toks = append(toks, token{text: s[i:j], start: i, end: j, kind: tWord})
			i = j
		case unicode.IsLetter(r):
			j := i + size
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) {
					j += sz
					continue
				}
				if r2 == '\'' && j+1 < len(s) {
					r3, sz3 := utf8.DecodeRuneInString(s[j+1:])
					if !unicode.IsLetter(r3) {
						break
					}
					if r3 == 's' && !nextIsLetter(s, j+1+sz3) {
						// possessive: keep the word, drop "'s"
						toks = append(toks, token{text: s[i:j], start: i, end: j, kind: tWord})
						i = j + 1 + sz3
						goto next
					}
					j += sz
					continue
				}
				break
			}
			toks = append(toks, token{text: s[i:j], start: i, end: j, kind: tWord})
			i = j
		case r >= '0' && r <= '9':
			j := i + 1
			for j < len(s) {
				c := s[j]
				if c >= '0' && c <= '9' {
					j++
					continue
				}
				if c == '.' && j+1 < len(s) && isDigit(s[j+1]) {
					j++
					continue
				}
				if c == ',' && thousands(s, j+1) {
					j++
					continue
				}
				break
			}
			toks = append(toks, token{text: s[i:j], start: i, end: j, kind: tNum})
			i = j
		case isSymbol(r):
			toks = append(toks, token{text: s[i : i+size], start: i, end: i + size, kind: tSym})
			i += size
		default:
			i += size
		}
	next:
	}
	markReferences(s, toks)
	return toks
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// alnumWord reports whether the letters at s[i:] are followed by digits and
// then a letter again, as in "a1c" or "cyp3a4", rather than ending in
// digits like "warfarin1", whose digits are a reference number.
func alnumWord(s string, i int) bool {
	j := i
	for j < len(s) {
		r, sz := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(r) {
			break
		}
		j += sz
	}
	if j == len(s) || !isDigit(s[j]) {
		return false
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return nextIsLetter(s, j)
}

func nextIsLetter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// thousands reports whether s[i:] starts with exactly three digits, as
// after the comma of "1,000".
func thousands(s string, i int) bool {
	if i+3 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
		return false
	}
	return i+3 == len(s) || !isDigit(s[i+3])
}

// markReferences sets marker on numbers that cite a reference rather than
// state a quantity.
func markReferences(s string, toks []token) {
	for i := range toks {
		t := &toks[i]
		if t.kind != tNum || len(t.text) > 3 || strings.ContainsAny(t.text, ".,") {
			continue
		}
		if i > 0 {
			p := toks[i-1]
			gap := s[p.end:t.start]
			switch {
			// "warfarin1" (a superscript folded to a digit) or "35%1"
			case gap == "" && ((p.kind == tWord && utf8.RuneCountInString(p.text) >= 3) || p.text == "%"):
				t.marker = true
			// "warfarin.1", "35%.1", "HR 0.79).1", "warfarin,2"
			case (gap == "." || gap == ")." || gap == ")") && endsSentenceish(s, t.end):
				t.marker = true
			case (gap == "," || gap == ";") && (p.kind == tWord || p.text == "%") && endsSentenceish(s, t.end):
				t.marker = true
			// "1,2" or "1-3" continuing a marker
			case p.marker && (gap == "," || gap == "-" || gap == ", "):
				t.marker = true
			}
		}
		if !t.marker && inBrackets(s, t.start, t.end) {
			t.marker = true
		}
	}
}

// endsSentenceish reports whether what follows position i is white space,
// the end, more reference numbers or closing punctuation, as after the
// "1" of "warfarin.1 Patients".
func endsSentenceish(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	switch s[i] {
	case ' ', ',', '-', ')', ']', ';', '\n', '.':
		return true
	}
	return false
}

// inBrackets reports whether the number at s[a:b] sits in a bracketed list
// of reference numbers: "[1]", "[1,2]", "[3-5]".
func inBrackets(s string, a, b int) bool {
	i := a - 1
	for i >= 0 && (isDigit(s[i]) || s[i] == ',' || s[i] == '-' || s[i] == ' ') && a-i < 20 {
		i--
	}
	if i < 0 || s[i] != '[' {
		return false
	}
	j := b
	for j < len(s) && (isDigit(s[j]) || s[j] == ',' || s[j] == '-' || s[j] == ' ') && j-b < 20 {
		j++
	}
	return j < len(s) && s[j] == ']'
}

// ---- document ----

// document is a piece's text prepared for matching: the lines folded and
// joined into one text, so that a phrase broken across lines still matches,
// with tokens, sentences and a map back to each line's own words.
type document struct {
	lines     []domain.TextLine
	norms     []Normalized
	text      string
	lineStart []int // offset in text of each line's folded text
	lineEnd   []int // end of the line's part of text (a dropped line-end hyphen excluded)
	tokens    []token
	sents     []sentence
	lineToks  [][2]int // tokens starting on each line: [first, end)
	joined    []bool   // line was joined to the next without a break ("break-" "through")
	vocab     map[string]int32
	paragraph bool // every line is a paragraph (HTML, DOCX, PPTX)
}

// sentence is tokens [start, end).
type sentence struct {
	start, end int
}

// newDocument sorts, folds and joins lines. A line that ends in a hyphen
// after a letter and is followed by a line starting with a lower-case
// letter is joined without the hyphen ("break-" "through" becomes
// "breakthrough"), unless the joined word is one that keepHyphen lists
// ("risk-" "free" stays "risk-free").
func newDocument(lines []domain.TextLine, mediaType string, keepHyphen map[string]bool) *document {
	d := &document{lines: slices.Clone(lines)}
	slices.SortStableFunc(d.lines, func(a, b domain.TextLine) int {
		return cmp.Or(cmp.Compare(a.Page, b.Page), cmp.Compare(a.Line, b.Line))
	})
	switch mediaType {
	case "application/pdf", "text/plain", "":
	default:
		d.paragraph = true
	}
	var b strings.Builder
	d.norms = make([]Normalized, len(d.lines))
	d.lineStart = make([]int, len(d.lines))
	d.lineEnd = make([]int, len(d.lines))
	d.joined = make([]bool, len(d.lines))
	last := -1 // last line with text
	for i, l := range d.lines {
		n := Normalize(l.Text)
		d.norms[i] = n
		if i > 0 && b.Len() > 0 && n.Text != "" {
			prev := b.String()
			if dehyphenate(prev, n.Text, l.Text, keepHyphen) && d.lines[last].Page == l.Page {
				// Drop the hyphen of the previous line.
				cut := strings.LastIndexByte(prev, '-')
				s := prev[:cut]
				b.Reset()
				b.WriteString(s)
				d.lineEnd[last]--
				d.joined[last] = true
			} else {
				b.WriteByte('\n')
			}
		}
		d.lineStart[i] = b.Len()
		b.WriteString(n.Text)
		d.lineEnd[i] = b.Len()
		if n.Text != "" {
			last = i
		}
	}
	d.text = b.String()
	d.tokens = tokenize(d.text)
	d.vocab = map[string]int32{}
	for i := range d.tokens {
		id, ok := d.vocab[d.tokens[i].text]
		if !ok {
			id = int32(len(d.vocab))
			d.vocab[d.tokens[i].text] = id
		}
		d.tokens[i].id = id
	}
	d.assignLines()
	d.splitSentences()
	return d
}

// dehyphenate reports whether the previous text, ending in "word-", and the
// next line's folded text should be joined without the hyphen.
func dehyphenate(prev, next, nextOrig string, keepHyphen map[string]bool) bool {
	if len(prev) < 2 || prev[len(prev)-1] != '-' {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(prev[:len(prev)-1])
	if !unicode.IsLetter(r) || !firstRuneLower(nextOrig) {
		return false
	}
	head := prev[:len(prev)-1]
	i := strings.LastIndexFunc(head, func(r rune) bool { return !unicode.IsLetter(r) })
	word := head[i+1:]
	if i >= 0 && head[i] == '-' {
		return false // "first-in-" stays hyphenated
	}
	j := strings.IndexFunc(next, func(r rune) bool { return !unicode.IsLetter(r) })
	if j < 0 {
		j = len(next)
	}
	return !keepHyphen[word+next[:j]]
}

// assignLines records the line of every token and the token range of every
// line.
func (d *document) assignLines() {
	li := 0
	for i := range d.tokens {
		for li+1 < len(d.lines) && d.lineStart[li+1] <= d.tokens[i].start {
			li++
		}
		d.tokens[i].line = li
	}
	d.lineToks = make([][2]int, len(d.lines))
	ti := 0
	for l := range d.lines {
		for ti < len(d.tokens) && d.tokens[ti].line < l {
			ti++
		}
		end := ti
		for end < len(d.tokens) && d.tokens[end].line == l {
			end++
		}
		d.lineToks[l] = [2]int{ti, end}
	}
}

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"vs": true, "al": true, "ref": true, "refs": true, "no": true, "fig": true, "figs": true,
	"approx": true, "dr": true, "mr": true, "mrs": true, "ms": true, "st": true, "eg": true,
	"ie": true, "etc": false, "inc": false, "vol": true, "pp": true, "ed": true, "jr": true,
}

// splitSentences assigns every token to a sentence. A sentence ends at ".",
// "!" or "?" followed by white space (not after an abbreviation, a single
// letter or inside a number), with reference numbers after the stop kept in
// the sentence ("than warfarin.1"). A line break ends a sentence when the
// lines are paragraphs (HTML, Word), the page or type size changes, the next
// line starts with a bullet, or a short line (a heading or the end of a
// paragraph) is followed by one starting with a capital.
func (d *document) splitSentences() {
	if len(d.tokens) == 0 {
		return
	}
	widest := d.widestLines()
	sent := 0
	start := 0
	pending := false // a stop was seen right before reference numbers
	for i := range d.tokens {
		if i > 0 {
			prev, cur := d.tokens[i-1], d.tokens[i]
			gap := d.text[prev.end:cur.start]
			spaced := strings.ContainsAny(gap, " \n")
			brk := false
			switch {
			case pending:
				brk = !(cur.marker && !spaced)
			case strings.ContainsAny(gap, ".!?") && !d.abbreviation(i-1, gap):
				if !spaced {
					pending = cur.marker // "warfarin.1": the stop ends the sentence after the 1
				} else {
					brk = true
				}
			}
			if !brk && strings.Contains(gap, "\n") && d.lineBreakEnds(prev.line, cur.line, gap, widest) {
				brk = true
			}
			if brk {
				pending = false
				d.sents = append(d.sents, sentence{start, i})
				sent++
				start = i
			}
		}
		d.tokens[i].sent = sent
	}
	d.sents = append(d.sents, sentence{start, len(d.tokens)})
}

// abbreviation reports whether the full stop after token i belongs to an
// abbreviation ("vs.", "e.g.", "et al.", "U.S.").
func (d *document) abbreviation(i int, gap string) bool {
	t := d.tokens[i]
	if t.kind != tWord || !strings.HasPrefix(gap, ".") {
		return false
	}
	if abbreviations[t.text] {
		return true
	}
	// single letters: initials, "e.g.", "i.e.", "U.S."
	return utf8.RuneCountInString(t.text) == 1 && t.text != "a" && t.text != "i"
}

// lineBreakEnds decides whether a line break between tokens ends a
// sentence.
func (d *document) lineBreakEnds(pl, nl int, gap string, widest map[int]int) bool {
	if pl == nl {
		return false
	}
	p, n := d.lines[pl], d.lines[nl]
	if p.Page != n.Page || d.paragraph {
		return true
	}
	if p.FontSize > 0 && n.FontSize > 0 && (p.FontSize > n.FontSize*1.15 || n.FontSize > p.FontSize*1.15) {
		return true
	}
	next := strings.TrimSpace(n.Text)
	if r, _ := utf8.DecodeRuneInString(next); strings.ContainsRune("•▪◦‣●■-–—*·", r) {
		return true
	}
	if strings.HasSuffix(strings.TrimSpace(gap), ":") {
		return true
	}
	short := utf8.RuneCountInString(strings.TrimSpace(p.Text)) < widest[p.Page]*6/10
	return short && firstRuneUpper(next)
}

// widestLines returns the length in characters of the longest line of each
// page, the measure for telling a short line (a heading or the end of a
// paragraph) from a full one.
func (d *document) widestLines() map[int]int {
	w := map[int]int{}
	for _, l := range d.lines {
		if n := utf8.RuneCountInString(strings.TrimSpace(l.Text)); n > w[l.Page] {
			w[l.Page] = n
		}
	}
	return w
}

// sentenceOf returns the sentence holding token i.
func (d *document) sentenceOf(i int) sentence { return d.sents[d.tokens[i].sent] }

// lineOfOffset returns the line whose part of text holds offset off: the
// last line starting at or before it.
func (d *document) lineOfOffset(off int) int {
	i := sort.Search(len(d.lineStart), func(i int) bool { return d.lineStart[i] > off }) - 1
	return max(i, 0)
}

// origStart maps offset off of text to a line and the byte offset in the
// line's own text where the character there starts.
func (d *document) origStart(off int) (int, int) {
	l := d.lineOfOffset(off)
	a, _ := d.norms[l].SourceSpan(d.lines[l].Text, off-d.lineStart[l], off-d.lineStart[l]+1)
	return l, a
}

// origEnd maps the end offset end of a range of text to a line and the byte
// offset in the line's own text just after the character before end.
func (d *document) origEnd(end int) (int, int) {
	l := d.lineOfOffset(max(end-1, 0))
	_, b := d.norms[l].SourceSpan(d.lines[l].Text, end-1-d.lineStart[l], end-d.lineStart[l])
	return l, b
}

// closeEnd extends a range ending at off over closing punctuation on the
// same line, so that an excerpt keeps the ")" of "(MTC)" and its full stop.
func (d *document) closeEnd(off int) int {
	for off < len(d.text) && strings.IndexByte(").]\"'%!?*", d.text[off]) >= 0 {
		off++
	}
	return off
}

// spanText returns the lines' own text of tokens [a, b), lines joined by a
// space, and where tokens [ma, mb) are in it.
func (d *document) spanText(a, b, ma, mb int) (string, int, int) {
	if a >= b || b > len(d.tokens) {
		return "", 0, 0
	}
	la, oa := d.origStart(d.tokens[a].start)
	lb, ob := d.origEnd(d.closeEnd(d.tokens[b-1].end))
	mla, moa := d.origStart(d.tokens[ma].start)
	mlb, mob := d.origEnd(d.tokens[mb-1].end)
	var sb strings.Builder
	mStart, mEnd := 0, 0
	for l := la; l <= lb; l++ {
		txt := d.lines[l].Text
		from, to := 0, len(txt)
		if l == la {
			from = min(oa, len(txt))
		}
		if l == lb {
			to = max(min(ob, len(txt)), from)
		}
		if sb.Len() > 0 && !d.joined[l-1] {
			sb.WriteByte(' ')
		}
		if l == mla {
			mStart = sb.Len() + max(min(moa, to)-from, 0)
		}
		if l == mlb {
			mEnd = sb.Len() + max(min(mob, to)-from, 0)
		}
		sb.WriteString(txt[from:to])
	}
	return sb.String(), mStart, max(mEnd, mStart)
}
