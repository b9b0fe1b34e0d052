package extract

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/goregular"
)

// fuzzLimits keep each fuzz input cheap while still exercising the limits.
var fuzzLimits = Limits{MaxText: 1 << 16, MaxUncompressed: 8 << 20, MaxXMLDepth: 64, MaxPages: 50, Timeout: 5 * time.Second}

// checkExtract runs Extract and checks the contract: (Document, nil) with
// well-formed lines, or a zero Document and an *Error.
func checkExtract(t *testing.T, data []byte, mediaType string) {
	doc, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), mediaType, fuzzLimits)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" || e.Code == "" {
			t.Fatalf("error %v (%T) is not a complete *Error", err, err)
		}
		if e.Code == "too_large" && e.Err != nil && errors.Is(e.Err, context.DeadlineExceeded) {
			t.Fatalf("input took longer than %v", fuzzLimits.Timeout)
		}
		if doc.MediaType != "" || len(doc.Lines) != 0 {
			t.Fatalf("document returned with error: %+v", doc)
		}
		return
	}
	if doc.MediaType != mediaType || doc.Lines == nil {
		t.Fatalf("document %q lines %v", doc.MediaType, doc.Lines)
	}
	total := 0
	for i, l := range doc.Lines {
		if l.Page < 1 || l.Line < 1 || l.Text == "" || !utf8.ValidString(l.Text) || l.FontSize < 0 {
			t.Fatalf("bad line %d: %+v", i, l)
		}
		if l.Page > doc.Pages {
			t.Fatalf("line %d on page %d of %d", i, l.Page, doc.Pages)
		}
		if i > 0 {
			p := doc.Lines[i-1]
			if l.Page < p.Page || l.Page == p.Page && l.Line <= p.Line {
				t.Fatalf("lines out of order: %+v after %+v", l, p)
			}
		}
		total += len(l.Text)
	}
	if total > fuzzLimits.MaxText {
		t.Fatalf("%d bytes of text over MaxText", total)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add(samplePDF(f))
	f.Add(genDOCX(f, para(12, "hello")))
	f.Add(genPPTX(f, slideXML([]string{"slide"})))
	f.Add([]byte("<!doctype html><p>x"))
	f.Add([]byte("plain text\n"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\x00\x00\x00\x18ftypisom"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mt, err := Detect(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if domainCode(err) != "unsupported_media_type" {
				t.Fatalf("Detect error %v", err)
			}
			return
		}
		again, err := Detect(bytes.NewReader(data), int64(len(data)))
		if err != nil || again != mt {
			t.Fatalf("Detect not deterministic: %q then %q, %v", mt, again, err)
		}
		checkExtract(t, data, mt)
	})
}

func FuzzExtractPDF(f *testing.F) {
	f.Add(samplePDF(f))
	f.Add(genPDF(f, 1, []pdfText{{page: 1, x: 72, y: 100, font: "Times", size: 6, text: "ISI"}}, pdfOptions{}))
	f.Add(flateBomb(f, 1<<20))
	f.Add(buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length 60 >>\nstream\nBT /F1 12 Tf 2 0 0 2 72 700 Tm [(Hel) -300 (lo)] TJ T* (x) ' ET\nendstream",
		"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /DescendantFonts [<< /W [1 [500] 2 9 600] >>] /ToUnicode 6 0 R >>",
		"<< /Length 90 >>\nstream\n" +
			"1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0000> <00FF> <0041> endbfrange\n" +
			"endstream",
	}))
	f.Fuzz(func(t *testing.T, data []byte) { checkExtract(t, data, PDF) })
}

func FuzzExtractDOCX(f *testing.F) {
	f.Add(genDOCX(f, para(12, "hello")+`<w:p><w:r><w:br w:type="page"/><w:t>two</w:t></w:r></w:p>`,
		zipFile{"word/styles.xml", `<w:styles ` + wNS + `><w:style w:styleId="A"><w:basedOn w:val="A"/></w:style></w:styles>`}))
	f.Add(genPPTX(f, slideXML([]string{"a@12", "b"}), slideXML([]string{"c"})))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkExtract(t, data, DOCX)
		checkExtract(t, data, PPTX)
	})
}

func FuzzExtractHTML(f *testing.F) {
	f.Add([]byte("<!doctype html><head><title>t</title><body><p>a &amp; b<br>c<pre>x\ny</pre><script>z</script>"))
	f.Add([]byte("<html><table><tr><td>1<td>2</table><noscript><p>n</noscript>"))
	f.Fuzz(func(t *testing.T, data []byte) { checkExtract(t, data, HTML) })
}

func FuzzExtractText(f *testing.F) {
	f.Add([]byte("\xEF\xBB\xBFline 1\r\n\r\nline 3"))
	f.Add([]byte("caf\xe9\x00\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkExtract(t, data, Text) })
}

// mutate applies a few random byte edits, splices and truncations.
func mutate(r *rand.Rand, seed []byte) []byte {
	d := append([]byte(nil), seed...)
	for k := 0; k < 1+r.Intn(6) && len(d) > 16; k++ {
		switch r.Intn(5) {
		case 0:
			d[r.Intn(len(d))] = byte(r.Intn(256))
		case 1:
			d[r.Intn(len(d))] = "0123456789 <>[]()/Rdobj\n"[r.Intn(24)]
		case 2:
			d = d[:16+r.Intn(len(d)-16)]
		case 3:
			i, j := r.Intn(len(d)), r.Intn(len(d))
			copy(d[i:], d[j:min(len(d), j+1+r.Intn(64))])
		case 4:
			i := r.Intn(len(d))
			d = append(d[:i], append(bytes.Repeat([]byte{d[i]}, r.Intn(32)), d[i:]...)...)
		}
	}
	return d
}

// TestMutatedInputs is a deterministic, coverage-blind complement to the
// fuzz targets that runs with every test run: thousands of random
// corruptions of valid PDF, DOCX and PPTX files must keep the contract.
func TestMutatedInputs(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 200
	}
	seeds := []struct {
		mediaType string
		data      []byte
	}{
		{PDF, samplePDF(t)},
		{
			PDF,
			genPDF(
				t,
				1,
				[]pdfText{{page: 1, x: 72, y: 100, utf8Family: "go", size: 9, text: "ZELTRA® ≥ 18"}},
				pdfOptions{compress: true, utf8Fonts: map[string][]byte{"go": goregular.TTF}},
			),
		},
		{DOCX, genDOCX(t, para(12, "hello")+`<w:p><w:r><w:br w:type="page"/><w:t>two</w:t></w:r></w:p>`)},
		{PPTX, genPPTX(t, slideXML([]string{"a@12", "b"}), slideXML([]string{"c"}))},
	}
	r := rand.New(rand.NewSource(1))
	for _, s := range seeds {
		for i := 0; i < n; i++ {
			checkExtract(t, mutate(r, s.data), s.mediaType)
		}
	}
}
