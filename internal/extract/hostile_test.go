package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// zeroDeflate returns a raw deflate stream of n zero bytes (n-1 a multiple
// of 258), written directly as one fixed-Huffman block: a literal 0 and then
// back-references of length 258 at distance 1. Building it takes
// milliseconds, where compressing 1 GiB would take seconds.
func zeroDeflate(n int64) []byte {
	var out []byte
	var acc uint64
	var nbits uint
	put := func(code uint64, bits uint, reverse bool) {
		if reverse { // Huffman codes are sent most significant bit first
			var r uint64
			for i := uint(0); i < bits; i++ {
				r |= (code >> i & 1) << (bits - 1 - i)
			}
			code = r
		}
		acc |= code << nbits
		nbits += bits
		for nbits >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			nbits -= 8
		}
	}
	put(1, 1, false)   // BFINAL
	put(1, 2, false)   // BTYPE = fixed Huffman
	put(0x30, 8, true) // literal 0
	for i := int64(0); i < (n-1)/258; i++ {
		put(0xC5, 8, true) // length code 285: 258 bytes
		put(0, 5, true)    // distance code 0: distance 1
	}
	put(0, 7, true) // end of block
	if nbits > 0 {
		out = append(out, byte(acc))
	}
	return out
}

// zeroBomb returns a DOCX whose word/document.xml inflates to n zero bytes
// (n-1 a multiple of 258) and says so in its header.
func zeroBomb(t testing.TB, n int64) []byte {
	t.Helper()
	crc := crc32.NewIEEE()
	zeros := make([]byte, 258)
	crc.Write(zeros[:1])
	for i := int64(0); i < (n-1)/258; i++ {
		crc.Write(zeros)
	}
	return rawDOCX(t, "word/document.xml", zeroDeflate(n), crc.Sum32(), uint64(n))
}

// rawDOCX returns a DOCX whose part name holds deflated as is, under a
// header that gives crc and size, whatever the bytes really inflate to.
func rawDOCX(t testing.TB, name string, deflated []byte, crc uint32, size uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("[Content_Types].xml")
	io.WriteString(w, contentTypesDOCX)
	raw, err := zw.CreateRaw(
		&zip.FileHeader{
			Name:               name,
			Method:             zip.Deflate,
			CRC32:              crc,
			CompressedSize64:   uint64(len(deflated)),
			UncompressedSize64: size,
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(deflated)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestZeroDeflateIsValid(t *testing.T) {
	n, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(zeroDeflate(1+258*1000))))
	if err != nil || n != 1+258*1000 {
		t.Fatalf("inflated %d bytes, %v", n, err)
	}
}

// heapGrowth runs f and returns how much the live heap grew at its peak,
// sampled every millisecond.
func heapGrowth(f func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	done := make(chan struct{})
	peak := base.HeapAlloc
	go func() {
		defer close(done)
		f()
	}()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			if peak < base.HeapAlloc {
				return 0
			}
			return peak - base.HeapAlloc
		case <-tick.C:
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}
}

func TestZipBombDOCX(t *testing.T) {
	bomb := zeroBomb(t, 1+258*(1<<30/258)) // 1 GiB
	var err error
	// Declared honestly: refused from the header before inflating.
	t.Logf("1 GiB of zeros compresses to %d KiB", len(bomb)>>10)
	grew := heapGrowth(func() {
		timed(t, 2*time.Second, func() { _, err = extractBytes(t, bomb, DOCX, Limits{}) })
	})
	wantError(t, err, "too_large", "zip bomb")
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB", grew>>20)
	}
}

// lyingZip writes a part whose header understates its size: the bytes are
// really n repetitions of rep.
func lyingZip(t testing.TB, name, head string, rep string, n int, declared uint64) []byte {
	t.Helper()
	var body bytes.Buffer
	fw, _ := flate.NewWriter(&body, flate.BestSpeed)
	crc := crc32.NewIEEE()
	mw := io.MultiWriter(fw, crc)
	io.WriteString(mw, head)
	for i := 0; i < n; i++ {
		io.WriteString(mw, rep)
	}
	fw.Close()
	return rawDOCX(t, name, body.Bytes(), crc.Sum32(), declared)
}

func TestZipBombWithLyingHeader(t *testing.T) {
	// 16 MiB of paragraphs declared as 1 KiB: the ZIP reader stops at the
	// declared size.
	data := lyingZip(t, "word/document.xml", "<w:document "+wNS+"><w:body>", "<w:p/>", 16<<20/6, 1024)
	var err error
	grew := heapGrowth(func() {
		timed(t, 2*time.Second, func() { _, err = extractBytes(t, data, DOCX, Limits{}) })
	})
	wantError(t, err, "invalid", "damaged")
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB", grew>>20)
	}
}

func TestDecompressionBudgetSpansParts(t *testing.T) {
	// Each part fits the budget alone; together they do not.
	filler := strings.Repeat("<w:p/>", 100_000)
	data := genDOCX(t, filler, zipFile{"word/styles.xml", "<w:styles " + wNS + ">" + filler + "</w:styles>"})
	_, err := extractBytes(t, data, DOCX, Limits{MaxUncompressed: 1 << 20})
	wantError(t, err, "too_large", "expands to more than 1 MiB and looks like a zip bomb")
}

func TestHugeTextRunInXML(t *testing.T) {
	data := lyingZip(t, "word/document.xml", "<w:document "+wNS+"><w:body><w:p><w:r><w:t>", strings.Repeat("a", 1024), 40<<10, 40<<20+200)
	var err error
	grew := heapGrowth(func() { _, err = extractBytes(t, data, DOCX, Limits{}) })
	wantError(t, err, "too_large", "single text run")
	if grew > 96<<20 {
		t.Errorf("heap grew by %d MiB", grew>>20)
	}
}

func TestDeepXML(t *testing.T) {
	const depth = 100_000
	body := strings.Repeat("<w:sdt>", depth) + strings.Repeat("</w:sdt>", depth)
	data := genDOCX(t, body)
	timed(t, 2*time.Second, func() {
		_, err := extractBytes(t, data, DOCX, Limits{})
		wantError(t, err, "invalid", "more than 256 deep")
	})
	slide := `<p:sld ` + pNS + `>` + strings.Repeat("<a:p>", depth) + strings.Repeat("</a:p>", depth) + `</p:sld>`
	_, err := extractBytes(t, genPPTX(t, slide), PPTX, Limits{})
	wantError(t, err, "invalid", "more than 256 deep")
	html := strings.Repeat("<div><span>", depth)
	_, err = extractBytes(t, []byte(html), HTML, Limits{})
	wantError(t, err, "invalid", "more than 256 deep")
}

func TestPDFEncryptedWithPassword(t *testing.T) {
	pw := "secret"
	data := genPDF(t, 1, []pdfText{{page: 1, x: 72, y: 100, font: "Helvetica", size: 12, text: "Locked"}}, pdfOptions{protectPW: &pw})
	_, err := extractBytes(t, data, PDF, Limits{})
	wantError(t, err, "invalid", "password-protected")
}

func samplePDF(t testing.TB) []byte {
	var texts []pdfText
	for pg := 1; pg <= 3; pg++ {
		for i := 0; i < 5; i++ {
			texts = append(
				texts,
				pdfText{
					page: pg,
					x:    72,
					y:    100 + float64(i)*20,
					font: "Helvetica",
					size: 12,
					text: fmt.Sprintf("Page %d line %d", pg, i+1),
				},
			)
		}
	}
	return genPDF(t, 3, texts, pdfOptions{compress: true})
}

func TestPDFGarbage(t *testing.T) {
	good := samplePDF(t)
	rng := rand.New(rand.NewSource(7))
	random := make([]byte, 64<<10)
	rng.Read(random)

	cases := map[string][]byte{
		"header only":         []byte("%PDF-1.7\n"),
		"random after header": append([]byte("%PDF-1.4\n"), random...),
		"truncated to 10%":    good[:len(good)/10],
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			timed(t, 5*time.Second, func() {
				_, err := extractBytes(t, data, PDF, Limits{})
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want *Error", err)
				}
				if !strings.HasPrefix(e.Reason, "The PDF") {
					t.Errorf("reason %q", e.Reason)
				}
			})
		})
	}
}

func TestPDFDamagedCrossReferenceIsRepaired(t *testing.T) {
	// Without trailer and startxref the objects are found by scanning.
	good := samplePDF(t)
	doc, err := extractBytes(t, good[:bytes.LastIndex(good, []byte("trailer"))], PDF, Limits{})
	if err != nil || len(doc.Lines) != 15 || doc.Lines[14].Text != "Page 3 line 5" {
		t.Fatalf("lines %q, err %v", lineTexts(doc), err)
	}
}

func TestPDFHugeDeclaredLength(t *testing.T) {
	// Every /Length claims 99 GB. A reader must neither allocate that nor
	// hang; recovering the real length by scanning for endstream is fine.
	data := regexp.MustCompile(`/Length \d+`).ReplaceAll(samplePDF(t), []byte("/Length 99999999999"))
	timed(t, 5*time.Second, func() {
		doc, err := extractBytes(t, data, PDF, Limits{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			return
		}
		if !strings.Contains(doc.Plain(), "Page 3 line 5") {
			t.Errorf("recovered text %q", doc.Plain())
		}
	})
}

// flateBomb is a PDF whose one content stream inflates to n bytes of
// spaces.
func flateBomb(t testing.TB, n int) []byte {
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestCompression)
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for i := 0; i < n>>20; i++ {
		zw.Write(chunk)
	}
	zw.Close()
	// zlib framing around the raw deflate data: header, data, (bogus) adler.
	stream := append(append([]byte{0x78, 0xDA}, z.Bytes()...), 0, 0, 0, 0)
	return buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", len(stream), stream),
	})
}

// buildPDF writes objects 1..n with a correct cross-reference table.
func buildPDF(objs []string) []byte {
	return testenv.PDFObjects("%PDF-1.7\n", objs)
}

func TestPDFFlateBomb(t *testing.T) {
	data := flateBomb(t, 64<<20)
	var err error
	grew := heapGrowth(func() {
		_, err = extractBytes(t, data, PDF, Limits{MaxUncompressed: 8 << 20})
	})
	wantError(t, err, "too_large", "expands to more than 8 MiB")
	if grew > 64<<20 {
		t.Errorf("heap grew by %d MiB", grew>>20)
	}
}

func TestPDFCyclesAndDepth(t *testing.T) {
	// A page tree that contains itself, a form XObject that draws itself,
	// unbalanced q/Q and a very deep array operand.
	content := "q q q Q Q Q Q Q BT /F1 12 Tf 72 700 Td (Hello) Tj ET /X1 Do " + strings.Repeat("[", 10000) + " TJ"
	data := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " +
			"/Resources << /Font << /F1 6 0 R >> /XObject << /X1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] " +
			"/Resources << /XObject << /X1 5 0 R >> /Font << /F1 6 0 R >> >> /Length 41 >>\n" +
			"stream\nBT /F1 9 Tf 72 600 Td (In form) Tj ET /X1 Do\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	})
	timed(t, 5*time.Second, func() {
		doc, err := extractBytes(t, data, PDF, Limits{})
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if got := strings.Join(lineTexts(doc), "|"); got != "1:1 Hello|1:2 In form" {
			t.Errorf("lines %q", got)
		}
	})
}

func TestPDFTooManyPages(t *testing.T) {
	data := genPDF(t, 5, nil, pdfOptions{})
	_, err := extractBytes(t, data, PDF, Limits{MaxPages: 4})
	wantError(t, err, "too_large", "more than 4 pages")
}

func TestTimeout(t *testing.T) {
	// A content stream of a million tiny show operators, read with a
	// deadline that cannot be met.
	content := strings.Repeat("BT /F1 1 Tf 1 0 0 1 10 10 Tm (a) Tj ET\n", 1_000_000)
	data := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	})
	var err error
	timed(t, time.Second, func() { _, err = extractBytes(t, data, PDF, Limits{Timeout: 50 * time.Millisecond}) })
	wantError(t, err, "too_large", "took longer than 50ms")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Extract(ctx, bytes.NewReader(data), int64(len(data)), PDF, Limits{})
	wantError(t, err, "invalid", "cancelled")
}

func TestErrorUnwrapsToDomainError(t *testing.T) {
	_, err := extractBytes(t, []byte("%PDF-1.4\ngarbage"), PDF, Limits{})
	e := wantError(t, err, "invalid", "The PDF")
	if got := domainCode(err); got != "invalid" {
		t.Errorf("domain.ErrorCode = %q", got)
	}
	if domainMessage(err) != e.Reason {
		t.Errorf("domain.ErrorMessage = %q, want the reason %q", domainMessage(err), e.Reason)
	}
}
