package extract

import (
	"context"
	"math"
	"reflect"
	"sort"
	"strings"
	"unicode/utf16"

	pdffont "github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfFont turns the bytes of a shown string into characters and widths.
type pdfFont struct {
	composite bool
	spaces    []codespace // code lengths of a composite font
	toUni     *toUnicode
	enc       *encoding // simple fonts
	ucs2      bool      // composite codes are UCS-2 (Uni*-UCS2-* CMaps)

	firstChar    int
	widths       []float64 // glyph units, from FirstChar
	missingWidth float64
	core         string // standard 14 font name for metrics, if any
	simpleWidths *[256]float64
	dw           float64
	cidWidths    map[uint32]float64
	cidRanges    []widthRange

	scale     float64 // glyph units to text space (0.001 except Type3)
	sizeScale float64 // factor on the font size (1 except Type3)
}

type codespace struct {
	n      int
	lo, hi uint32
}

type widthRange struct {
	lo, hi uint32
	w      float64
}

type glyph struct {
	text  string
	width float64 // in text space per unit of font size
	space bool    // single-byte code 32: word spacing applies
}

var defaultFont = &pdfFont{enc: standardEncoding, missingWidth: 500, scale: 0.001, sizeScale: 1}

// glyphs calls fn for each character code in s until fn returns false.
func (f *pdfFont) glyphs(s []byte, fn func(glyph) bool) {
	for len(s) > 0 {
		code, n := f.nextCode(s)
		s = s[n:]
		g := glyph{space: n == 1 && code == 32}
		if f.toUni != nil {
			g.text, _ = f.toUni.lookup(code, n)
		}
		if g.text == "" {
			switch {
			case !f.composite:
				g.text = f.enc[code&0xFF]
			case f.ucs2 && code >= 0x20 && (code < 0xD800 || code >= 0xE000):
				g.text = string(rune(code))
			}
		}
		g.width = f.width(code) * f.scale
		if !fn(g) {
			return
		}
	}
}

func (f *pdfFont) nextCode(s []byte) (uint32, int) {
	if !f.composite {
		return uint32(s[0]), 1
	}
	for n := 1; n <= 4 && n <= len(s); n++ {
		v := beUint(s[:n])
		for _, cs := range f.spaces {
			if cs.n == n && v >= cs.lo && v <= cs.hi {
				return v, n
			}
		}
	}
	n := min(2, len(s))
	if len(f.spaces) > 0 {
		n = min(f.spaces[0].n, len(s))
	}
	return beUint(s[:n]), n
}

func beUint(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v
}

func (f *pdfFont) width(code uint32) float64 {
	if f.composite {
		if w, ok := f.cidWidths[code]; ok {
			return w
		}
		i := sort.Search(len(f.cidRanges), func(i int) bool { return f.cidRanges[i].hi >= code })
		for end := min(i+16, len(f.cidRanges)); i < end; i++ {
			if r := f.cidRanges[i]; code >= r.lo && code <= r.hi {
				return r.w
			}
		}
		return f.dw
	}
	if f.simpleWidths != nil && code < 256 {
		return f.simpleWidths[code]
	}
	return f.missingWidth
}

// tabulateWidths fills simpleWidths from Widths, the standard 14 metrics or
// MissingWidth, so that width is a table look-up per glyph.
func (f *pdfFont) tabulateWidths() {
	var t [256]float64
	for code := range t {
		t[code] = f.missingWidth
		if i := code - f.firstChar; i >= 0 && i < len(f.widths) {
			t[code] = f.widths[i]
		} else if f.core != "" {
			if w, err := pdffont.CharWidth(f.core, rune(code)); err == nil {
				t[code] = float64(w)
			}
		}
	}
	f.simpleWidths = &t
}

// coreFontName maps a BaseFont to one of the standard 14 fonts whose
// metrics pdfcpu knows, including common aliases (Arial, Times New Roman,
// Courier New), or "".
func coreFontName(base string) string {
	if i := strings.IndexByte(base, '+'); i == 6 {
		base = base[i+1:]
	}
	if pdffont.IsCoreFont(base) {
		return base
	}
	b := strings.ToLower(strings.NewReplacer(" ", "", ",", "-").Replace(base))
	bold := strings.Contains(b, "bold")
	italic := strings.Contains(b, "italic") || strings.Contains(b, "oblique")
	style := func(family, boldName, italicName, boldItalic string) string {
		switch {
		case bold && italic:
			return boldItalic
		case bold:
			return boldName
		case italic:
			return italicName
		}
		return family
	}
	switch {
	case strings.HasPrefix(b, "arial"), strings.HasPrefix(b, "helvetica"):
		return style("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique")
	case strings.HasPrefix(b, "times"):
		return style("Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic")
	case strings.HasPrefix(b, "courier"):
		return style("Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique")
	}
	return ""
}

// font loads the font dictionary o, caching indirect ones. A font that
// cannot be understood still yields a usable font (standard encoding,
// default widths), so that positions stay plausible.
func (d *pdfDoc) font(o types.Object) *pdfFont {
	fd := d.dict(o)
	if fd == nil {
		return defaultFont
	}
	var key any = objNr(o)
	if key == -1 {
		// A direct font dictionary: the map itself identifies it.
		key = reflect.ValueOf(fd).UnsafePointer()
	}
	if f, ok := d.fonts[key]; ok {
		return f
	}
	f := d.loadFont(fd)
	d.fonts[key] = f
	return f
}

func (d *pdfDoc) loadFont(fd types.Dict) *pdfFont {
	if fd == nil {
		return defaultFont
	}
	f := &pdfFont{scale: 0.001, sizeScale: 1, dw: 1000, missingWidth: 0}
	subtype := d.name(fd["Subtype"])
	base := d.name(fd["BaseFont"])
	if data, err := d.streamData(fd["ToUnicode"]); err == nil && len(data) > 0 {
		f.toUni = parseToUnicode(d.ctx, data)
	}
	if subtype == "Type0" {
		f.composite = true
		d.compositeEncoding(f, fd["Encoding"])
		if desc := d.array(fd["DescendantFonts"]); len(desc) > 0 {
			dd := d.dict(desc[0])
			if w, ok := d.num(dd["DW"]); ok && w >= 0 && w < 1e5 {
				f.dw = w
			}
			d.cidWidths(f, d.array(dd["W"]))
			f.sortWidths()
		}
		return f
	}

	if subtype == "Type3" {
		if m := d.array(fd["FontMatrix"]); len(m) == 6 {
			a, _ := d.num(m[0])
			c, _ := d.num(m[2])
			dd, _ := d.num(m[3])
			if a != 0 && math.Abs(a) < 1e3 {
				f.scale = a
			}
			if s := math.Hypot(c, dd) * 1000; s > 1e-3 && s < 1e3 {
				f.sizeScale = s
			}
		}
	}
	// Built-in encoding when none is named.
	f.enc = standardEncoding
	switch {
	case strings.Contains(base, "Symbol"):
		f.enc = symbolEncoding
	case subtype == "TrueType":
		f.enc = winAnsiEncoding
	}
	switch enc := d.deref(fd["Encoding"]).(type) {
	case types.Name:
		f.enc = namedEncoding(string(enc), f.enc)
	case types.Dict:
		if b := d.name(enc["BaseEncoding"]); b != "" {
			f.enc = namedEncoding(b, f.enc)
		}
		if diffs := d.array(enc["Differences"]); len(diffs) > 0 {
			e := *f.enc
			code := -1
			for _, v := range diffs {
				switch x := d.deref(v).(type) {
				case types.Integer:
					code = int(x)
				case types.Name:
					if code >= 0 && code < 256 {
						e[code] = glyphText(string(x))
						code++
					}
				}
			}
			f.enc = &e
		}
	}

	f.firstChar = 0
	if fc, ok := d.num(fd["FirstChar"]); ok && fc >= 0 && fc < 256 {
		f.firstChar = int(fc)
	}
	if ws := d.array(fd["Widths"]); len(ws) > 0 {
		f.widths = make([]float64, min(len(ws), 256))
		for i := range f.widths {
			f.widths[i], _ = d.num(ws[i])
		}
	}
	if desc := d.dict(fd["FontDescriptor"]); desc != nil {
		f.missingWidth, _ = d.num(desc["MissingWidth"])
	}
	if f.widths == nil {
		f.core = coreFontName(base)
		if f.core == "" && f.missingWidth == 0 {
			f.missingWidth = 500
		}
	}
	f.tabulateWidths()
	return f
}

func namedEncoding(name string, fallback *encoding) *encoding {
	switch name {
	case "WinAnsiEncoding":
		return winAnsiEncoding
	case "MacRomanEncoding":
		return macRomanEncoding
	case "StandardEncoding":
		return standardEncoding
	}
	return fallback
}

// compositeEncoding sets the code lengths of a Type0 font from its CMap.
func (d *pdfDoc) compositeEncoding(f *pdfFont, o types.Object) {
	switch enc := d.deref(o).(type) {
	case types.Name:
		name := string(enc)
		f.ucs2 = strings.Contains(name, "UCS2") || strings.Contains(name, "UTF16")
		if strings.HasPrefix(name, "Identity") || f.ucs2 {
			f.spaces = []codespace{{n: 2, lo: 0, hi: 0xFFFF}}
		} else if f.toUni != nil {
			f.spaces = f.toUni.spaces
		}
	case types.StreamDict:
		if data, err := d.streamData(enc); err == nil {
			f.spaces = parseToUnicode(d.ctx, data).spaces
		}
	}
	if len(f.spaces) == 0 {
		f.spaces = []codespace{{n: 2, lo: 0, hi: 0xFFFF}}
	}
}

// cidWidths reads a W array: "c [w1 w2 ...]" and "c1 c2 w" entries.
func (d *pdfDoc) cidWidths(f *pdfFont, w types.Array) {
	f.cidWidths = map[uint32]float64{}
	for i := 0; i < len(w); {
		first, ok := d.num(w[i])
		if !ok || first < 0 || first > math.MaxUint32 {
			return
		}
		if i+1 >= len(w) {
			return
		}
		if arr := d.array(w[i+1]); arr != nil {
			for k, v := range arr {
				if len(f.cidWidths) >= 1<<16 {
					return
				}
				f.cidWidths[uint32(first)+uint32(k)], _ = d.num(v)
			}
			i += 2
			continue
		}
		last, ok1 := d.num(w[i+1])
		if i+2 >= len(w) || !ok1 || last < first || len(f.cidRanges) >= 1<<16 {
			return
		}
		width, _ := d.num(w[i+2])
		f.cidRanges = append(f.cidRanges, widthRange{uint32(first), uint32(min(last, math.MaxUint32)), width})
		i += 3
	}
}

// sortWidths orders the width ranges for the binary search in width.
func (f *pdfFont) sortWidths() {
	sort.SliceStable(f.cidRanges, func(i, j int) bool { return f.cidRanges[i].hi < f.cidRanges[j].hi })
}

// toUnicode is a parsed ToUnicode CMap (PDF 32000-1 9.10.3).
type toUnicode struct {
	spaces []codespace
	single map[uint64]string // code | length<<32 → text
	ranges []uniRange        // sorted by lo
}

type uniRange struct {
	n      int
	lo, hi uint32
	base   []uint16 // UTF-16 of lo; the last unit counts up
	arr    []string // or one text per code
}

const maxCMapEntries = 1 << 17

func (m *toUnicode) lookup(code uint32, n int) (string, bool) {
	if s, ok := m.single[uint64(code)|uint64(n)<<32]; ok {
		return s, true
	}
	// Ranges are sorted by hi; well-formed CMaps do not overlap, so the
	// first few candidates suffice.
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].hi >= code })
	for end := min(i+16, len(m.ranges)); i < end; i++ {
		r := m.ranges[i]
		if r.n != n || code < r.lo || code > r.hi {
			continue
		}
		off := code - r.lo
		if r.arr != nil {
			if int(off) < len(r.arr) {
				return r.arr[off], true
			}
			return "", false
		}
		u := append([]uint16(nil), r.base...)
		u[len(u)-1] += uint16(off)
		return utf16Text(u), true
	}
	return "", false
}

func utf16Units(b []byte) []uint16 {
	if len(b) == 1 {
		return []uint16{uint16(b[0])}
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return u
}

// utf16Text decodes UTF-16 and drops control characters, which some
// producers map glyphs to.
func utf16Text(u []uint16) string {
	rs := utf16.Decode(u)
	var b strings.Builder
	for _, r := range rs {
		if r >= 0x20 && r != 0x7F && r != 0xFFFD || r == '\t' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseToUnicode reads codespace ranges, bfchar and bfrange entries from a
// CMap program. Anything else is ignored; a malformed CMap yields what could
// be read, and so does one interrupted by the end of ctx.
func parseToUnicode(ctx context.Context, data []byte) *toUnicode {
	m := &toUnicode{single: map[uint64]string{}}
	l := &lexer{b: data}
	var ops []operand // operands since the last operator
	entries := 0
	for tokens := 1; ; tokens++ {
		t := l.next()
		if t.kind == tokEOF || tokens&4095 == 0 && ctx.Err() != nil {
			break
		}
		if t.kind != tokOp {
			if v, ok := l.operand(t, 0); ok && len(ops) < maxCMapEntries {
				ops = append(ops, v)
			}
			continue
		}
		switch string(t.b) {
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				lo, hi := ops[i].b, ops[i+1].b
				if ops[i].kind == tokStr && len(lo) >= 1 && len(lo) <= 4 && len(hi) == len(lo) {
					m.spaces = append(m.spaces, codespace{n: len(lo), lo: beUint(lo), hi: beUint(hi)})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
				src, dst := ops[i], ops[i+1]
				if src.kind != tokStr || len(src.b) < 1 || len(src.b) > 4 {
					continue
				}
				text := ""
				switch dst.kind {
				case tokStr:
					text = utf16Text(utf16Units(dst.b))
				case tokName:
					text = glyphText(string(dst.b))
				}
				m.single[uint64(beUint(src.b))|uint64(len(src.b))<<32] = text
				entries++
			}
		case "endbfrange":
			for i := 0; i+2 < len(ops) && entries < maxCMapEntries; i += 3 {
				lo, hi, dst := ops[i], ops[i+1], ops[i+2]
				if lo.kind != tokStr || hi.kind != tokStr || len(lo.b) < 1 || len(lo.b) > 4 || len(hi.b) != len(lo.b) {
					continue
				}
				r := uniRange{n: len(lo.b), lo: beUint(lo.b), hi: beUint(hi.b)}
				if r.hi < r.lo {
					continue
				}
				switch dst.kind {
				case tokStr:
					r.base = utf16Units(dst.b)
					if len(r.base) == 0 {
						continue
					}
				case tokArrOpen:
					for _, e := range dst.arr {
						r.arr = append(r.arr, utf16Text(utf16Units(e.b)))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, r)
				entries++
			}
		}
		ops = ops[:0]
	}
	sort.SliceStable(m.ranges, func(i, j int) bool { return m.ranges[i].hi < m.ranges[j].hi })
	return m
}
