package extract

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// acceptedMessage ends every EUNSUPPORTED message of Detect.
const acceptedMessage = "Only PDF, DOCX, PPTX, HTML, plain text, PNG, JPEG and MP4 files are accepted."

// sniffLen is how much of the head of a file Detect examines for magic
// numbers, HTML and plain text.
const sniffLen = 64 << 10

// Detect reads the content of r (size bytes) — never a file name or a
// client's Content-Type — and returns one of the allowed media types.
//
// The rules are applied in this order, and the first match wins, so a file
// that looks like two formats at once (a polyglot) always gets the same
// single answer:
//
//  1. A magic number at offset 0: "%PDF-" is PDF; the PNG signature is PNG;
//     FF D8 FF is JPEG; an "ftyp" box at offset 4 with an MP4-family brand
//     (isom, iso2..iso9, mp41, mp42, avc1, M4V, M4A, dash, ...) is MP4;
//     "PK\x03\x04" or "PK\x05\x06" is a ZIP archive, which is DOCX when its
//     central directory holds [Content_Types].xml and word/document.xml,
//     PPTX when it holds [Content_Types].xml and ppt/presentation.xml, and
//     unsupported otherwise (other ZIPs, spreadsheets, OpenDocument, jars,
//     and macro-enabled documents that carry a vbaProject.bin).
//  2. "%PDF-" later within the first 1024 bytes is PDF (PDF readers accept
//     leading junk); such a file is never examined as a ZIP.
//  3. After an optional BOM and white space, a case-insensitive
//     "<!doctype html", "<html", "<head" or "<body", possibly after
//     comments, is HTML.
//  4. A head (64 KiB) that is valid UTF-8, with an optional UTF-8 BOM, no
//     NUL bytes and few control characters is plain text.
//
// Anything else, including UTF-16 text, is rejected with a *domain.Error of
// code domain.EUNSUPPORTED whose message says what the file seems to be.
// A read error on r is returned as is (an internal error).
func Detect(r io.ReaderAt, size int64) (string, error) {
	if r == nil || size <= 0 {
		return "", unsupported("The file is empty.")
	}
	n := size
	if n > sniffLen {
		n = sniffLen
	}
	head := make([]byte, n)
	if m, err := r.ReadAt(head, 0); int64(m) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}

	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case isMP4(head):
		return MP4, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return detectZIP(r, size)
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		return PDF, nil
	case isHTML(head):
		return HTML, nil
	}
	return detectText(head)
}

func unsupported(what string) *domain.Error {
	return domain.Errorf(domain.EUNSUPPORTED, "%s %s", what, acceptedMessage)
}

// mp4Brands are the major brands of the ISO base media family that browsers
// and players treat as MP4 video. QuickTime ("qt  ") and 3GP are not here.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "mp71": true,
	"avc1": true, "M4V ": true, "M4VH": true, "M4VP": true, "dash": true, "msnv": true,
	"f4v ": true, "hvc1": true, "av01": true, "mmp4": true, "MSNV": true,
}

func isMP4(head []byte) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	return mp4Brands[string(head[8:12])]
}

// detectZIP tells DOCX and PPTX apart from every other ZIP by the names in
// the central directory; it never decompresses anything.
func detectZIP(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", unsupported("The file starts like a ZIP archive but is damaged.")
	}
	var contentTypes, word, ppt, xl, macros, odf bool
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch name {
		case "[content_types].xml":
			contentTypes = true
		case "word/document.xml":
			word = true
		case "ppt/presentation.xml":
			ppt = true
		case "xl/workbook.xml":
			xl = true
		case "mimetype":
			odf = true
		}
		if strings.HasSuffix(name, "vbaproject.bin") {
			macros = true
		}
	}
	switch {
	case contentTypes && macros && (word || ppt):
		return "", unsupported("The file is a macro-enabled Office document (DOCM/PPTM); save it as a plain DOCX or PPTX.")
	case contentTypes && word && !ppt:
		return DOCX, nil
	case contentTypes && ppt && !word:
		return PPTX, nil
	case contentTypes && xl:
		return "", unsupported("The file is an Excel workbook.")
	case odf:
		return "", unsupported("The file is an OpenDocument file, not a Word or PowerPoint document.")
	}
	return "", unsupported("The file is a ZIP archive, not a Word or PowerPoint document.")
}

// trimBOMSpace drops a UTF-8 BOM and leading ASCII white space.
func trimBOMSpace(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	return bytes.TrimLeft(b, " \t\r\n\f")
}

func isHTML(head []byte) bool {
	b := trimBOMSpace(head)
	for {
		if !bytes.HasPrefix(b, []byte("<!--")) {
			break
		}
		end := bytes.Index(b, []byte("-->"))
		if end < 0 {
			return false
		}
		b = bytes.TrimLeft(b[end+3:], " \t\r\n\f")
	}
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body"} {
		if len(b) < len(p) || !strings.EqualFold(string(b[:len(p)]), p) {
			continue
		}
		if len(b) == len(p) {
			return true
		}
		// "<html" must not be the start of "<htmlx".
		switch c := b[len(p)]; c {
		case '>', ' ', '\t', '\r', '\n', '\f', '/':
			return true
		}
	}
	return false
}

func detectText(head []byte) (string, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "", unsupported("The file is UTF-16 text; save it as UTF-8.")
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "", unsupported("The file is a GIF image.")
	case bytes.HasPrefix(head, []byte("RIFF")) && len(head) >= 12 && string(head[8:12]) == "WEBP":
		return "", unsupported("The file is a WebP image.")
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return "", unsupported("The file is a video or image container that is not MP4.")
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", unsupported("The file is a legacy Office document (DOC/PPT/XLS); save it as DOCX or PPTX.")
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return "", unsupported("The file is a rich-text (RTF) document; save it as DOCX or PDF.")
	}
	b := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if len(head) == sniffLen {
		// The head may end inside a character.
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if r, _ := utf8.DecodeLastRune(b); r != utf8.RuneError {
				break
			}
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return "", unsupported("The file is binary data of an unknown type.")
	}
	controls := 0
	for _, c := range b {
		if c == 0 {
			return "", unsupported("The file is binary data of an unknown type.")
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7F {
			controls++
		}
	}
	if controls > len(b)/100+2 {
		return "", unsupported("The file is binary data of an unknown type.")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "", unsupported("The file has no text.")
	}
	return Text, nil
}
