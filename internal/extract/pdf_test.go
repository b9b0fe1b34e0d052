package extract

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
)

func wantLines(t *testing.T, doc Document, want []Line) {
	t.Helper()
	if len(doc.Lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(doc.Lines), len(want), strings.Join(lineTexts(doc), "\n"))
	}
	for i, w := range want {
		g := doc.Lines[i]
		if g.Page != w.Page || g.Line != w.Line || g.Text != w.Text {
			t.Errorf("line %d = %d:%d %q, want %d:%d %q", i, g.Page, g.Line, g.Text, w.Page, w.Line, w.Text)
		}
		if math.Abs(g.FontSize-w.FontSize) > 0.5 {
			t.Errorf("line %d %q: font size %.2f, want %.2f", i, g.Text, g.FontSize, w.FontSize)
		}
	}
}

func TestPDFPagesLinesAndSizes(t *testing.T) {
	// Lines are drawn bottom first to prove that the order comes from the
	// positions, not from the content stream.
	texts := []pdfText{
		{page: 1, x: 72, y: 740, font: "Times", size: 6, text: "Important Safety Information: ZELTRA may cause dizziness."},
		{page: 1, x: 72, y: 752, font: "Times", size: 6, text: "Do not drive until you know how ZELTRA affects you."},
		{page: 1, x: 72, y: 120, font: "Helvetica", style: "B", size: 14, text: "ZELTRA reduces relapse by 40%"},
		{page: 1, x: 72, y: 100, font: "Helvetica", size: 20, text: "Breathe easier"},
		{page: 2, x: 72, y: 100, font: "Courier", size: 10, text: "Page two, first line"},
		{page: 2, x: 300, y: 130, font: "Helvetica", size: 9, text: "Café “quoted” — naïve ±5 mg/m²"},
		{page: 3, x: 72, y: 400, font: "Helvetica", size: 12, text: "Only line of page three"},
	}
	for _, compress := range []bool{false, true} {
		doc := mustExtract(t, genPDF(t, 4, texts, pdfOptions{compress: compress}), PDF)
		if doc.MediaType != PDF || doc.Pages != 4 || doc.Truncated {
			t.Errorf("doc = %s, %d pages, truncated %v", doc.MediaType, doc.Pages, doc.Truncated)
		}
		wantLines(t, doc, []Line{
			{Page: 1, Line: 1, Text: "Breathe easier", FontSize: 20},
			{Page: 1, Line: 2, Text: "ZELTRA reduces relapse by 40%", FontSize: 14},
			{Page: 1, Line: 3, Text: "Important Safety Information: ZELTRA may cause dizziness.", FontSize: 6},
			{Page: 1, Line: 4, Text: "Do not drive until you know how ZELTRA affects you.", FontSize: 6},
			{Page: 2, Line: 1, Text: "Page two, first line", FontSize: 10},
			{Page: 2, Line: 2, Text: "Café “quoted” — naïve ±5 mg/m²", FontSize: 9},
			{Page: 3, Line: 1, Text: "Only line of page three", FontSize: 12},
		})
	}
}

func TestPDFWordsOnOneBaselineJoinWithSpaces(t *testing.T) {
	// Three separately positioned words on one baseline, the way layout
	// programs often emit justified text, and a superscript mark.
	texts := []pdfText{
		{page: 1, x: 72, y: 100, font: "Helvetica", size: 12, text: "Once-daily"},
		{page: 1, x: 137, y: 100, font: "Helvetica", size: 12, text: "ZELTRA"},
		{page: 1, x: 180.7, y: 96, font: "Helvetica", size: 7, text: "®"},
		{page: 1, x: 190, y: 100, font: "Helvetica", size: 12, text: "tablets"},
	}
	doc := mustExtract(t, genPDF(t, 1, texts, pdfOptions{}), PDF)
	wantLines(t, doc, []Line{{Page: 1, Line: 1, Text: "Once-daily ZELTRA® tablets", FontSize: 12}})
}

func TestPDFFontSizeFollowsTransformation(t *testing.T) {
	// 10 pt text drawn with a 150% scale is 15 pt on the page; text rotated
	// 90 degrees keeps its size and becomes a line of its own.
	p := genPDFWith(t, func(g *pdfGen) {
		g.p.SetFont("Helvetica", "", 10)
		g.p.TransformBegin()
		g.p.TransformScale(150, 150, 72, 100)
		g.p.Text(72, 100, "Scaled claim text")
		g.p.TransformEnd()
		g.p.Text(72, 300, "Normal body text")
		g.p.TransformBegin()
		g.p.TransformRotate(90, 40, 700)
		g.p.Text(40, 700, "Job code ZEL-0042")
		g.p.TransformEnd()
	})
	doc := mustExtract(t, p, PDF)
	got := map[string]float64{}
	for _, l := range doc.Lines {
		got[l.Text] = l.FontSize
	}
	for text, size := range map[string]float64{"Scaled claim text": 15, "Normal body text": 10, "Job code ZEL-0042": 10} {
		if s, ok := got[text]; !ok || math.Abs(s-size) > 0.5 {
			t.Errorf("%q: size %.2f (found %v), want %.1f; lines %q", text, s, ok, size, lineTexts(doc))
		}
	}
}

func TestPDFUnicodeFontWithToUnicode(t *testing.T) {
	// A UTF-8 TrueType font makes fpdf (codeberg.org/go-pdf/fpdf) write a
	// Type0 font with Identity-H encoding and a ToUnicode CMap.
	text := "ZELTRA® 10 mg — naïve patients ≥ 18 years: αβ"
	data := genPDF(t, 1, []pdfText{
		{page: 1, x: 72, y: 100, utf8Family: "goregular", size: 11, text: text},
		{page: 1, x: 72, y: 130, utf8Family: "goregular", size: 7, text: "Warnings: serious infections"},
	}, pdfOptions{compress: true, utf8Fonts: map[string][]byte{"goregular": goregular.TTF}})
	doc := mustExtract(t, data, PDF)
	wantLines(t, doc, []Line{
		{Page: 1, Line: 1, Text: text, FontSize: 11},
		{Page: 1, Line: 2, Text: "Warnings: serious infections", FontSize: 7},
	})
}

func TestPDFTwoColumnsReadColumnByColumn(t *testing.T) {
	// A full-width headline over two columns whose baselines line up, as in
	// a two-column ISI block; then a full-width footer.
	texts := []pdfText{{page: 1, x: 72, y: 80, font: "Helvetica", style: "B", size: 16, text: "IMPORTANT SAFETY INFORMATION FOR ZELTRA"}}
	left := []string{"Serious infections have occurred", "in patients treated with ZELTRA.", "Monitor patients closely."}
	right := []string{"Tell your doctor if you are pregnant", "or plan to become pregnant while", "taking ZELTRA."}
	for i := range left {
		y := 120 + float64(i)*10
		texts = append(texts,
			pdfText{page: 1, x: 72, y: y, font: "Helvetica", size: 8, text: left[i]},
			pdfText{page: 1, x: 320, y: y, font: "Helvetica", size: 8, text: right[i]})
	}
	texts = append(
		texts,
		pdfText{
			page: 1,
			x:    72,
			y:    200,
			font: "Helvetica",
			size: 8,
			text: "Please see full Prescribing Information, including Boxed Warning.",
		},
	)
	doc := mustExtract(t, genPDF(t, 1, texts, pdfOptions{}), PDF)
	var got []string
	for _, l := range doc.Lines {
		got = append(got, l.Text)
	}
	want := append(append(append([]string{texts[0].text}, left...), right...), texts[len(texts)-1].text)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPDFBulletListIsNotSplitIntoColumns(t *testing.T) {
	var texts []pdfText
	items := []string{"Serious infections", "Hepatotoxicity; monitor liver tests", "Hypersensitivity reactions"}
	for i, it := range items {
		y := 100 + float64(i)*12
		texts = append(texts,
			pdfText{page: 1, x: 72, y: y, font: "Helvetica", size: 9, text: "•"},
			pdfText{page: 1, x: 90, y: y, font: "Helvetica", size: 9, text: it})
	}
	doc := mustExtract(t, genPDF(t, 1, texts, pdfOptions{}), PDF)
	var got []string
	for _, l := range doc.Lines {
		got = append(got, l.Text)
	}
	want := []string{"• Serious infections", "• Hepatotoxicity; monitor liver tests", "• Hypersensitivity reactions"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
}

func TestPDFWithoutTextHasNoLines(t *testing.T) {
	doc := mustExtract(t, genPDF(t, 2, nil, pdfOptions{}), PDF)
	if doc.Pages != 2 || len(doc.Lines) != 0 {
		t.Errorf("pages %d, lines %q", doc.Pages, lineTexts(doc))
	}
}

func TestPDFOwnerPasswordOnlyIsRead(t *testing.T) {
	// A PDF with permissions but no open password opens in every viewer, so
	// its text is extracted.
	empty := ""
	data := genPDF(
		t,
		1,
		[]pdfText{{page: 1, x: 72, y: 100, font: "Helvetica", size: 12, text: "Restricted printing"}},
		pdfOptions{protectPW: &empty},
	)
	doc := mustExtract(t, data, PDF)
	wantLines(t, doc, []Line{{Page: 1, Line: 1, Text: "Restricted printing", FontSize: 12}})
}
