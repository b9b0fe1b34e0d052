package domain

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rect is a region of a page in fractions of the page's displayed width and height
// (rotation applied), origin at the top left, so it is independent of image size.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Intersects reports whether r and o share some area. Rects that only touch
// at an edge (within rounding) do not intersect.
func (r Rect) Intersects(o Rect) bool {
	const eps = 1e-9
	return r.X+eps < o.X+o.W && o.X+eps < r.X+r.W && r.Y+eps < o.Y+o.H && o.Y+eps < r.Y+r.H
}

// union returns the smallest rect holding r and o.
func (r Rect) union(o Rect) Rect {
	x0, y0 := math.Min(r.X, o.X), math.Min(r.Y, o.Y)
	x1, y1 := math.Max(r.X+r.W, o.X+o.W), math.Max(r.Y+r.H, o.Y+o.H)
	return Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// empty reports whether r has no area (the box of a line break, or a
// missing box).
func (r Rect) empty() bool {
	return !(r.W > 0) || !(r.H > 0) // also true for NaN
}

// PageText is the text of one page of a version, in reading order, with one box per rune
// of Text when the page was rendered (Boxes nil for text-only pieces). Line breaks are "\n"
// (a box for "\n" may be a zero Rect).
type PageText struct {
	Page  int
	Text  string
	Boxes []Rect
}

// boxUnit is the scale of a stored box coordinate: 65535 is the whole page.
const boxUnit = 65535

// EncodeBoxes packs boxes compactly for storage: each box is X, Y, W and H
// as little-endian uint16 in units of 1/65535 of the page, each clamped to
// [0, 1] first. It returns nil for no boxes.
func EncodeBoxes(b []Rect) []byte {
	if len(b) == 0 {
		return nil
	}
	p := make([]byte, 0, 8*len(b))
	for _, r := range b {
		for _, v := range [4]float64{r.X, r.Y, r.W, r.H} {
			p = binary.LittleEndian.AppendUint16(p, boxCoord(v))
		}
	}
	return p
}

// boxCoord turns a page fraction into a stored coordinate.
func boxCoord(v float64) uint16 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return boxUnit
	}
	return uint16(math.Round(v * boxUnit))
}

// DecodeBoxes unpacks boxes written by EncodeBoxes. It returns an error when
// the length of p is not a multiple of 8 bytes, and nil for no bytes.
func DecodeBoxes(p []byte) ([]Rect, error) {
	if len(p)%8 != 0 {
		return nil, fmt.Errorf("decode boxes: %d bytes is not a whole number of 8-byte boxes", len(p))
	}
	if len(p) == 0 {
		return nil, nil
	}
	b := make([]Rect, len(p)/8)
	for i := range b {
		q := p[8*i:]
		b[i] = Rect{
			X: float64(binary.LittleEndian.Uint16(q[0:])) / boxUnit,
			Y: float64(binary.LittleEndian.Uint16(q[2:])) / boxUnit,
			W: float64(binary.LittleEndian.Uint16(q[4:])) / boxUnit,
			H: float64(binary.LittleEndian.Uint16(q[6:])) / boxUnit,
		}
	}
	return b, nil
}

// PagesFromLines builds the page texts of a text-only piece from its
// extracted lines: one PageText per page that has lines, in page order, its
// lines in line order joined with "\n", without boxes.
func PagesFromLines(lines []TextLine) []PageText {
	if len(lines) == 0 {
		return nil
	}
	sorted := slices.Clone(lines)
	slices.SortStableFunc(sorted, func(a, b TextLine) int {
		if a.Page != b.Page {
			return a.Page - b.Page
		}
		return a.Line - b.Line
	})
	var pages []PageText
	var sb strings.Builder
	for i, l := range sorted {
		if i > 0 && l.Page == sorted[i-1].Page {
			sb.WriteByte('\n')
		}
		sb.WriteString(l.Text)
		if i == len(sorted)-1 || sorted[i+1].Page != l.Page {
			pages = append(pages, PageText{Page: l.Page, Text: sb.String()})
			sb.Reset()
		}
	}
	return pages
}

// Find returns the rune offsets [start, end) in p.Text of the first place
// that reads as quote. Matching folds case, treats any run of white space
// (line breaks included) as one space, drops soft hyphens, joins words
// hyphenated at a line end, expands the ligatures ﬀ ﬁ ﬂ ﬃ ﬄ and reads
// typographic quotes and dashes as their plain forms. A quote hyphenated at
// a line end is also found where the hyphen belongs to the word
// ("once-\ndaily"). An empty quote never matches.
func (p PageText) Find(quote string) (start, end int, ok bool) {
	src, q := []rune(p.Text), []rune(quote)
	for _, keep := range []bool{false, true} {
		if start, end, ok = find(src, q, keep); ok {
			return start, end, true
		}
	}
	return 0, 0, false
}

// find looks for quote in text with hyphens at line ends joined (keepHyphen
// false) or kept.
func find(text, quote []rune, keepHyphen bool) (start, end int, ok bool) {
	q := strings.TrimSpace(string(normalize(quote, keepHyphen, nil).runes))
	if q == "" {
		return 0, 0, false
	}
	n := normalize(text, keepHyphen, nil)
	s := string(n.runes)
	b := strings.Index(s, q)
	if b < 0 {
		return 0, 0, false
	}
	i := utf8.RuneCountInString(s[:b])
	j := i + utf8.RuneCountInString(q)
	return int(n.from[i]), int(n.to[j-1]), true
}

// Rects returns where the runes [start, end) of p.Text are on the page: their
// boxes merged into one rect per line, a box joining the current line when
// its vertical centre lies within the line's band. Boxes without area (line
// breaks) are skipped. It returns nil when p has no boxes or the range holds
// no box.
func (p PageText) Rects(start, end int) []Rect {
	end = min(max(end, 0), len(p.Boxes))
	start = min(max(start, 0), end)
	var rs []Rect
	for _, b := range p.Boxes[start:end] {
		if b.empty() {
			continue
		}
		if n := len(rs); n > 0 {
			line, c := rs[n-1], b.Y+b.H/2
			if c >= line.Y && c <= line.Y+line.H {
				rs[n-1] = line.union(b)
				continue
			}
		}
		rs = append(rs, b)
	}
	return rs
}

// Locate finds quote on one of pages (a quote never spans a page break),
// trying the page numbered hintPage first, then the others nearest to it, the
// earlier page first at equal distance. It returns the page number and the
// rune offsets of the quote in that page's text.
func Locate(pages []PageText, quote string, hintPage int) (page, start, end int, ok bool) {
	order := make([]int, len(pages))
	for i := range order {
		order[i] = i
	}
	dist := func(i int) int {
		d := pages[i].Page - hintPage
		if d < 0 {
			return -d
		}
		return d
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if da, db := dist(a), dist(b); da != db {
			return da - db
		}
		return pages[a].Page - pages[b].Page
	})
	for _, i := range order {
		if start, end, ok := pages[i].Find(quote); ok {
			return pages[i].Page, start, end, true
		}
	}
	return 0, 0, 0, false
}

// normText is text after the normalisation that Find and Compare match on.
type normText struct {
	runes []rune
	// from[i] and to[i] are the offsets in the original runes of the first
	// rune that gave runes[i] and just after the last one.
	from, to []int32
}

// add appends the runes rs, all given by the original runes [from, to).
func (n *normText) add(from, to int, rs ...rune) {
	for _, r := range rs {
		n.runes = append(n.runes, r)
		n.from = append(n.from, int32(from))
		n.to = append(n.to, int32(to))
	}
}

// expansions are the typographic ligatures and the ellipsis, read as the
// characters they stand for.
var expansions = map[rune][]rune{
	'\uFB00': []rune("ff"),
	'\uFB01': []rune("fi"),
	'\uFB02': []rune("fl"),
	'\uFB03': []rune("ffi"),
	'\uFB04': []rune("ffl"),
	'\uFB05': []rune("st"),
	'\uFB06': []rune("st"),
	'\u2026': []rune("..."),
}

// plain maps typographic quotes and dashes to their plain forms.
var plain = map[rune]rune{
	'\u2018': '\'', '\u2019': '\'', '\u201A': '\'', '\u201B': '\'', '\u2032': '\'',
	'\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"', '\u2033': '"', '\u00AB': '"', '\u00BB': '"',
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
}

// invisible reports whether r is dropped from text before matching: the
// soft hyphen and zero-width characters.
func invisible(r rune) bool {
	switch r {
	case '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// lineEndHyphen returns, when text[i] is a hyphen that breaks a word at the
// end of a line, the offset of the first letter of the next line.
func lineEndHyphen(text []rune, i int) (next int, ok bool) {
	r := text[i]
	if r != '-' && r != '\u2010' && r != '\u00AD' {
		return 0, false
	}
	if r != '\u00AD' && (i == 0 || !unicode.IsLetter(text[i-1])) {
		return 0, false
	}
	j := i + 1
	for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
		j++
	}
	if j == len(text) || text[j] != '\n' {
		return 0, false
	}
	for j < len(text) && unicode.IsSpace(text[j]) {
		j++
	}
	if j == len(text) || !unicode.IsLetter(text[j]) {
		return 0, false
	}
	return j, true
}

// normalize folds text for matching: lower case, each run of white space one
// space, soft hyphens and zero-width characters dropped, ligatures expanded,
// typographic quotes and dashes plain, and a word hyphenated at a line end
// joined (with its hyphen when keepHyphen). When dropped is not nil it must
// have len(text) entries; those of the runes that give nothing are set.
func normalize(text []rune, keepHyphen bool, dropped []bool) normText {
	n := normText{
		runes: make([]rune, 0, len(text)),
		from:  make([]int32, 0, len(text)),
		to:    make([]int32, 0, len(text)),
	}
	drop := func(i, j int) {
		if dropped != nil {
			for k := i; k < j; k++ {
				dropped[k] = true
			}
		}
	}
	for i := 0; i < len(text); {
		r := text[i]
		if next, ok := lineEndHyphen(text, i); ok {
			if keepHyphen && r != '\u00AD' {
				n.add(i, i+1, '-')
				drop(i+1, next)
			} else {
				drop(i, next)
			}
			i = next
			continue
		}
		switch {
		case invisible(r):
			drop(i, i+1)
			i++
		case unicode.IsSpace(r):
			j := i + 1
			for j < len(text) && (unicode.IsSpace(text[j]) || invisible(text[j])) {
				j++
			}
			n.add(i, j, ' ')
			i = j
		default:
			if l, ok := expansions[r]; ok {
				n.add(i, i+1, l...)
			} else if p, ok := plain[r]; ok {
				n.add(i, i+1, p)
			} else {
				n.add(i, i+1, unicode.ToLower(r))
			}
			i++
		}
	}
	return n
}
