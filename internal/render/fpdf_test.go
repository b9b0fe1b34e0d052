package render_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/fairshelf/fairshelf/internal/render"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

const (
	leftText  = "Cardiology results improved in the left column of the leaflet."
	rightText = "Dosage guidance continues in the right column for prescribers."
)

// fpdfDocument returns a letter-size PDF from fpdf: page 1 has a heading and
// two columns, page 2 a single phrase, page 3 is A4 landscape.
func fpdfDocument(t testing.TB) []byte {
	t.Helper()
	f := fpdf.New("P", "pt", "Letter", "")
	f.SetFont("Helvetica", "B", 20)
	f.AddPage()
	f.Text(72, 90, "Fairshelf leaflet")
	f.SetFont("Helvetica", "", 12)
	for _, col := range []struct {
		x    float64
		text string
	}{{72, leftText}, {320, rightText}} {
		f.SetXY(col.x, 130)
		f.MultiCell(220, 16, strings.Repeat(col.text+" ", 6), "", "L", false)
	}
	f.AddPage()
	f.SetFont("Helvetica", "", 28)
	f.Text(100, 200, "Sideways phrase")
	f.AddPageFormat("L", fpdf.SizeType{Wd: 595.28, Ht: 841.89})
	f.SetFont("Helvetica", "", 16)
	f.Text(72, 100, "Landscape page")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFPDF(t *testing.T) {
	pages := renderAll(t, fpdfDocument(t))
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	sizes := [][2]float64{{612, 792}, {612, 792}, {841.89, 595.28}}
	for i, p := range pages {
		if p.Number != i+1 {
			t.Errorf("page %d numbered %d", i+1, p.Number)
		}
		if math.Abs(p.Width-sizes[i][0]) > 0.5 || math.Abs(p.Height-sizes[i][1]) > 0.5 {
			t.Errorf("page %d is %.2f×%.2f pt, want %v", p.Number, p.Width, p.Height, sizes[i])
		}
	}
	p := pages[0]
	checkOnInk(t, p, "Fairshelf leaflet")
	checkOnInk(t, p, "Cardiology results")
	checkOnInk(t, p, "Dosage guidance")
	checkColumns(t, p, "Cardiology results", "Dosage guidance")
	checkOnInk(t, pages[1], "Sideways phrase")
	checkOnInk(t, pages[2], "Landscape page")
	if b := phrase(t, pages[2], "Landscape page"); math.Abs(b.X-72/841.89) > 0.01 {
		t.Errorf("landscape phrase at x %.3f, want %.3f", b.X, 72/841.89)
	}
}

// checkColumns checks that all text of the left column comes before the
// right column, and that the columns' boxes are side by side.
func checkColumns(t testing.TB, p render.Page, left, right string) {
	t.Helper()
	lastLeft := strings.LastIndex(p.Text, left)
	firstRight := strings.Index(p.Text, right)
	if lastLeft < 0 || firstRight < 0 || lastLeft > firstRight {
		t.Errorf("page %d: columns out of order in %q", p.Number, p.Text)
	}
	l, r := phrase(t, p, left), phrase(t, p, right)
	if l.X+l.W > r.X {
		t.Errorf("page %d: left column %+v not left of right column %+v", p.Number, l, r)
	}
	if math.Abs(l.Y-r.Y) > 0.05 {
		t.Errorf("page %d: columns start at different heights: %+v, %+v", p.Number, l, r)
	}
}

// TestRotatedPage rotates page 2 of the fpdf document by 90° with pdfcpu (the
// /Rotate entry), so its phrase runs down the displayed page.
func TestRotatedPage(t *testing.T) {
	var out bytes.Buffer
	if err := api.Rotate(bytes.NewReader(fpdfDocument(t)), &out, 90, []string{"2"}, nil); err != nil {
		t.Fatal(err)
	}
	pages := renderAll(t, out.Bytes())
	p := pages[1]
	if p.Width != 792 || p.Height != 612 {
		t.Fatalf("rotated page is %.2f×%.2f pt, want 792×612", p.Width, p.Height)
	}
	b := phrase(t, p, "Sideways phrase")
	if b.H < 2*b.W {
		t.Errorf("phrase on a page turned by 90° should run downwards, box %+v", b)
	}
	// Text at x=100 from the left and y=200 from the top of the upright page
	// lands, turned clockwise, 200 pt from the right and 100 pt from the top.
	if base := (792 - 200) / 792.0; base < b.X || base > b.X+b.W || math.Abs(b.Y-100/612.0) > 0.02 {
		t.Errorf("phrase box %+v, want baseline %.3f inside and top near %.3f", b, base, 100/612.0)
	}
	checkOnInk(t, p, "Sideways phrase")
}

// TestRotations turns page 2 by 180° and 270° too: the phrase's boxes stay on
// its ink.
func TestRotations(t *testing.T) {
	for _, deg := range []int{180, 270} {
		var out bytes.Buffer
		if err := api.Rotate(bytes.NewReader(fpdfDocument(t)), &out, deg, []string{"2"}, nil); err != nil {
			t.Fatal(err)
		}
		p := renderAll(t, out.Bytes())[1]
		b := phrase(t, p, "Sideways phrase")
		// Upside down, the phrase ends 100 pt from the right edge; turned
		// anticlockwise, it runs upwards from 100 pt above the bottom.
		if deg == 180 && (b.W < 2*b.H || math.Abs(b.X+b.W-512/612.0) > 0.01) ||
			deg == 270 && (b.H < 2*b.W || math.Abs(b.Y+b.H-512/612.0) > 0.01) {
			t.Errorf("turned by %d°: phrase box %+v", deg, b)
		}
		checkOnInk(t, p, "Sideways phrase")
	}
}

// TestRotatedScan is a page stored sideways with /Rotate 90, as scanners and
// landscape printing produce, whose text reads upright when displayed.
func TestRotatedScan(t *testing.T) {
	content := "BT /F1 24 Tf 0 1 -1 0 300 100 Tm (Upright when turned) Tj ET\n"
	pdf := testenv.PDFObjects("%PDF-1.4\n", []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate 90 " +
			"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Length " + itoa(len(content)) + " >>\nstream\n" + content + "endstream",
	})
	pages := renderAll(t, pdf)
	p := pages[0]
	if p.Width != 792 || p.Height != 612 {
		t.Fatalf("page is %.2f×%.2f pt, want 792×612", p.Width, p.Height)
	}
	if p.Screen.Width <= p.Screen.Height {
		t.Fatalf("image %d×%d is not landscape", p.Screen.Width, p.Screen.Height)
	}
	b := phrase(t, p, "Upright when turned")
	if b.W < 4*b.H {
		t.Errorf("phrase should run across the displayed page, box %+v", b)
	}
	// The baseline at user x=300 is 300 pt from the top when displayed; the
	// text starts at user y=100, 100 pt from the left.
	if base := 300 / 612.0; math.Abs(b.X-100/792.0) > 0.01 || base < b.Y || base > b.Y+b.H {
		t.Errorf("phrase box %+v, want left near %.3f and baseline %.3f inside", b, 100/792.0, base)
	}
	checkOnInk(t, p, "Upright when turned")
}
