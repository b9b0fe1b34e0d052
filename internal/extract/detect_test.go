package extract

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestDetect(t *testing.T) {
	docx := genDOCX(t, para(0, "Hello"))
	pptx := genPPTX(t, slideXML([]string{"Slide"}))
	pdf := genPDF(t, 1, []pdfText{{page: 1, x: 72, y: 72, font: "Helvetica", size: 12, text: "PDF"}}, pdfOptions{})
	mp4 := func(brand string) []byte {
		return append([]byte("\x00\x00\x00\x18ftyp"+brand+"\x00\x00\x02\x00isomiso2"), make([]byte, 64)...)
	}
	tests := []struct {
		name string
		data []byte
		want string // media type, or "!" + part of the EUNSUPPORTED message
	}{
		{"pdf", pdf, PDF},
		{"pdf after junk", append([]byte("garbage line\n"), pdf...), PDF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), PNG},
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), JPEG},
		{"mp4 isom", mp4("isom"), MP4},
		{"mp4 mp42", mp4("mp42"), MP4},
		{"mp4 M4V", mp4("M4V "), MP4},
		{"quicktime", mp4("qt  "), "!not MP4"},
		{"docx", docx, DOCX},
		{"pptx", pptx, PPTX},
		{
			"docm",
			testenv.ZIP(
				t,
				zipFile{"[Content_Types].xml", contentTypesDOCX},
				zipFile{"word/document.xml", docxDocument("")},
				zipFile{"word/vbaProject.bin", "x"},
			),
			"!macro-enabled",
		},
		{
			"pptm",
			testenv.ZIP(
				t,
				zipFile{"[Content_Types].xml", contentTypesPPTX},
				zipFile{"ppt/presentation.xml", "<p/>"},
				zipFile{"ppt/vbaProject.bin", "x"},
			),
			"!macro-enabled",
		},
		{"xlsx", testenv.ZIP(t, zipFile{"[Content_Types].xml", "<Types/>"}, zipFile{"xl/workbook.xml", "<workbook/>"}), "!Excel"},
		{
			"odt",
			testenv.ZIP(t, zipFile{"mimetype", "application/vnd.oasis.opendocument.text"}, zipFile{"content.xml", "<x/>"}),
			"!OpenDocument",
		},
		{"jar", testenv.ZIP(t, zipFile{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"}), "!ZIP archive, not a Word or PowerPoint"},
		{"docx without content types", testenv.ZIP(t, zipFile{"word/document.xml", docxDocument("")}), "!ZIP archive"},
		{"broken zip", []byte("PK\x03\x04garbage that is not a zip"), "!damaged"},
		{"html doctype", []byte("<!DOCTYPE html><html><body>Hi</body></html>"), HTML},
		{"html bom comment", []byte("\xEF\xBB\xBF  \n<!-- generated --> <HTML lang=en><p>x"), HTML},
		{"html head", []byte("<head><title>x</title></head>"), HTML},
		{"html body", []byte("<BODY>text</BODY>"), HTML},
		{"not html tag", []byte("<htmlx>hello</htmlx>"), Text},
		{"text", []byte("ZELTRA reduces relapse.\r\nSecond line\n"), Text},
		{"text bom", []byte("\xEF\xBB\xBFcafé"), Text},
		{"utf16 le", []byte("\xFF\xFEh\x00i\x00"), "!UTF-16"},
		{"utf16 be", []byte("\xFE\xFF\x00h\x00i"), "!UTF-16"},
		{"binary nul", []byte("abc\x00def"), "!binary"},
		{"binary latin1", []byte("caf\xe9 au lait"), "!binary"},
		{"controls", []byte("a\x01b\x02c\x03d\x04e\x05"), "!binary"},
		{"gif", []byte("GIF89a\x01\x00"), "!GIF"},
		{"legacy office", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "!legacy Office"},
		{"rtf", []byte(`{\rtf1\ansi hello}`), "!RTF"},
		{"blank", []byte("   \n\n"), "!no text"},
		{"empty", nil, "!empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(bytes.NewReader(tt.data), int64(len(tt.data)))
			if !strings.HasPrefix(tt.want, "!") {
				if err != nil || got != tt.want {
					t.Fatalf("Detect = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EUNSUPPORTED {
				t.Fatalf("Detect = %q, %v; want EUNSUPPORTED", got, err)
			}
			if !strings.Contains(de.Message, tt.want[1:]) || !strings.HasSuffix(de.Message, acceptedMessage) {
				t.Errorf("message %q, want it to contain %q and end with the accepted list", de.Message, tt.want[1:])
			}
		})
	}
}

func TestDetectLongTextCutInsideACharacter(t *testing.T) {
	// The 64 KiB head ends in the middle of "é"; that is still text.
	data := []byte(strings.Repeat("a", sniffLen-1) + "é and more")
	if got, err := Detect(bytes.NewReader(data), int64(len(data))); err != nil || got != Text {
		t.Fatalf("Detect = %q, %v", got, err)
	}
}

// TestDetectPolyglots pins the precedence: magic at offset 0 wins, and the
// chosen extractor copes with the file.
func TestDetectPolyglots(t *testing.T) {
	pdf := genPDF(t, 1, []pdfText{{page: 1, x: 72, y: 72, font: "Helvetica", size: 12, text: "PDF side"}}, pdfOptions{})
	docx := genDOCX(t, para(0, "DOCX side"))

	// A PDF with a DOCX appended: starts with %PDF-, and ZIP readers find
	// the central directory at the end.
	pdfZip := append(append([]byte{}, pdf...), docx...)
	// A DOCX whose first bytes also contain %PDF- inside the first entry.
	zipPDF := genDOCX(t, para(0, "%PDF-1.4 trailer"), zipFile{"a.txt", "%PDF-1.7\n"})

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"pdf+zip", pdfZip, PDF},
		{"zip with %PDF inside", zipPDF, DOCX},
	} {
		for i := 0; i < 3; i++ {
			got, err := Detect(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil || got != tc.want {
				t.Fatalf("%s: Detect = %q, %v; want %q", tc.name, got, err, tc.want)
			}
		}
		doc, err := extractBytes(t, tc.data, tc.want, Limits{})
		if err != nil {
			t.Fatalf("%s: Extract: %v", tc.name, err)
		}
		if want := map[string]string{"pdf+zip": "PDF side", "zip with %PDF inside": "%PDF-1.4 trailer"}[tc.name]; doc.Plain() != want {
			t.Errorf("%s: extracted %q, want %q", tc.name, doc.Plain(), want)
		}
	}
}
