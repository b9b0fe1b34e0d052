package domain

import (
	"testing"
	"unicode/utf8"
)

// FuzzPageText feeds stored page text and boxes (as read back from the
// database, where an attacker with database access could have changed
// them) to every function that reads them: none may panic, and what they
// return stays inside the page.
func FuzzPageText(f *testing.F) {
	f.Add("ZELTRA reduced the risk\nof stroke by 35%.", []byte{1, 0, 2, 0, 3, 0, 4, 0}, "risk of stroke", 0.1, 0.1, 0.5, 0.5)
	f.Add("", []byte{}, "", 0.0, 0.0, 1.0, 1.0)
	f.Add("ﬁnal sof\u00adt-\nware", []byte{255, 255, 255, 255, 255, 255, 255, 255}, "final software", -1.0, 2.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, text string, raw []byte, quote string, x, y, w, h float64) {
		boxes, err := DecodeBoxes(raw)
		if err != nil {
			boxes = nil
		}
		if n := utf8.RuneCountInString(text); len(boxes) != n {
			if len(boxes) > n {
				boxes = boxes[:n]
			} else {
				boxes = nil
			}
		}
		for _, b := range boxes {
			if b.X < 0 || b.X > 1 || b.Y < 0 || b.Y > 1 || b.W < 0 || b.W > 1 || b.H < 0 || b.H > 1 {
				t.Fatalf("decoded box outside the page: %+v", b)
			}
		}
		p := PageText{Page: 1, Text: text, Boxes: boxes}
		if start, end, ok := p.Find(quote); ok {
			if start < 0 || end < start || end > utf8.RuneCountInString(text) {
				t.Fatalf("Find(%q) = %d, %d in %d runes", quote, start, end, utf8.RuneCountInString(text))
			}
			p.Rects(start, end)
		}
		p.Rects(int(x*100), int(y*100))
		Locate([]PageText{p, {Page: 2, Text: quote}}, quote, int(w))
		AnchorStatus([]PageText{p}, []PageText{{Page: 1, Text: quote}}, Compare([]PageText{p}, []PageText{{Page: 1, Text: quote}}), 1,
			Rect{X: x, Y: y, W: w, H: h}, quote)
	})
}
