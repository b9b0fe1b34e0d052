package extract

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	src := `<!DOCTYPE html><html><head><title>Ignored title</title><style>p{color:red}</style>
<script>var claim = "<p>not text</p>";</script><meta charset="utf-8"></head>
<body><h1>ZELTRA&reg; &amp; you</h1>
<p>Reduces   relapse
 by <b>40</b>%<sup>1</sup> in adults.<br>Second   line</p>
<noscript><p>Enable JavaScript</p></noscript>
<template><p>hidden template</p></template>
<ul><li>First<li>Second</ul>
<table><tr><td>Cell A<td>Cell B</table>
<div>Visit <a href="https://example.test">zeltra.example</a>&nbsp;today</div>
<pre>line one
  line two</pre>
<p>Unsubscribe</body></html>`
	doc := mustExtract(t, []byte(src), HTML)
	want := []string{
		"ZELTRA® & you",
		"Reduces relapse by 40%1 in adults.",
		"Second line",
		"First", "Second", "Cell A", "Cell B",
		"Visit zeltra.example\u00a0today",
		"line one", "line two",
		"Unsubscribe",
	}
	var got []string
	for i, l := range doc.Lines {
		got = append(got, l.Text)
		if l.Page != 1 || l.Line != i+1 || l.FontSize != 0 {
			t.Errorf("line %d position %+v", i, l)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines\n%q\nwant\n%q", got, want)
	}
	if doc.Pages != 1 {
		t.Errorf("pages = %d", doc.Pages)
	}
}

func TestHTMLLegacyCharset(t *testing.T) {
	doc := mustExtract(t, []byte("<html><head><meta charset=\"windows-1252\"></head><body><p>Caf\xe9 \x93quoted\x94</p>"), HTML)
	if got := doc.Plain(); got != "Café “quoted”" {
		t.Errorf("Plain = %q", got)
	}
}

func TestHTMLHeadWithoutEndTag(t *testing.T) {
	doc := mustExtract(t, []byte("\xEF\xBB\xBF<html><head><meta charset=utf-8><body><p>Body text"), HTML)
	if got := doc.Plain(); got != "Body text" {
		t.Errorf("Plain = %q", got)
	}
}

func TestHTMLSloppyParagraphsAreNotDeep(t *testing.T) {
	src := "<html><body>" + strings.Repeat("<p>para ", 1000)
	doc, err := extractBytes(t, []byte(src), HTML, Limits{MaxXMLDepth: 16})
	if err != nil || len(doc.Lines) != 1000 {
		t.Fatalf("lines %d, err %v", len(doc.Lines), err)
	}
}

func TestText(t *testing.T) {
	src := "\xEF\xBB\xBFFirst line\r\n\r\n  Third line  \nlast without newline"
	doc := mustExtract(t, []byte(src), Text)
	got := strings.Join(lineTexts(doc), "|")
	if want := "1:1 First line|1:3 Third line|1:4 last without newline"; got != want {
		t.Errorf("lines %q, want %q", got, want)
	}
	if doc.Pages != 1 || doc.Truncated {
		t.Errorf("pages %d truncated %v", doc.Pages, doc.Truncated)
	}
}

func TestTextTruncatesAtMaxText(t *testing.T) {
	src := "héllo world\n" + strings.Repeat("x", 100) + "\nnever reached\n"
	doc, err := extractBytes(t, []byte(src), Text, Limits{MaxText: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Truncated {
		t.Error("not truncated")
	}
	total := 0
	for _, l := range doc.Lines {
		total += len(l.Text)
	}
	if total > 20 || len(doc.Lines) != 2 || doc.Lines[0].Text != "héllo world" {
		t.Errorf("lines %q (%d bytes)", lineTexts(doc), total)
	}
}

func TestTextHugeSingleLineIsBounded(t *testing.T) {
	src := strings.Repeat("a", 10<<20)
	doc, err := extractBytes(t, []byte(src), Text, Limits{MaxText: 1 << 20})
	if err != nil || !doc.Truncated || len(doc.Lines) != 1 || len(doc.Lines[0].Text) != 1<<20 {
		t.Fatalf("err %v truncated %v lines %d", err, doc.Truncated, len(doc.Lines))
	}
}

func TestTruncationCutsAtCharacterBoundary(t *testing.T) {
	doc, err := extractBytes(t, []byte("ééééé"), Text, Limits{MaxText: 5})
	if err != nil || !doc.Truncated || doc.Lines[0].Text != "éé" {
		t.Fatalf("%q %v", lineTexts(doc), err)
	}
}

func TestPlain(t *testing.T) {
	doc := Document{Lines: []Line{{Page: 1, Line: 1, Text: "a"}, {Page: 1, Line: 2, Text: "b"}, {Page: 3, Line: 1, Text: "c"}}}
	if got := doc.Plain(); got != "a\nb\n\fc" {
		t.Errorf("Plain = %q", got)
	}
	if (Document{}).Plain() != "" {
		t.Error("empty Plain not empty")
	}
}

func TestImagesAndVideoHaveNoText(t *testing.T) {
	for _, mt := range []string{PNG, JPEG, MP4} {
		doc, err := extractBytes(t, []byte("whatever"), mt, Limits{})
		if err != nil || len(doc.Lines) != 0 || doc.MediaType != mt {
			t.Errorf("%s: %+v %v", mt, doc, err)
		}
	}
}

func TestUnsupportedMediaType(t *testing.T) {
	_, err := extractBytes(t, []byte("x"), "application/zip", Limits{})
	wantError(t, err, "unsupported_media_type", "cannot be extracted")
}
