package domain

import (
	"math"
	"slices"
	"testing"
)

// layout sets text on a page in a monospace grid, as a renderer would box
// it: each rune 0.01 wide and 0.015 high, lines 0.02 apart from (0.05, 0.05),
// line breaks with zero boxes.
func layout(page int, text string) PageText {
	var boxes []Rect
	col, row := 0, 0
	for _, r := range text {
		if r == '\n' {
			boxes = append(boxes, Rect{})
			col, row = 0, row+1
			continue
		}
		boxes = append(boxes, Rect{X: 0.05 + 0.01*float64(col), Y: 0.05 + 0.02*float64(row), W: 0.01, H: 0.015})
		col++
	}
	return PageText{Page: page, Text: text, Boxes: boxes}
}

// near reports whether two rects agree within the precision of stored boxes.
func near(a, b Rect) bool {
	const eps = 1e-4
	return math.Abs(a.X-b.X) < eps && math.Abs(a.Y-b.Y) < eps && math.Abs(a.W-b.W) < eps && math.Abs(a.H-b.H) < eps
}

// nearAll reports whether a and b hold the same rects within that precision.
func nearAll(a, b []Rect) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestBoxesRoundTrip(t *testing.T) {
	in := layout(1, "ZELTRA reduced\nstroke").Boxes
	in = append(in, Rect{X: 0.999999, Y: 1, W: 0.5, H: 1.0 / 3})
	p := EncodeBoxes(in)
	if len(p) != 8*len(in) {
		t.Fatalf("encoded %d boxes in %d bytes, want %d", len(in), len(p), 8*len(in))
	}
	out, err := DecodeBoxes(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("decoded %d boxes, want %d", len(out), len(in))
	}
	for i := range in {
		if !near(in[i], out[i]) {
			t.Errorf("box %d: %+v came back as %+v", i, in[i], out[i])
		}
	}
	if got := EncodeBoxes(out); !slices.Equal(got, p) {
		t.Error("encoding decoded boxes changed the bytes")
	}
}

func TestEncodeBoxesClamps(t *testing.T) {
	out, err := DecodeBoxes(EncodeBoxes([]Rect{{X: -0.2, Y: 1.7, W: math.NaN(), H: math.Inf(1)}}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Rect{X: 0, Y: 1, W: 0, H: 1}); out[0] != want {
		t.Errorf("clamped box = %+v, want %+v", out[0], want)
	}
	if EncodeBoxes(nil) != nil {
		t.Error("no boxes encoded to bytes")
	}
}

func TestDecodeBoxesBadLength(t *testing.T) {
	for _, n := range []int{1, 7, 9, 15, 17} {
		if b, err := DecodeBoxes(make([]byte, n)); err == nil {
			t.Errorf("DecodeBoxes(%d bytes) = %d boxes, no error", n, len(b))
		}
	}
	if b, err := DecodeBoxes(nil); err != nil || b != nil {
		t.Errorf("DecodeBoxes(nil) = %v, %v; want nil, nil", b, err)
	}
	if b, err := DecodeBoxes(make([]byte, 16)); err != nil || len(b) != 2 || b[1] != (Rect{}) {
		t.Errorf("DecodeBoxes(16 zero bytes) = %v, %v; want two zero boxes", b, err)
	}
}

func TestPagesFromLines(t *testing.T) {
	lines := []TextLine{
		{Page: 2, Line: 1, Text: "Important Safety Information"},
		{Page: 1, Line: 3, Text: "compared with warfarin."},
		{Page: 1, Line: 1, Text: "ZELTRA reduced the risk"},
		{Page: 2, Line: 2, Text: "ZELTRA can cause serious bleeding."},
		{Page: 1, Line: 2, Text: "of stroke by 35%"},
	}
	want := []PageText{
		{Page: 1, Text: "ZELTRA reduced the risk\nof stroke by 35%\ncompared with warfarin."},
		{Page: 2, Text: "Important Safety Information\nZELTRA can cause serious bleeding."},
	}
	got := PagesFromLines(lines)
	if len(got) != len(want) {
		t.Fatalf("got %d pages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Page != want[i].Page || got[i].Text != want[i].Text || got[i].Boxes != nil {
			t.Errorf("page %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if PagesFromLines(nil) != nil {
		t.Error("pages from no lines")
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name, text, quote string
		want              string // the runes of text found; "" for no match
	}{
		{"exact", "ZELTRA reduced the risk of stroke by 35%.", "risk of stroke", "risk of stroke"},
		{"case", "ZELTRA reduced the risk of stroke", "zeltra REDUCED", "ZELTRA reduced"},
		{"line break and spaces", "the risk of\nstroke  by 35%", "risk of stroke by", "risk of\nstroke  by"},
		{"quote with line break", "the risk of stroke by 35%", "of\n stroke", "of stroke"},
		{"hyphenated at line end", "reduced the risk of stro-\nke by 35%", "stroke by 35%", "stro-\nke by 35%"},
		{"hyphen and spaces at line end", "risk of stro- \n  ke", "of stroke", "of stro- \n  ke"},
		{"soft hyphen", "antico\u00adagulant therapy", "anticoagulant", "antico\u00adagulant"},
		{"soft hyphen at line end", "antico\u00ad\nagulant therapy", "anticoagulant therapy", "antico\u00ad\nagulant therapy"},
		{"compound word at line end", "take once-\ndaily with food", "once-daily with", "once-\ndaily with"},
		{"ligature in text", "See full Prescribing Information for ﬁrst-line use", "first-line", "ﬁrst-line"},
		{"ligatures ffi ffl", "eﬃcacy and baﬄing", "efficacy and baffling", "eﬃcacy and baﬄing"},
		{"ligature in quote", "first-line therapy", "ﬁrst-line", "first-line"},
		{"curly quotes", "the \u201cSPARC\u201d trial\u2019s results", "\"SPARC\" trial's", "\u201cSPARC\u201d trial\u2019s"},
		{"dashes", "2021\u20132023 \u2014 adults", "2021-2023 - adults", "2021\u20132023 \u2014 adults"},
		{"nbsp", "10\u00a0mg once daily", "10 mg", "10\u00a0mg"},
		{"partial word", "warfarin", "arfar", "arfar"},
		{"not found", "ZELTRA reduced the risk", "increased", ""},
		{"empty quote", "ZELTRA", "", ""},
		{"space quote", "ZELTRA reduced", " \n ", ""},
		{"empty text", "", "ZELTRA", ""},
		{"hyphen not at a word break", "risk -\nbenefit", "risk benefit", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, ok := PageText{Text: tc.text}.Find(tc.quote)
			if tc.want == "" {
				if ok {
					t.Fatalf("Find(%q) = %d, %d; want no match", tc.quote, start, end)
				}
				return
			}
			if !ok {
				t.Fatalf("Find(%q) found nothing in %q", tc.quote, tc.text)
			}
			if got := string([]rune(tc.text)[start:end]); got != tc.want {
				t.Errorf("Find(%q) = [%d, %d) %q, want %q", tc.quote, start, end, got, tc.want)
			}
		})
	}
}

func TestRects(t *testing.T) {
	p := layout(1, "ZELTRA reduced the risk\nof stroke by 35%")
	// "risk\nof stroke": from rune 19 on line one to rune 33 on line two.
	got := p.Rects(19, 33)
	want := []Rect{{X: 0.24, Y: 0.05, W: 0.04, H: 0.015}, {X: 0.05, Y: 0.07, W: 0.09, H: 0.015}}
	if !nearAll(got, want) {
		t.Errorf("Rects over two lines = %+v, want %+v", got, want)
	}
	if got := p.Rects(0, 6); !nearAll(got, []Rect{{X: 0.05, Y: 0.05, W: 0.06, H: 0.015}}) {
		t.Errorf("Rects of one word = %+v", got)
	}
	// A superscript sits within the line's band and joins it.
	p.Boxes[6] = Rect{X: 0.11, Y: 0.046, W: 0.005, H: 0.009}
	if got := p.Rects(0, 7); len(got) != 1 || !near(got[0], Rect{X: 0.05, Y: 0.046, W: 0.065, H: 0.019}) {
		t.Errorf("Rects with a superscript = %+v", got)
	}
	for _, r := range [][2]int{{23, 24}, {5, 5}, {9, 3}, {-10, -2}, {40, 90}} {
		if got := p.Rects(r[0], r[1]); got != nil {
			t.Errorf("Rects(%d, %d) = %+v, want nil", r[0], r[1], got)
		}
	}
	if got := p.Rects(-5, 3); len(got) != 1 || !near(got[0], Rect{X: 0.05, Y: 0.05, W: 0.03, H: 0.015}) {
		t.Errorf("Rects from before the text = %+v", got)
	}
	if got := (PageText{Text: "no boxes"}).Rects(0, 2); got != nil {
		t.Errorf("Rects without boxes = %+v", got)
	}
}

func TestRectIntersects(t *testing.T) {
	r := Rect{X: 0.1, Y: 0.1, W: 0.2, H: 0.1}
	for _, tc := range []struct {
		o    Rect
		want bool
	}{
		{Rect{X: 0.2, Y: 0.15, W: 0.3, H: 0.3}, true},
		{Rect{X: 0.15, Y: 0.12, W: 0.004, H: 0.02}, true}, // a delete marker inside
		{Rect{X: 0.3, Y: 0.1, W: 0.1, H: 0.1}, false},     // touching edges
		{Rect{X: 0.1, Y: 0.25, W: 0.2, H: 0.1}, false},
		{Rect{}, false},
	} {
		if got := r.Intersects(tc.o); got != tc.want || tc.o.Intersects(r) != tc.want {
			t.Errorf("%+v intersects %+v = %v, want %v", r, tc.o, got, tc.want)
		}
	}
}

func TestLocate(t *testing.T) {
	pages := []PageText{
		{Page: 1, Text: "ZELTRA can cause serious bleeding."},
		{Page: 2, Text: "ZELTRA reduced the risk of stroke by 35%."},
		{Page: 3, Text: "Important Safety Information: ZELTRA can cause serious bleeding."},
		{Page: 4, Text: "References"},
	}
	for _, tc := range []struct {
		quote     string
		hint      int
		wantPage  int
		wantStart int
	}{
		{"serious bleeding", 3, 3, 47},
		{"serious bleeding", 1, 1, 17},
		{"serious bleeding", 2, 1, 17}, // pages 1 and 3 are as near: the earlier wins
		{"serious bleeding", 4, 3, 47},
		{"serious bleeding", 0, 1, 17}, // no such page
		{"stroke by 35%", 4, 2, 27},
	} {
		page, start, _, ok := Locate(pages, tc.quote, tc.hint)
		if !ok || page != tc.wantPage || start != tc.wantStart {
			t.Errorf("Locate(%q, %d) = page %d at %d (%v), want page %d at %d",
				tc.quote, tc.hint, page, start, ok, tc.wantPage, tc.wantStart)
		}
	}
	if _, _, _, ok := Locate(pages, "stroke by 45%", 2); ok {
		t.Error("found a quote that is not there")
	}
	if _, _, _, ok := Locate(pages, "35%.\nImportant", 2); ok {
		t.Error("found a quote across a page break")
	}
	if _, _, _, ok := Locate(nil, "ZELTRA", 1); ok {
		t.Error("found a quote in no pages")
	}
}
