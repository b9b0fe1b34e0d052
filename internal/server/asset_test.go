package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// contentFixture is a server with two brands and a user per relevant role.
type contentFixture struct {
	*testServer
	admin, marketer, medical, rep, other string // tokens
}

func newContentFixture(t *testing.T) *contentFixture {
	return newContentFixtureOn(t, "sqlite")
}

func newContentFixtureOn(t *testing.T, backend string) *contentFixture {
	t.Helper()
	ts := newTestServerOn(t, backend, nil)
	ts.addBrand(t, "ZELTRA")
	ts.addBrand(t, "OTHER")
	ts.addUser(t, "admin@example.com", "admin")
	ts.addUser(t, "marketer@example.com", "marketer:ZELTRA")
	ts.addUser(t, "medical@example.com", "medical_reviewer:ZELTRA")
	ts.addUser(t, "rep@example.com", "rep:ZELTRA")
	ts.addUser(t, "other@example.com", "marketer:OTHER")
	return &contentFixture{testServer: ts,
		admin: ts.login(t, "admin@example.com"), marketer: ts.login(t, "marketer@example.com"),
		medical: ts.login(t, "medical@example.com"), rep: ts.login(t, "rep@example.com"), other: ts.login(t, "other@example.com")}
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder, want int) T {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d: %s", rec.Code, want, rec.Body)
	}
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return v
}

func (f *contentFixture) createAsset(t *testing.T, token, job, brand string, tags ...string) domain.Asset {
	t.Helper()
	return decode[domain.Asset](t, f.api(t, http.MethodPost, "/api/v1/assets", token, map[string]any{
		"job_code": job, "title": "Detail aid " + job, "brand": brand, "audience": "hcp", "channel": "detail_aid", "tags": tags,
	}), http.StatusCreated)
}

// upload sends a multipart upload with the given file content.
func (f *contentFixture) upload(t *testing.T, token, assetID, filename string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/assets/"+assetID+"/versions", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return f.do(t, req)
}

const pieceText = "ZELTRA (zeltaparin) reduces the risk of stroke.\nImportant Safety Information: serious bleeding can occur.\n"

func TestBrandsAPI(t *testing.T) {
	f := newContentFixture(t)
	label := map[string]any{
		"proprietary_name": "NOVIRA",
		"established_name": "noviramab",
		"indication":       "Adults with Y.",
		"isi_statements":   []string{"Infections."},
		"pi_reference":     "See full PI.",
	}
	b := decode[domain.Brand](
		t,
		f.api(t, http.MethodPost, "/api/v1/brands", f.admin, map[string]any{"code": "NOVIRA", "name": "Novira", "label": label}),
		http.StatusCreated,
	)
	if b.Label.Version != 1 || b.Label.MaxExpiryMonths != 12 || len(b.Label.RequiredFunctions) != 3 {
		t.Fatalf("brand = %+v", b)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/brands", f.admin, map[string]any{"code": "NOVIRA", "name": "Again", "label": label}),
		http.StatusConflict,
		"conflict",
	)
	d := decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/brands", f.admin, map[string]any{"code": "bad code", "name": "", "label": map[string]any{}}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	for _, k := range []string{"code", "name", "label.proprietary_name", "label.isi_statements", "label.pi_reference"} {
		if d.Fields[k] == "" {
			t.Errorf("no message for %s in %v", k, d.Fields)
		}
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/brands", f.marketer, map[string]any{"code": "X1", "name": "X", "label": label}),
		http.StatusForbidden,
		"forbidden",
	)
	list := decode[struct{ Brands []domain.Brand }](t, f.api(t, http.MethodGet, "/api/v1/brands", f.rep, nil), http.StatusOK)
	if len(list.Brands) != 1 || list.Brands[0].Code != "ZELTRA" {
		t.Fatalf("rep sees brands %+v", list.Brands)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/brands/OTHER", f.rep, nil), http.StatusNotFound, "not_found")
	decode[domain.Brand](t, f.api(t, http.MethodGet, "/api/v1/brands/OTHER", f.admin, nil), http.StatusOK)
}

func TestAssetsAPI(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-HCP-0001", "ZELTRA", "Launch", "launch")
	if a.Owner != "marketer Person" || len(a.Tags) != 1 {
		t.Fatalf("asset = %+v", a)
	}
	d := decodeError(
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/assets",
			f.marketer,
			map[string]any{"job_code": "x", "title": "", "brand": "ZELTRA", "audience": "everyone", "channel": "fax"},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	for _, k := range []string{"job_code", "title", "audience", "channel"} {
		if d.Fields[k] == "" {
			t.Errorf("no message for %s in %v", k, d.Fields)
		}
	}
	decodeError(
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/assets",
			f.marketer,
			map[string]any{"job_code": "zel-hcp-0001", "title": "Dup", "brand": "ZELTRA", "audience": "hcp", "channel": "email"},
		),
		http.StatusConflict,
		"conflict",
	)
	decodeError(
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/assets",
			f.marketer,
			map[string]any{"job_code": "OTH-1", "title": "Other", "brand": "OTHER", "audience": "hcp", "channel": "email"},
		),
		http.StatusForbidden,
		"forbidden",
	)
	decodeError(
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/assets",
			f.medical,
			map[string]any{"job_code": "ZEL-9", "title": "T", "brand": "ZELTRA", "audience": "hcp", "channel": "email"},
		),
		http.StatusForbidden,
		"forbidden",
	)

	got := decode[assetDetail](t, f.api(t, http.MethodGet, "/api/v1/assets/"+a.ID, f.medical, nil), http.StatusOK)
	if got.ID != a.ID || got.Versions == nil {
		t.Fatalf("asset detail = %+v", got)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/assets/"+a.ID, f.other, nil), http.StatusNotFound, "not_found")
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/assets/"+a.ID, f.rep, nil), http.StatusForbidden, "forbidden")
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/assets/no-such", f.marketer, nil), http.StatusNotFound, "not_found")
}

func TestUploadAndDownload(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-HCP-0002", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, `..\evil/"Detail Aid".txt`, []byte(pieceText)), http.StatusCreated)
	if v.MediaType != "text/plain" || v.Filename != "_Detail Aid_.txt" || v.Number != 1 || v.TextStatus != domain.TextOK {
		t.Fatalf("version = %+v", v)
	}
	// Reviewers may read and download, not upload.
	decodeError(t, f.upload(t, f.medical, a.ID, "x.txt", []byte("x")), http.StatusForbidden, "forbidden")
	decodeError(t, f.upload(t, f.other, a.ID, "x.txt", []byte("x")), http.StatusNotFound, "not_found")
	decodeError(
		t,
		f.upload(t, f.marketer, a.ID, "x.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00binary")),
		http.StatusUnsupportedMediaType,
		"unsupported_media_type",
	)
	decodeError(
		t,
		f.upload(t, f.marketer, a.ID, "big.txt", bytes.Repeat([]byte("a"), testMaxUpload+1)),
		http.StatusRequestEntityTooLarge,
		"too_large",
	)
	decodeError(
		t,
		f.upload(t, f.marketer, a.ID, "big.txt", bytes.Repeat([]byte("a"), testMaxUpload+2<<20)),
		http.StatusRequestEntityTooLarge,
		"too_large",
	)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/assets/"+a.ID+"/versions", strings.NewReader("not multipart"))
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	req.Header.Set("Content-Type", "text/plain")
	decodeError(t, f.do(t, req), http.StatusUnsupportedMediaType, "unsupported_media_type")
	var empty bytes.Buffer
	mw := multipart.NewWriter(&empty)
	mw.WriteField("other", "x")
	mw.Close()
	req = httptest.NewRequest(http.MethodPost, "/api/v1/assets/"+a.ID+"/versions", &empty)
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if d := decodeError(t, f.do(t, req), http.StatusUnprocessableEntity, "invalid"); d.Fields["file"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}

	get := func(token string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/versions/"+v.ID+"/content", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for k, val := range hdr {
			req.Header.Set(k, val)
		}
		return f.do(t, req)
	}
	rec := get(f.medical, nil)
	if rec.Code != http.StatusOK || rec.Body.String() != pieceText {
		t.Fatalf("download = %d %q", rec.Code, rec.Body)
	}
	h := rec.Header()
	if h.Get("ETag") != `"sha256-`+v.SHA256+`"` || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		!strings.Contains(h.Get("Content-Disposition"), `attachment; filename="_Detail Aid_.txt"`) ||
		!strings.Contains(h.Get("Content-Disposition"), "filename*=UTF-8''_Detail%20Aid_.txt") {
		t.Fatalf("headers = %v", h)
	}
	rec = get(f.marketer, map[string]string{"Range": "bytes=7-18"})
	if rec.Code != http.StatusPartialContent || rec.Body.String() != pieceText[7:19] ||
		rec.Header().Get("Content-Range") != fmt.Sprintf("bytes 7-18/%d", len(pieceText)) {
		t.Fatalf("range = %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := get(f.marketer, map[string]string{"If-None-Match": `"sha256-` + v.SHA256 + `"`}); rec.Code != http.StatusNotModified {
		t.Fatalf("conditional = %d", rec.Code)
	}
	if rec := get(f.marketer, map[string]string{"Range": "bytes=9999-"}); rec.Code != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("bad range = %d", rec.Code)
	}
	decodeError(t, get(f.other, nil), http.StatusNotFound, "not_found")
	decodeError(t, get(f.rep, nil), http.StatusForbidden, "forbidden")

	// The full download and the range count; the 304 and the refused ones do not.
	if downloads := f.auditCount(t, "version.download", v.ID); downloads != 2 {
		t.Fatalf("%d download audit events, want 2", downloads)
	}
	text := decode[struct {
		TextStatus string `json:"text_status"`
		Lines      []struct {
			Page, Line int
			Text       string
		} `json:"lines"`
	}](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/text", f.medical, nil), http.StatusOK)
	if text.TextStatus != "ok" || len(text.Lines) != 2 || text.Lines[1].Line != 2 {
		t.Fatalf("text = %+v", text)
	}
	got := decode[domain.Version](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID, f.medical, nil), http.StatusOK)
	if got.SHA256 != v.SHA256 {
		t.Fatalf("version = %+v", got)
	}
}

func TestListingFiltersAndPages(t *testing.T) {
	f := newContentFixture(t)
	var ids []string
	for i := 0; i < 5; i++ {
		tags := []string{"core"}
		if i%2 == 0 {
			tags = append(tags, "launch")
		}
		a := f.createAsset(t, f.marketer, fmt.Sprintf("ZEL-%04d", i), "ZELTRA", tags...)
		ids = append(ids, a.ID)
	}
	f.createAsset(t, f.other, "OTH-0001", "OTHER")
	decode[domain.Version](
		t,
		f.upload(t, f.marketer, ids[3], "p.txt", []byte("Mentions the rare word quetzal here.\n")),
		http.StatusCreated,
	)

	list := func(token, query string) domain.AssetPage {
		return decode[domain.AssetPage](t, f.api(t, http.MethodGet, "/api/v1/assets?"+query, token, nil), http.StatusOK)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {"2"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		p := list(f.marketer, q.Encode())
		for _, a := range p.Assets {
			seen = append(seen, a.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
		t.Fatalf("pages gave %v, want newest first %v", seen, ids)
	}
	if p := list(f.marketer, "tag=launch"); len(p.Assets) != 3 {
		t.Fatalf("tag filter: %d", len(p.Assets))
	}
	if p := list(f.marketer, "q=QUETZAL"); len(p.Assets) != 1 || p.Assets[0].ID != ids[3] || p.Assets[0].LatestVersion == nil {
		t.Fatalf("text query: %+v", p.Assets)
	}
	if p := list(f.marketer, "q=zel-0002"); len(p.Assets) != 1 {
		t.Fatalf("job code query: %d", len(p.Assets))
	}
	if p := list(f.marketer, "q=100%25"); len(p.Assets) != 0 {
		t.Fatalf("LIKE wildcards not escaped: %d", len(p.Assets))
	}
	if p := list(f.marketer, "state=draft"); len(p.Assets) != 1 {
		t.Fatalf("state filter: %d", len(p.Assets))
	}
	decodeError(
		t,
		f.api(t, http.MethodGet, "/api/v1/assets", f.admin, nil),
		http.StatusForbidden,
		"forbidden",
	) // admin is not a content role
	if p := list(f.other, ""); len(p.Assets) != 1 {
		t.Fatalf("other brand's marketer sees %d assets", len(p.Assets))
	}
	d := decodeError(
		t,
		f.api(t, http.MethodGet, "/api/v1/assets?state=lost&limit=0&cursor=garbage", f.marketer, nil),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["state"] == "" || d.Fields["limit"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/assets?cursor=garbage", f.marketer, nil), http.StatusUnprocessableEntity, "invalid")
}

func TestLibraryWebPages(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-WEB-1", "ZELTRA", "launch")
	decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.txt", []byte(pieceText)), http.StatusCreated)
	w := webSignIn(t, f.testServer, "marketer@example.com")

	rec := w.do(t, http.MethodGet, "/assets?q=zel-web", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ZEL-WEB-1") ||
		!strings.Contains(rec.Body.String(), "badge-draft") ||
		!strings.Contains(rec.Body.String(), "Waiting for you") ||
		!strings.Contains(rec.Body.String(), "submit it for MLR review") {
		t.Fatalf("assets page = %d %s", rec.Code, rec.Body)
	}
	rec = w.do(t, http.MethodGet, "/assets/"+a.ID, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "reduces the risk of stroke") || !strings.Contains(body, `data-upload`) ||
		!strings.Contains(body, "/static/upload.js") {
		t.Fatalf("asset page = %d %s", rec.Code, body)
	}
	// The new-asset form keeps input and shows field messages.
	tok := w.csrf(t, "/assets/new")
	rec = w.do(
		t,
		http.MethodPost,
		"/assets",
		url.Values{
			"_csrf":    {tok},
			"job_code": {"x"},
			"title":    {"My piece"},
			"brand":    {"ZELTRA"},
			"audience": {"hcp"},
			"channel":  {"email"},
		},
	)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `value="My piece"`) ||
		!strings.Contains(rec.Body.String(), "job_code-error") {
		t.Fatalf("invalid asset form = %d", rec.Code)
	}
	rec = w.do(
		t,
		http.MethodPost,
		"/assets",
		url.Values{
			"_csrf":    {tok},
			"job_code": {"ZEL-WEB-2"},
			"title":    {"My piece"},
			"brand":    {"ZELTRA"},
			"audience": {"hcp"},
			"channel":  {"email"},
			"tags":     {"a, b"},
		},
	)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create asset = %d %s", rec.Code, rec.Body)
	}
	// The browser upload needs the CSRF header, not a form field.
	var body2 bytes.Buffer
	mw := multipart.NewWriter(&body2)
	mw.WriteField("_csrf", tok)
	fw, _ := mw.CreateFormFile("file", "w.txt")
	fw.Write([]byte(pieceText))
	mw.Close()
	send := func(withHeader bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/assets/"+a.ID+"/versions", bytes.NewReader(body2.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Accept", "application/json")
		for _, c := range w.cookies {
			req.AddCookie(c)
		}
		if withHeader {
			req.Header.Set("X-CSRF-Token", tok)
		}
		return f.do(t, req)
	}
	if rec := send(false); rec.Code != http.StatusForbidden {
		t.Fatalf("upload without CSRF header = %d", rec.Code)
	}
	if rec := send(true); rec.Code != http.StatusCreated {
		t.Fatalf("upload = %d %s", rec.Code, rec.Body)
	}
	rec = w.do(
		t,
		http.MethodGet,
		"/versions/"+decode[domain.Asset](
			t,
			f.api(t, http.MethodGet, "/api/v1/assets/"+a.ID, f.marketer, nil),
			http.StatusOK,
		).LatestVersion.ID+"/content?disposition=inline",
		nil,
	)
	// A text piece is never shown inside the site, even when asked.
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("content asked inline = %d %v", rec.Code, rec.Header())
	}
}
