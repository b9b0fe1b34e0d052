package extract

import (
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestDOCXParagraphsSizesAndPages(t *testing.T) {
	styles := zipFile{"word/styles.xml", `<?xml version="1.0"?><w:styles ` + wNS + `>
<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ISI"><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="12"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ISIHeading"><w:basedOn w:val="ISI"/></w:style>
</w:styles>`}
	body := `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>ZELTRA &amp; you</w:t></w:r></w:p>` +
		para(0, "Default ", "size") +
		para(14, "Claim: 40% fewer relapses") +
		`<w:p><w:r><w:t>Before</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>after</w:t><w:tab/><w:t>tab</w:t></w:r></w:p>` +
		`<w:p><w:r><w:br w:type="page"/></w:r></w:p>` +
		`<w:p><w:r><w:lastRenderedPageBreak/><w:t>Page two (no double count)</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell A</w:t></w:r></w:p></w:tc><w:tc>` + para(9, "Cell B") + `</w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><w:t>Kept</w:t></w:r><w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>` +
		`<w:r><mc:AlternateContent>` +
		`<mc:Choice Requires="wps"><w:drawing><wps:txbx xmlns:wps="urn:wps">` +
		`<w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent>` +
		`</wps:txbx></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>DUPLICATE</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>` +
		`</mc:AlternateContent></w:r></w:p>` +
		`<w:p><w:r><w:t>Long paragraph across</w:t></w:r><w:r><w:lastRenderedPageBreak/><w:t>the page break</w:t></w:r></w:p>` +
		`<w:p><w:pPr><w:pStyle w:val="ISIHeading"/></w:pPr><w:r><w:t>Important Safety Information</w:t></w:r></w:p>` +
		`<w:p/>`
	doc := mustExtract(t, genDOCX(t, body, styles), DOCX)
	if doc.Pages != 3 {
		t.Errorf("pages = %d, want 3", doc.Pages)
	}
	wantLines(t, doc, []Line{
		{Page: 1, Line: 1, Text: "ZELTRA & you", FontSize: 16},
		{Page: 1, Line: 2, Text: "Default size", FontSize: 11},
		{Page: 1, Line: 3, Text: "Claim: 40% fewer relapses", FontSize: 14},
		{Page: 1, Line: 4, Text: "Before", FontSize: 11},
		{Page: 1, Line: 5, Text: "after\ttab", FontSize: 11},
		{Page: 2, Line: 1, Text: "Page two (no double count)", FontSize: 11},
		{Page: 2, Line: 2, Text: "Cell A", FontSize: 11},
		{Page: 2, Line: 3, Text: "Cell B", FontSize: 9},
		{Page: 2, Line: 4, Text: "Kept", FontSize: 11},
		{Page: 2, Line: 5, Text: "In a text box", FontSize: 11},
		{Page: 2, Line: 6, Text: "Long paragraph across", FontSize: 11},
		{Page: 3, Line: 1, Text: "the page break", FontSize: 11},
		{Page: 3, Line: 2, Text: "Important Safety Information", FontSize: 6},
	})
}

func TestDOCXWithoutStylesUsesWordDefault(t *testing.T) {
	doc := mustExtract(t, genDOCX(t, para(0, "Plain")), DOCX)
	wantLines(t, doc, []Line{{Page: 1, Line: 1, Text: "Plain", FontSize: 10}})
}

func TestDOCXDamaged(t *testing.T) {
	_, err := extractBytes(
		t,
		testenv.ZIP(t,
			zipFile{"[Content_Types].xml", contentTypesDOCX},
			zipFile{"word/document.xml", docxDocument(`<w:p><w:r><w:t>unclosed`)},
		),
		DOCX,
		Limits{},
	)
	wantError(t, err, "invalid", "damaged")
	_, err = extractBytes(t, testenv.ZIP(t, zipFile{"[Content_Types].xml", contentTypesDOCX}), DOCX, Limits{})
	wantError(t, err, "invalid", "no main document")
	_, err = extractBytes(t, []byte("PK\x03\x04 not really"), DOCX, Limits{})
	wantError(t, err, "invalid", "damaged")
}

func TestPPTXSlidesInPresentationOrder(t *testing.T) {
	data := genPPTX(t,
		slideXML([]string{"ZELTRA@44"}, []string{"Relapse down ", "40%@28"}),
		slideXML([]string{"Second slide"}, []string{"ISI: dizziness@10"}),
		slideXML(),
	)
	doc := mustExtract(t, data, PPTX)
	if doc.Pages != 3 {
		t.Errorf("pages = %d, want 3", doc.Pages)
	}
	wantLines(t, doc, []Line{
		{Page: 1, Line: 1, Text: "ZELTRA", FontSize: 44},
		{Page: 1, Line: 2, Text: "Relapse down 40%", FontSize: 28},
		{Page: 2, Line: 1, Text: "Second slide", FontSize: 0},
		{Page: 2, Line: 2, Text: "ISI: dizziness", FontSize: 10},
	})
}

func TestPPTXWithoutPresentationOrderSortsSlidesByNumber(t *testing.T) {
	data := testenv.ZIP(t,
		zipFile{"[Content_Types].xml", contentTypesPPTX},
		zipFile{"ppt/presentation.xml", `<p:presentation ` + pNS + `/>`},
		zipFile{"ppt/slides/slide10.xml", slideXML([]string{"ten"})},
		zipFile{"ppt/slides/slide2.xml", slideXML([]string{"two"})},
		zipFile{"ppt/slides/slide1.xml", slideXML([]string{"one"}, []string{"line<a:br/>break"})},
	)
	doc := mustExtract(t, data, PPTX)
	got := strings.Join(lineTexts(doc), "|")
	if want := "1:1 one|1:2 line|1:3 break|2:1 two|3:1 ten"; got != want {
		t.Errorf("lines %q, want %q", got, want)
	}
}

func TestPPTXTooManySlides(t *testing.T) {
	data := genPPTX(t, slideXML([]string{"a"}), slideXML([]string{"b"}), slideXML([]string{"c"}))
	_, err := extractBytes(t, data, PPTX, Limits{MaxPages: 2})
	wantError(t, err, "too_large", "more than 2 slides")
}
