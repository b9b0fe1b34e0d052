package testenv

import (
	"archive/zip"
	"bytes"
	"fmt"
	"testing"
)

// PDFObjects writes header, then objects numbered 1..n, then an exact
// cross-reference table and a trailer whose root is object 1. Tests build
// small or deliberately hostile PDFs with it that strict parsers still open.
func PDFObjects(header string, objects []string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// ZIP returns a ZIP archive holding files in order, each a {name, body}
// pair, the container of DOCX and PPTX documents. Pairs rather than a struct
// keep the test tables that list entries one short line each. It fails t if
// the archive cannot be written.
func ZIP(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
