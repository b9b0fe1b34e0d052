package server

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// uploadFixture is a marketer's asset on PostgreSQL and MinIO, with a
// library whose decompression budget is small (1 MiB) so that the zip bombs
// stay small, and whose spool folder the test can look into.
type uploadFixture struct {
	*contentFixture
	asset domain.Asset
	spool string
}

func newUploadFixture(t *testing.T) *uploadFixture {
	t.Helper()
	f := &uploadFixture{contentFixture: newContentFixtureOn(t, "postgres"), spool: t.TempDir()}
	lib, err := object.New(f.store, f.objectStore, slog.New(slog.NewTextHandler(f.logs, nil)),
		object.Options{TempDir: f.spool, MaxUpload: testMaxUpload, Limits: extract.Limits{MaxUncompressed: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	f.objects = lib
	f.asset = f.createAsset(t, f.marketer, "ZEL-HOSTILE-1", "ZELTRA")
	return f
}

// stored counts the asset's versions and the objects in the store.
func (f *uploadFixture) stored(t *testing.T) (versions, objects int) {
	t.Helper()
	vs, err := f.store.Versions(context.Background(), f.asset.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = f.objectStore.List(context.Background(), "", func(objectstore.Info) error { objects++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return len(vs), objects
}

// spoolIsEmpty fails if an upload left a temporary file behind.
func (f *uploadFixture) spoolIsEmpty(t *testing.T) {
	t.Helper()
	left, err := os.ReadDir(f.spool)
	if err != nil || len(left) != 0 {
		t.Fatalf("spool folder after the uploads: %v %v", left, err)
	}
}

// rawUpload sends a multipart body built by hand, for part headers that
// mime/multipart's writer would not produce.
func (f *uploadFixture) rawUpload(t *testing.T, disposition string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	body := "--xyz\r\nContent-Disposition: " + disposition + "\r\nContent-Type: application/octet-stream\r\n\r\n" + string(
		content,
	) + "\r\n--xyz--\r\n"
	req := httptest.NewRequest(http.MethodPost, "/api/v1/assets/"+f.asset.ID+"/versions", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	return f.do(t, req)
}

var serverKey = regexp.MustCompile(`^objects/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$`)

// checkServed downloads a version as a reviewer and checks that a browser
// gets it as the detected type, never sniffed, as an attachment under a
// name whose extension matches that type, and that it was stored under a
// key of the server's making.
func (f *uploadFixture) checkServed(t *testing.T, v domain.Version, content []byte, mediaType, name string) {
	t.Helper()
	for _, inline := range []bool{false, true} {
		path := "/api/v1/versions/" + v.ID + "/content"
		if inline {
			path += "?disposition=inline"
		}
		rec := f.api(t, http.MethodGet, path, f.medical, nil)
		h := rec.Header()
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), content) {
			t.Fatalf("%s: download = %d (%d bytes)", name, rec.Code, rec.Body.Len())
		}
		if ct := h.Get("Content-Type"); ct != mediaType && !strings.HasPrefix(ct, mediaType+";") {
			t.Errorf("%s: Content-Type = %q, want %q", name, ct, mediaType)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: served without nosniff", name)
		}
		cd := h.Get("Content-Disposition")
		// Only media a browser merely decodes may be inline; everything
		// else is an attachment whatever the request asks.
		kind := "attachment"
		if inline && (mediaType == extract.PNG || mediaType == extract.JPEG || mediaType == extract.MP4) {
			kind = "inline"
		}
		if !strings.HasPrefix(cd, kind+"; filename=") || strings.ContainsAny(cd, "\r\n\x00") ||
			!strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(name)) {
			t.Errorf("%s: Content-Disposition = %q, want %s under %q", name, cd, kind, name)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: served without a sandbox: CSP %q", name, h.Get("Content-Security-Policy"))
		}
	}
	sv, err := f.store.Version(context.Background(), v.ID)
	if err != nil || !serverKey.MatchString(sv.ObjectKey) {
		t.Fatalf("%s: stored under %q (%v)", name, sv.ObjectKey, err)
	}
}

// TestHostileUploadsAreRefusedAndLeaveNothing sends files that are not what
// they claim, or are no accepted type at all: each is refused with the JSON
// error envelope, and neither a version row nor an object nor a spool file
// is left behind.
func TestHostileUploadsAreRefusedAndLeaveNothing(t *testing.T) {
	f := newUploadFixture(t)
	exe := peExecutable()
	cases := []struct {
		name, filename string
		content        []byte
		status         int
		code           string
	}{
		{"Windows executable named as a PDF", "brochure.pdf", exe, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{
			"ELF executable named as a PDF",
			"detail-aid.pdf",
			append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 120)...),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"ZIP carrying an HTML page, named as a DOCX",
			"deck.docx",
			zipOf(t, zip.Deflate, [2]string{"index.html", "<html><script>alert(1)</script></html>"}),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"ZIP with %PDF- in its first KiB",
			"deck.pdf",
			zipOf(t, zip.Store, [2]string{"a.txt", "%PDF-1.7\n%%EOF\n"}),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"macro-enabled Word document",
			"letter.docx",
			docxOf(t, docxBody("Hello"), [2]string{"word/vbaProject.bin", "\x00\x01macro"}),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"damaged ZIP",
			"deck.pptx",
			[]byte("PK\x03\x04\x14\x00\x00\x00garbage that is no archive"),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"GIF with a script (GIFAR)",
			"banner.png",
			[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;<script>alert(1)</script>"),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"UTF-16 HTML",
			"page.html",
			utf16LE("<html><body><script>alert(1)</script></body></html>"),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{
			"binary behind a text name",
			"notes.txt",
			[]byte("plain start\x00\x01\x02\x03 then binary"),
			http.StatusUnsupportedMediaType,
			"unsupported_media_type",
		},
		{"empty file", "empty.pdf", nil, http.StatusUnprocessableEntity, "invalid"},
		{"one byte over the limit", "big.txt", bytes.Repeat([]byte("a"), testMaxUpload+1), http.StatusRequestEntityTooLarge, "too_large"},
	}
	for _, c := range cases {
		v0, o0 := f.stored(t)
		decodeError(t, f.upload(t, f.marketer, f.asset.ID, c.filename, c.content), c.status, c.code)
		if v, o := f.stored(t); v != v0 || o != o0 {
			t.Errorf("%s: versions %d -> %d, objects %d -> %d", c.name, v0, v, o0, o)
		}
	}
	// A NUL or vertical tab in a part's header makes the body unreadable.
	for _, name := range []string{"a\x00b.txt", "a\vb.txt"} {
		decodeError(
			t,
			f.rawUpload(t, `form-data; name="file"; filename="`+name+`"`, []byte(compliantPiece)),
			http.StatusBadRequest,
			"bad_request",
		)
	}
	// A file name that breaks the part's header line, or a part that is no
	// file at all, is no upload.
	for _, disposition := range []string{
		"form-data; name=\"file\"; filename=\"x.txt\r\nX-Injected: 1\"",
		"form-data; name=\"file\"; filename=\"unterminated.txt",
		"form-data; name=\"../file\"; filename=\"x.txt\"",
	} {
		d := decodeError(t, f.rawUpload(t, disposition, []byte(compliantPiece)), http.StatusUnprocessableEntity, "invalid")
		if d.Fields["file"] == "" {
			t.Errorf("%q: fields = %v", disposition, d.Fields)
		}
	}
	req := httptest.NewRequest(
		http.MethodPost,
		"/api/v1/assets/"+f.asset.ID+"/versions",
		strings.NewReader("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nno closing boundary"),
	)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	decodeError(t, f.do(t, req), http.StatusBadRequest, "bad_request")
	if v, o := f.stored(t); v != 0 || o != 0 {
		t.Fatalf("after refused uploads: %d versions, %d objects", v, o)
	}
	f.spoolIsEmpty(t)
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}

// TestPolyglotsAreServedAsTheirDetectedType uploads files that are two
// formats at once. The product accepts each as the one type its bytes say
// first; a browser then gets exactly that type, with nosniff, as an
// attachment whose name carries that type's extension, so that it never runs
// or renders the other face of the file.
func TestPolyglotsAreServedAsTheirDetectedType(t *testing.T) {
	f := newUploadFixture(t)
	pdf := "%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
	script := "<html><body><script>alert(document.cookie)</script></body></html>"
	exe := peExecutable()
	stub := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 56)...)
	stub = append(stub, []byte("%PDF-1.4 inside the DOS stub\n")...)
	stub = append(stub, exe[2:]...)
	cases := []struct {
		name, filename string
		content        []byte
		mediaType      string
		download       string
	}{
		{
			"PDF with a ZIP appended",
			"deck.pdf",
			append([]byte(pdf), zipOf(t, zip.Deflate, [2]string{"payload.html", script})...),
			extract.PDF,
			"deck.pdf",
		},
		{"PDF header glued onto an executable", "setup.exe", append([]byte("%PDF-1.4\n"), exe...), extract.PDF, "setup.exe.pdf"},
		{"executable with %PDF- in its stub", "tool.exe", stub, extract.PDF, "tool.exe.pdf"},
		{"PDF that is also an HTML page", "page.html", []byte(pdf + script), extract.PDF, "page.html.pdf"},
		{"JPEG carrying an HTML payload", "photo.jpg", jpegWithComment(script), extract.JPEG, "photo.jpg"},
		{"HTML named as a PDF", "brochure.pdf", []byte("<!DOCTYPE html>" + script), extract.HTML, "brochure.pdf.html"},
		{
			"HTML behind a comment, named as text",
			"notes.TXT",
			[]byte("<!-- hello --><html><script>alert(1)</script></html>"),
			extract.HTML,
			"notes.TXT.html",
		},
		{
			"SVG with scripts",
			"logo.svg",
			[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`),
			extract.Text,
			"logo.svg.txt",
		},
		{"script without an HTML tag", "page.htm", []byte("<script>alert(1)</script>"), extract.Text, "page.htm.txt"},
		{"DOCX with an HTML chunk and a nested ZIP bomb", "piece.docx", docxOf(
			t,
			docxBody(compliantPiece),
			[2]string{
				"word/afchunk.html",
				script,
			},
			[2]string{"word/embeddings/inner.zip", string(declaredBomb(t, "word/document.xml"))},
		), extract.DOCX, "piece.docx"},
	}
	for i, c := range cases {
		content := c.content
		if c.mediaType == extract.Text || c.mediaType == extract.HTML {
			content = append(content, fmt.Sprintf("\n%d\n", i)...) // distinct bytes
		}
		v := decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, c.filename, content), http.StatusCreated)
		if v.MediaType != c.mediaType || v.Filename != c.filename {
			t.Errorf("%s: stored as %s %q, want %s %q", c.name, v.MediaType, v.Filename, c.mediaType, c.filename)
			continue
		}
		f.checkServed(t, v, content, c.mediaType, c.download)
	}
	if v, o := f.stored(t); v != len(cases) || o != len(cases) {
		t.Fatalf("%d versions and %d objects for %d uploads", v, o, len(cases))
	}
	f.spoolIsEmpty(t)
}

// TestZipBombsAreBoundedAndSentToManualReview uploads DOCX and PPTX files
// that expand far beyond the decompression budget, or are built to tire the
// reader out. Each is answered promptly without a 5xx; the product keeps it
// as a version whose text could not be read, and the checker asks for a
// manual review instead of passing it.
func TestZipBombsAreBoundedAndSentToManualReview(t *testing.T) {
	f := newUploadFixture(t)
	filler := strings.Repeat("<w:p/>", 100_000) // 600 KB each, compresses to a few KB
	var many [][2]string
	for i := 0; i < 1500; i++ {
		many = append(many, [2]string{fmt.Sprintf("word/media/i%d.bin", i), ""})
	}
	cases := []struct {
		name     string
		content  []byte
		text     string // text_status
		failWith string // in text_error
	}{
		{"DOCX declaring a 1 TiB part", declaredBomb(t, "word/document.xml"), domain.TextFailed, "zip bomb"},
		{"PPTX declaring a 1 TiB slide", pptxBomb(t), domain.TextFailed, "zip bomb"},
		{"DOCX whose header understates a 4 MiB part", lyingBomb(t), domain.TextFailed, "damaged"},
		{
			"DOCX whose parts together exceed the budget",
			docxOf(t, filler, [2]string{"word/styles.xml", "<w:styles " + wordNS + ">" + filler + "</w:styles>"}),
			domain.TextFailed,
			"zip bomb",
		},
		{
			"DOCX nested 20000 elements deep",
			docxOf(t, strings.Repeat("<w:sdt>", 20_000)+strings.Repeat("</w:sdt>", 20_000)),
			domain.TextFailed,
			"deep",
		},
		{"DOCX with 1500 entries", docxOf(t, docxBody(compliantPiece), many...), domain.TextOK, ""},
	}
	for _, c := range cases {
		if len(c.content) > testMaxUpload {
			t.Fatalf("%s: %d bytes, over the upload limit", c.name, len(c.content))
		}
		v := decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "bomb.docx", c.content), http.StatusCreated)
		if v.TextStatus != c.text || !strings.Contains(v.TextError, c.failWith) {
			t.Errorf("%s: text %s %q, want %s with %q", c.name, v.TextStatus, v.TextError, c.text, c.failWith)
		}
		if c.text != domain.TextFailed {
			continue
		}
		report := decode[domain.CheckReport](
			t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/compliance", f.medical, nil),
			http.StatusOK,
		)
		manual := false
		for _, fd := range report.Findings {
			manual = manual || (fd.RuleID == checker.RuleManualReview && fd.Severity == domain.SeverityError)
		}
		if report.Passed || !manual {
			t.Errorf("%s: compliance report %+v, want a blocking manual-review finding", c.name, report)
		}
	}
	f.spoolIsEmpty(t)
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", truncateForLog(f.logs.String()))
	}
}

// TestHostileFileNamesAndIDs sends path traversal, control and
// bidirectional characters and markup in upload file names, and in the IDs
// of paths. A name is kept only in sanitized form, never as a storage path,
// and never reaches a header raw; a hostile ID is a 4xx with the envelope.
func TestHostileFileNamesAndIDs(t *testing.T) {
	f := newUploadFixture(t)
	names := []string{
		"../../etc/passwd.txt", `..\..\windows\win.ini.txt`, "/etc/shadow.txt", `C:\Windows\System32\drivers\etc\hosts.txt`,
		"\u202etxt.exe", "tab\tand  spaces.txt", ".htaccess.txt", "...", "CON.txt", "%2e%2e%2fpasswd.txt",
		"<script>alert(1)</script>.txt", `quote" and ; semicolon.txt`, strings.Repeat("ß", 300) + ".txt", "\u2028line\u2029sep.txt", "",
	}
	lastID := ""
	for i, name := range names {
		content := []byte(fmt.Sprintf("%s%d\n", compliantPiece, i))
		rec := f.upload(t, f.marketer, f.asset.ID, name, content)
		if rec.Code != http.StatusCreated {
			t.Fatalf("file name %q: %d %s", name, rec.Code, rec.Body)
		}
		v := decode[domain.Version](t, rec, http.StatusCreated)
		got := v.Filename
		bad := got == "" || len(got) > 210 || strings.ContainsAny(got, `/\<>:"|?*;`) || strings.HasPrefix(got, ".") ||
			strings.Contains(got, "..")
		for _, r := range got {
			bad = bad || unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || r == '\u2028' || r == '\u2029'
		}
		if bad {
			t.Errorf("file name %q kept as %q", name, got)
		}
		download := got
		if !strings.HasSuffix(strings.ToLower(got), ".txt") {
			download += ".txt"
		}
		f.checkServed(t, v, content, extract.Text, download)
		lastID = v.ID
	}

	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/versions/..%2F..%2Fetc%2Fpasswd/content"},
		{http.MethodGet, "/api/v1/versions/%2e%2e/content"},
		{http.MethodGet, "/api/v1/versions/" + lastID + "%00/content"},
		{http.MethodGet, "/api/v1/versions/" + lastID + "%0D%0ASet-Cookie:%20fs=1/content"},
		{http.MethodGet, "/api/v1/library/..%5C..%5Cwindows/content"},
		{http.MethodGet, "/api/v1/library/%E2%80%AE/content"},
		{http.MethodGet, "/api/v1/versions/" + strings.Repeat("a", 5000)},
		{http.MethodPost, "/api/v1/versions/'%20OR%201=1--/withdraw"},
		{http.MethodPost, "/api/v1/assets/..%2F" + f.asset.ID + "/versions"},
		{http.MethodPost, "/api/v1/notices/%00/ack"},
		{http.MethodGet, "/api/v1/assets?q=a%00b"},
		{http.MethodGet, "/api/v1/library?q=a%00b"},
		{http.MethodGet, "/api/v1/assets/%00"},
	} {
		req := httptest.NewRequest(p.method, p.path, strings.NewReader(`{"reason":"Hostile reason"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.marketer)
		rec := f.do(t, req)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%s %s = %d", p.method, p.path, rec.Code)
			continue
		}
		var env errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code == "" {
			t.Errorf("%s %s = %d without the envelope: %s", p.method, p.path, rec.Code, rec.Body)
		}
		if len(rec.Result().Cookies()) != 0 || len(rec.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("%s %s set a cookie", p.method, p.path)
		}
	}
	f.spoolIsEmpty(t)
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}

// TestHostileJSONBodies sends nested, huge, malformed and mistyped JSON, and
// text PostgreSQL cannot hold, to the API's JSON endpoints: every answer is
// a 4xx with the envelope, and nothing changes.
func TestHostileJSONBodies(t *testing.T) {
	f := newApprovedFixtureOn(t, "postgres")
	f.publishFor(t, 24*time.Hour)
	rep := decode[domain.User](t, f.api(t, http.MethodGet, "/api/v1/me", f.rep, nil), http.StatusOK)
	vp := "/api/v1/versions/" + f.version.ID
	endpoints := []struct{ method, path, token string }{
		{http.MethodPost, "/api/v1/auth/login", ""},
		{http.MethodPut, "/api/v1/me/password", f.marketer},
		{http.MethodPost, "/api/v1/assets", f.marketer},
		{http.MethodPost, vp + "/reviews", f.medical},
		{http.MethodPost, vp + "/publish", f.marketer},
		{http.MethodPost, vp + "/withdraw", f.regulatory},
		{http.MethodPost, vp + "/comments", f.medical},
		{http.MethodPost, "/api/v1/assets/" + f.asset.ID + "/feedback", f.rep},
		{http.MethodPost, "/api/v1/users", f.admin},
		{http.MethodPatch, "/api/v1/users/" + rep.ID, f.admin},
		{http.MethodPut, "/api/v1/users/" + rep.ID + "/roles", f.admin},
		{http.MethodPut, "/api/v1/brands/ZELTRA/label", f.admin},
		{http.MethodPost, "/api/v1/brands/ZELTRA/claims", f.admin},
		{http.MethodPost, "/api/v1/campaigns", f.marketer},
	}
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	bodies := []string{
		`{"reason":` + nested(400) + `}`, // deep, within the body limit
		strings.Repeat(`{"a":`, 150) + `1` + strings.Repeat("}", 150),
		nested(100_000), // deeper than any parser should go, over the body limit
		`{"text":"` + strings.Repeat("x", 1<<20) + `"}`, // huge
		`{"reason":42,"expires_at":12345,"function":["medical"],"decision":{"x":1},"password":true,` +
			`"roles":"admin","tags":"launch","email":[],"disabled":"yes","kind":7}`,
		`{"expires_at":"9999-99-99T99:99:99Z"}`, `{"expires_at":1e400}`, `{"reason":"\ud800"}`, `{"reason":"\u0000\u0000"}`,
		`[]`, `"string"`, `12`, `{"a":1}{"b":2}`, `{"reason":"ok reason",}`, "{\"reason\":\"\xff\"}", `{"__proto__":{"admin":true}}`,
		"", "\x00\x00\x00\x00", `{"roles":[{"role":"admin","brand":"*"}],"roles":"x"}`,
		`{"reason":"Recall\u0000 of this piece"}`, `{"kind":"objection","text":"Renal\u0000 dosing"}`,
		`{"email":"rep\u0000@example.com","password":"a-sound-password-42"}`,
	}
	sent := 0
	for _, e := range endpoints {
		for bi, body := range bodies {
			for _, chunked := range []bool{false, true} {
				if chunked && int64(len(body)) <= f.cfg.MaxBodyBytes {
					continue
				}
				req := httptest.NewRequest(e.method, e.path, strings.NewReader(body))
				if chunked {
					req.ContentLength = -1
				}
				req.Header.Set("Content-Type", "application/json")
				if e.token != "" {
					req.Header.Set("Authorization", "Bearer "+e.token)
				}
				rec := f.do(t, req)
				sent++
				if rec.Code < 400 || rec.Code >= 500 {
					t.Errorf("%s %s with body %d = %d: %s", e.method, e.path, bi, rec.Code, truncateForLog(rec.Body.String()))
					continue
				}
				var env errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
					t.Errorf(
						"%s %s with body %d = %d without the envelope: %s",
						e.method,
						e.path,
						bi,
						rec.Code,
						truncateForLog(rec.Body.String()),
					)
				}
				if int64(len(body)) > f.cfg.MaxBodyBytes && rec.Code != http.StatusRequestEntityTooLarge {
					t.Errorf("%s %s with a %d-byte body = %d, want 413", e.method, e.path, len(body), rec.Code)
				}
			}
		}
	}
	// Nothing changed: the piece is still published and in the rep's
	// library, the rep keeps their role, no asset or feedback appeared.
	if v := decode[domain.Version](t, f.api(t, http.MethodGet, vp, f.marketer, nil), http.StatusOK); v.State != domain.StatePublished {
		t.Errorf("version state after the hostile bodies: %s", v.State)
	}
	if lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK); len(lib.Items) != 1 {
		t.Errorf("rep library after the hostile bodies: %+v", lib.Items)
	}
	if a := decode[domain.AssetPage](t, f.api(t, http.MethodGet, "/api/v1/assets", f.marketer, nil), http.StatusOK); len(a.Assets) != 1 {
		t.Errorf("%d assets after the hostile bodies", len(a.Assets))
	}
	if fb := decode[struct{ Feedback []domain.Feedback }](t, f.api(t, http.MethodGet, "/api/v1/feedback", f.marketer, nil),
		http.StatusOK); len(
		fb.Feedback,
	) != 0 {
		t.Errorf("feedback after the hostile bodies: %+v", fb.Feedback)
	}
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
	t.Logf("%d hostile JSON requests", sent)
}

// TestWebFormsRefuseForgedRequests: a signed-in browser's session posting a
// web form without the page's CSRF token, with a wrong or another session's
// token, without the CSRF cookie, or from another site, is refused with 403
// and an HTML error page, and nothing changes; the same forms with the
// page's token then work, so each refusal was the token's doing.
func TestWebFormsRefuseForgedRequests(t *testing.T) {
	f := newApprovedFixtureOn(t, "sqlite")
	f.publishFor(t, 24*time.Hour)
	signIn := func(email, page string) (*webClient, string) { return signedInWeb(t, f.testServer, email, page) }
	marketer, marketerTok := signIn("marketer@example.com", "/assets/new")
	rep, repTok := signIn("rep@example.com", "/library")
	admin, adminTok := signIn("admin@example.com", "/admin/users/new")

	forms := []struct {
		name   string
		w      *webClient
		token  string
		path   string
		form   url.Values
		status int // with the right token
	}{
		{
			"new asset",
			marketer,
			marketerTok,
			"/assets",
			url.Values{"job_code": {"ZEL-CSRF-1"}, "title": {"Forged"}, "brand": {"ZELTRA"}, "audience": {"hcp"}, "channel": {"email"}},
			http.StatusSeeOther,
		},
		{
			"feedback",
			rep,
			repTok,
			"/library/" + f.asset.ID + "/feedback",
			url.Values{"kind": {"objection"}, "text": {"Forged feedback."}},
			http.StatusSeeOther,
		},
		{
			"new user",
			admin,
			adminTok,
			"/admin/users",
			url.Values{
				"email":        {"forged@example.com"},
				"display_name": {"Forged"},
				"password":     {"a sound password 1"},
				"roles":        {"rep:ZELTRA"},
			},
			http.StatusSeeOther,
		},
		{
			"withdrawal",
			marketer,
			marketerTok,
			"/versions/" + f.version.ID + "/withdraw",
			url.Values{"reason": {"Forged withdrawal"}, "confirm": {"on"}},
			http.StatusSeeOther,
		},
		{"sign-out", marketer, marketerTok, "/logout", url.Values{}, http.StatusSeeOther},
	}
	type forgery struct {
		name    string
		token   func(own, other string) string
		headers map[string]string
		inQuery bool // the token travels in the URL's query string
	}
	forgeries := []forgery{
		{name: "no token", token: func(string, string) string { return "" }},
		{name: "wrong token", token: func(string, string) string { return "forged-token-value-0123456789abcdef" }},
		{name: "another session's token", token: func(_, other string) string { return other }},
		{name: "token in the query string", token: func(own, _ string) string { return own }, inQuery: true},
		{name: "cross-site post with the right token", token: func(own, _ string) string { return own },
			headers: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}},
		{
			name:    "cross-site post with the right token from a browser without Sec-Fetch-Site",
			token:   func(own, _ string) string { return own },
			headers: map[string]string{"Origin": "https://evil.example"},
		},
		{name: "post with the right token from an opaque origin", token: func(own, _ string) string { return own },
			headers: map[string]string{"Origin": "null"}},
		{name: "same-site post without a token", token: func(string, string) string { return "" },
			headers: map[string]string{"Origin": "https://intranet.fairshelf.test", "Sec-Fetch-Site": "same-site"}},
	}
	post := func(w *webClient, path string, form url.Values, fg forgery) *httptest.ResponseRecorder {
		if fg.inQuery {
			path += "?" + url.Values{"_csrf": form["_csrf"]}.Encode()
			form.Del("_csrf")
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range fg.headers {
			req.Header.Set(k, v)
		}
		for _, c := range w.cookies {
			req.AddCookie(c)
		}
		return f.do(t, req)
	}
	for i, fm := range forms {
		other := forms[(i+1)%len(forms)].token
		if other == fm.token {
			other = adminTok
		}
		for _, fg := range forgeries {
			form := url.Values{}
			for k, v := range fm.form {
				form[k] = v
			}
			if tok := fg.token(fm.token, other); tok != "" {
				form.Set("_csrf", tok)
			}
			rec := post(fm.w, fm.path, form, fg)
			if rec.Code != http.StatusForbidden || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
				!strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-Id")) {
				t.Errorf("%s, %s: %d %s", fm.name, fg.name, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
	}
	// The browser upload takes its token from a header; a wrong one stores nothing.
	req := httptest.NewRequest(
		http.MethodPost,
		"/assets/"+f.asset.ID+"/versions",
		strings.NewReader(
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\n"+compliantPiece+"\r\n--b--\r\n",
		),
	)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	req.Header.Set("X-CSRF-Token", "forged-token-value-0123456789abcdef")
	for _, c := range marketer.cookies {
		req.AddCookie(c)
	}
	if rec := f.do(t, req); rec.Code != http.StatusForbidden {
		t.Errorf("upload with a forged CSRF header = %d", rec.Code)
	}
	// With the page's token, an executable is refused with an HTML page.
	req = httptest.NewRequest(
		http.MethodPost,
		"/assets/"+f.asset.ID+"/versions",
		strings.NewReader(
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n"+string(peExecutable())+"\r\n--b--\r\n",
		),
	)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("X-CSRF-Token", marketerTok)
	for _, c := range marketer.cookies {
		req.AddCookie(c)
	}
	if rec := f.do(t, req); rec.Code != http.StatusUnsupportedMediaType ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("browser upload of an executable = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}

	// Nothing changed.
	if vs, err := f.store.Versions(context.Background(), f.asset.ID); err != nil || len(vs) != 1 || vs[0].State != domain.StatePublished {
		t.Fatalf("versions after the forged posts: %+v %v", vs, err)
	}
	if a := decode[domain.AssetPage](t, f.api(t, http.MethodGet, "/api/v1/assets?q=ZEL-CSRF-1", f.marketer, nil), http.StatusOK); len(
		a.Assets,
	) != 0 {
		t.Errorf("forged asset created: %+v", a.Assets)
	}
	if fb := decode[struct{ Feedback []domain.Feedback }](t, f.api(t, http.MethodGet, "/api/v1/feedback", f.marketer, nil),
		http.StatusOK); len(
		fb.Feedback,
	) != 0 {
		t.Errorf("forged feedback stored: %+v", fb.Feedback)
	}
	if rec := f.apiLogin(t, map[string]string{"email": "forged@example.com",
		"password": "a sound password 1"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("forged user can sign in: %d", rec.Code)
	}
	if rec := marketer.do(t, http.MethodGet, "/assets/new", nil); rec.Code != http.StatusOK {
		t.Errorf("forged sign-out ended the session: %d", rec.Code)
	}

	// The same forms with the page's own token do what they say, sent as a
	// browser without fetch metadata sends them from this site's own pages.
	sameOrigin := forgery{headers: map[string]string{"Origin": "http://example.com"}}
	for _, fm := range forms {
		form := url.Values{"_csrf": {fm.token}}
		for k, v := range fm.form {
			form[k] = v
		}
		if rec := post(fm.w, fm.path, form, sameOrigin); rec.Code != fm.status {
			t.Errorf("%s with the right token = %d, want %d", fm.name, rec.Code, fm.status)
		}
	}
	if vs, _ := f.store.Versions(context.Background(), f.asset.ID); len(vs) != 1 || vs[0].State != domain.StateWithdrawn {
		t.Errorf("withdrawal with the right token did not happen: %+v", vs)
	}
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}

// ---- hostile files ----

// peExecutable returns the start of a Windows executable: MZ header,
// e_lfanew pointing at a PE signature, and machine code.
func peExecutable() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03\x00\x00\x00\x04\x00")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00\x4c\x01\x03\x00")
	copy(b[0xc0:], "\x55\x89\xe5\x31\xc0\xc3") // push ebp; mov ebp, esp; xor eax, eax; ret
	return b
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// jpegWithComment returns a JPEG whose COM segment carries payload.
func jpegWithComment(payload string) []byte {
	b := []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	b = append(b, 0xFF, 0xFE, byte((len(payload)+2)>>8), byte(len(payload)+2))
	b = append(b, payload...)
	return append(b, 0xFF, 0xD9)
}

func zipOf(t *testing.T, method uint16, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="xml" ContentType="application/xml"/></Types>`

// docxBody returns word/document.xml body paragraphs, one per line of text.
func docxBody(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		b.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + line + `</w:t></w:r></w:p>`)
	}
	return b.String()
}

func docxOf(t *testing.T, body string, extra ...[2]string) []byte {
	files := [][2]string{
		{"[Content_Types].xml", docxContentTypes},
		{
			"word/document.xml",
			`<?xml version="1.0" encoding="UTF-8"?><w:document ` + wordNS + `><w:body>` + body + `</w:body></w:document>`,
		},
	}
	return zipOf(t, zip.Deflate, append(files, extra...)...)
}

// rawEntry adds a part whose header declares `declared` bytes; its deflated
// body is really `body`.
func rawEntry(t *testing.T, zw *zip.Writer, name string, body []byte, declared uint64) {
	t.Helper()
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
}

func plainEntry(t *testing.T, zw *zip.Writer, name, body string) {
	t.Helper()
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
}

// declaredBomb is a DOCX (or a ZIP) whose part declares itself 1 TiB.
func declaredBomb(t *testing.T, part string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	plainEntry(t, zw, "[Content_Types].xml", docxContentTypes)
	rawEntry(t, zw, part, bytes.Repeat([]byte("<w:p/>"), 1000), 1<<40)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pptxBomb is a PPTX whose only slide declares itself 1 TiB.
func pptxBomb(t *testing.T) []byte {
	const pNS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ` +
		`xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"`
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	plainEntry(t, zw, "[Content_Types].xml", docxContentTypes)
	plainEntry(
		t,
		zw,
		"ppt/presentation.xml",
		`<?xml version="1.0"?><p:presentation `+pNS+`><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>`,
	)
	plainEntry(
		t,
		zw,
		"ppt/_rels/presentation.xml.rels",
		`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" `+
			`Target="slides/slide1.xml"/></Relationships>`,
	)
	rawEntry(t, zw, "ppt/slides/slide1.xml", bytes.Repeat([]byte("<a:p/>"), 1000), 1<<40)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lyingBomb is a DOCX whose document part is 4 MiB but says 1 KiB.
func lyingBomb(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	plainEntry(t, zw, "[Content_Types].xml", docxContentTypes)
	body := append([]byte(`<w:document `+wordNS+`><w:body>`), bytes.Repeat([]byte("<w:p/>"), 4<<20/6)...)
	rawEntry(t, zw, "word/document.xml", body, 1024)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
