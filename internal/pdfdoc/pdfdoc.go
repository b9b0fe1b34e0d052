// Package pdfdoc writes the PDF records Fairshelf hands out: the approval
// record and the fields of Form FDA 2253. It takes plain values and returns
// the file's bytes; loading the data and serving the file are the caller's.
//
// All text is set in the Go fonts, embedded as UTF-8 TrueType subsets
// (Type0, Identity-H, with a ToUnicode map), so printed names in Latin,
// Greek or Cyrillic script appear as signed and can be copied or searched.
// The PDF core fonts are never used: they only encode cp1252, which would
// replace such names with question marks on a Part 11 record.
package pdfdoc

import (
	"bytes"
	"fmt"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// family is the font family every text of a record is set in.
const family = "Go"

// newDoc starts a portrait document on the given paper size in millimetres
// with the embedded fonts registered and the first page added.
func newDoc(size, title string) *fpdf.Fpdf {
	p := fpdf.New("P", "mm", size, "")
	p.AddUTF8FontFromBytes(family, "", goregular.TTF)
	p.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	p.SetTitle(title, true)
	p.SetAuthor("Fairshelf", true)
	p.AddPage()
	return p
}

// finish writes the document out. It fails if any earlier step failed (fpdf
// keeps the first error), e.g. a font that could not be parsed.
func finish(p *fpdf.Fpdf, what string) ([]byte, error) {
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdfdoc: %s: %w", what, err)
	}
	return buf.Bytes(), nil
}
