package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// ---- PDF generation ----

// pdfText is one line placed on a page of a generated PDF.
type pdfText struct {
	page       int // 1-based
	x, y       float64
	font       string // core font family: Helvetica, Times, Courier
	style      string
	size       float64
	text       string // UTF-8; translated to cp1252 for core fonts
	rotate     float64
	utf8Family string // use a registered UTF-8 font instead of a core font
}

type pdfOptions struct {
	compress   bool
	protectPW  *string // user password for SetProtection, nil for none
	utf8Fonts  map[string][]byte
	pageRotate map[int]bool // pages generated in landscape
}

func genPDF(t testing.TB, pages int, texts []pdfText, opt pdfOptions) []byte {
	t.Helper()
	p := fpdf.New("P", "pt", "Letter", "")
	p.SetCompression(opt.compress)
	if opt.protectPW != nil {
		p.SetProtection(fpdf.CnProtectPrint, *opt.protectPW, "owner-secret")
	}
	for fam, ttf := range opt.utf8Fonts {
		p.AddUTF8FontFromBytes(fam, "", ttf)
	}
	tr := p.UnicodeTranslatorFromDescriptor("")
	for pg := 1; pg <= pages; pg++ {
		if opt.pageRotate[pg] {
			p.AddPageFormat("L", fpdf.SizeType{Wd: 612, Ht: 792})
		} else {
			p.AddPage()
		}
		for _, tx := range texts {
			if tx.page != pg {
				continue
			}
			s := tx.text
			if tx.utf8Family != "" {
				p.SetFont(tx.utf8Family, "", tx.size)
			} else {
				p.SetFont(tx.font, tx.style, tx.size)
				s = tr(s)
			}
			if tx.rotate != 0 {
				p.TransformBegin()
				p.TransformRotate(tx.rotate, tx.x, tx.y)
				p.Text(tx.x, tx.y, s)
				p.TransformEnd()
				continue
			}
			p.Text(tx.x, tx.y, s)
		}
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return b.Bytes()
}

// ---- OOXML generation ----

// zipFile is one {name, body} entry of a ZIP built by testenv.ZIP.
type zipFile = [2]string

const contentTypesDOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml"` +
	` ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

const contentTypesPPTX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/ppt/presentation.xml"` +
	` ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>`

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"` +
	` xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// docxBody wraps body XML (w:p elements) into word/document.xml.
func docxDocument(body string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + wNS + `><w:body>` + body + `</w:body></w:document>`
}

// para returns a w:p with one run per text; size is in points (0: none).
func para(size float64, texts ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	for _, tx := range texts {
		b.WriteString("<w:r>")
		if size > 0 {
			fmt.Fprintf(&b, `<w:rPr><w:sz w:val="%d"/></w:rPr>`, int(size*2))
		}
		fmt.Fprintf(&b, `<w:t xml:space="preserve">%s</w:t></w:r>`, tx)
	}
	b.WriteString("</w:p>")
	return b.String()
}

func genDOCX(t testing.TB, body string, extra ...zipFile) []byte {
	files := []zipFile{
		{"[Content_Types].xml", contentTypesDOCX},
		{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
		{"word/document.xml", docxDocument(body)},
	}
	return testenv.ZIP(t, append(files, extra...)...)
}

const pNS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"` +
	` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"` +
	` xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"`

// slideXML returns a slide with one text box holding paragraphs; each
// paragraph is a list of runs "text@size" (size in points, optional).
func slideXML(paras ...[]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:sld ` + pNS + `><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>`)
	for _, runs := range paras {
		b.WriteString("<a:p>")
		for _, r := range runs {
			text, size, _ := strings.Cut(r, "@")
			b.WriteString("<a:r>")
			if size != "" {
				var pt float64
				fmt.Sscan(size, &pt)
				fmt.Fprintf(&b, `<a:rPr lang="en-US" sz="%d"/>`, int(pt*100))
			}
			fmt.Fprintf(&b, "<a:t>%s</a:t></a:r>", text)
		}
		b.WriteString(`<a:endParaRPr sz="1000"/></a:p>`)
	}
	b.WriteString(`</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`)
	return b.String()
}

// genPPTX builds a presentation whose slides are listed in order; the
// part names are numbered in reverse to prove that the order comes from
// presentation.xml, not from the names.
func genPPTX(t testing.TB, slides ...string) []byte {
	var rels, ids strings.Builder
	files := []zipFile{{"[Content_Types].xml", contentTypesPPTX}}
	for i, s := range slides {
		part := fmt.Sprintf("slide%d.xml", len(slides)-i)
		fmt.Fprintf(
			&rels,
			`<Relationship Id="rId%d"`+
				` Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/%s"/>`,
			i+10,
			part,
		)
		fmt.Fprintf(&ids, `<p:sldId id="%d" r:id="rId%d"/>`, 256+i, i+10)
		files = append(files, zipFile{"ppt/slides/" + part, s})
	}
	files = append(
		files,
		zipFile{
			"ppt/_rels/presentation.xml.rels",
			`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
				rels.String() + `</Relationships>`,
		},
		zipFile{
			"ppt/presentation.xml",
			`<?xml version="1.0"?><p:presentation ` + pNS + `><p:sldIdLst>` + ids.String() + `</p:sldIdLst></p:presentation>`,
		},
	)
	return testenv.ZIP(t, files...)
}

// ---- running ----

func extractBytes(t testing.TB, data []byte, mediaType string, lim Limits) (Document, error) {
	t.Helper()
	return Extract(context.Background(), bytes.NewReader(data), int64(len(data)), mediaType, lim)
}

func mustExtract(t testing.TB, data []byte, mediaType string) Document {
	t.Helper()
	doc, err := extractBytes(t, data, mediaType, Limits{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return doc
}

// wantError asserts that err is an *Error with the given code whose reason
// contains want.
func wantError(t testing.TB, err error, code, want string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q (%v)", e.Code, code, err)
	}
	if !strings.Contains(e.Reason, want) {
		t.Errorf("reason = %q, want it to contain %q", e.Reason, want)
	}
	if !strings.HasPrefix(e.Error(), "extract: ") {
		t.Errorf("Error() = %q, want prefix extract: ", e.Error())
	}
	return e
}

func lineTexts(doc Document) []string {
	out := make([]string, len(doc.Lines))
	for i, l := range doc.Lines {
		out[i] = fmt.Sprintf("%d:%d %s", l.Page, l.Line, l.Text)
	}
	return out
}

func timed(t testing.TB, max time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > max {
		t.Errorf("took %v, want under %v", d, max)
	}
}

// pdfGen gives a test direct access to fpdf for drawing that genPDF does
// not cover.
type pdfGen struct{ p *fpdf.Fpdf }

func genPDFWith(t testing.TB, draw func(g *pdfGen)) []byte {
	t.Helper()
	p := fpdf.New("P", "pt", "Letter", "")
	p.SetCompression(false)
	p.AddPage()
	draw(&pdfGen{p})
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return b.Bytes()
}

func domainCode(err error) string    { return domain.ErrorCode(err) }
func domainMessage(err error) string { return domain.ErrorMessage(err) }
