package testenv

import (
	"fmt"
	"strings"
)

// ScriptedPDF returns a small, valid one-page PDF that shows lines in
// Helvetica and, when js is not empty, runs js as soon as a viewer opens it
// (an /OpenAction of type JavaScript), the way a hostile piece would. The
// cross-reference table is exact, so strict parsers and viewers accept it.
func ScriptedPDF(lines []string, js string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfString(l))
	}
	content.WriteString("ET\n")
	catalog := "<< /Type /Catalog /Pages 2 0 R >>"
	if js != "" {
		catalog = fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (%s) >> >>", pdfString(js))
	}
	objects := []string{
		catalog,
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	return PDFObjects("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", objects)
}

// pdfString escapes s for a PDF literal string.
func pdfString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s)
}
