package server

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/render"
	"github.com/fairshelf/fairshelf/internal/rendition"
)

var (
	engineOnce sync.Once
	engine     *render.Engine
)

// testEngine is PDFium, compiled once per test binary (its compiled code
// is cached between runs in the user's cache folder).
func testEngine(t testing.TB) *render.Engine {
	t.Helper()
	engineOnce.Do(func() {
		dir, _ := os.UserCacheDir()
		if dir != "" {
			dir = filepath.Join(dir, "fairshelf", "pdfium")
		}
		engine = render.New(render.Config{CacheDir: dir}, slog.New(slog.DiscardHandler))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := engine.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return engine
}

// makePages runs the rendition service of the server under test until
// nothing is pending, as the background job does after an upload.
func (ts *testServer) makePages(t testing.TB) {
	t.Helper()
	svc := rendition.New(ts.store, ts.objects, testEngine(t), ts.log, rendition.Options{Office: "-", Now: ts.clock.Now})
	if err := svc.Work(context.Background(), ts.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// promoPDF is a promotional piece with one paragraph per page, as fpdf
// writes it.
func promoPDF(t testing.TB, pages ...string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetFont("Helvetica", "", 14)
	for _, text := range pages {
		pdf.AddPage()
		pdf.SetXY(72, 72)
		pdf.MultiCell(468, 20, text, "", "L", false)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	claimV1 = "ZELTRA reduced the risk of stroke by 35% compared with warfarin in the ZEPHYR trial."
	claimV2 = "ZELTRA reduced the risk of stroke by 21% compared with warfarin in the ZEPHYR trial."
	isiText = "Important Safety Information: ZELTRA can cause serious and fatal bleeding. See full Prescribing Information."
)

func TestPageImages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newContentFixtureOn(t, backend)
		a := f.createAsset(t, f.marketer, "ZEL-PG-1", "ZELTRA")
		v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.pdf", promoPDF(t, claimV1, isiText)), http.StatusCreated)
		base := "/api/v1/versions/" + v.ID + "/pages"

		pages := decode[pagesResponse](t, f.api(t, http.MethodGet, base, f.medical, nil), http.StatusOK)
		if pages.Status != domain.RenditionPending || len(pages.Pages) != 0 {
			t.Fatalf("pages before rendering = %+v", pages)
		}
		f.makePages(t)
		pages = decode[pagesResponse](t, f.api(t, http.MethodGet, base, f.medical, nil), http.StatusOK)
		if pages.Status != domain.RenditionReady || len(pages.Pages) != 2 {
			t.Fatalf("pages = %+v", pages)
		}
		p1 := pages.Pages[0]
		if p1.Number != 1 || math.Abs(p1.Width-612) > 1 || math.Abs(p1.Height-792) > 1 || p1.Image != base+"/1/image" ||
			p1.Thumbnail != base+"/1/thumbnail" {
			t.Fatalf("page 1 = %+v", p1)
		}

		rec := f.api(t, http.MethodGet, p1.Image, f.medical, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(rec.Body.Bytes(), []byte{0xff, 0xd8}) {
			t.Fatalf("image = %d %s", rec.Code, rec.Header())
		}
		etag := rec.Header().Get("ETag")
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "immutable") || etag == "" {
			t.Fatalf("image caching: Cache-Control %q, ETag %q", cc, etag)
		}
		req := httptest.NewRequest(http.MethodGet, p1.Image, nil)
		req.Header.Set("Authorization", "Bearer "+f.medical)
		req.Header.Set("If-None-Match", etag)
		if rec := f.do(t, req); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Fatalf("conditional image = %d, %d bytes", rec.Code, rec.Body.Len())
		}
		thumb := f.api(t, http.MethodGet, p1.Thumbnail, f.medical, nil)
		if thumb.Code != http.StatusOK || thumb.Body.Len() == 0 || thumb.Body.Len() >= rec.Body.Len() {
			t.Fatalf("thumbnail = %d, %d bytes", thumb.Code, thumb.Body.Len())
		}
		for _, path := range []string{base + "/3/image", base + "/0/image", base + "/x/thumbnail", base + "/99999999999999999999/image"} {
			decodeError(t, f.api(t, http.MethodGet, path, f.medical, nil), http.StatusNotFound, "not_found")
		}
		// Another brand's user learns nothing about the version.
		decodeError(t, f.api(t, http.MethodGet, base, f.other, nil), http.StatusNotFound, "not_found")
		decodeError(t, f.api(t, http.MethodGet, p1.Image, f.other, nil), http.StatusNotFound, "not_found")

		// A damaged image is never served; it is made again.
		r, err := f.store.Rendition(context.Background(), v.SHA256, v.MediaType, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.replaceObject(t, r.Pages[0].Image.Key, flipByte(f.api(t, http.MethodGet, p1.Image, f.medical, nil).Body.Bytes(), 700))
		decodeError(t, f.api(t, http.MethodGet, p1.Image, f.medical, nil), http.StatusServiceUnavailable, "unavailable")
		if got := decode[pagesResponse](t, f.api(t, http.MethodGet, base, f.medical, nil), http.StatusOK); got.Status != domain.RenditionPending {
			t.Fatalf("after damage the rendition is %q, want pending", got.Status)
		}
		f.makePages(t)
		if rec := f.api(t, http.MethodGet, p1.Image, f.medical, nil); rec.Code != http.StatusOK || rec.Header().Get("ETag") != etag {
			t.Fatalf("image made again = %d, ETag %q want %q", rec.Code, rec.Header().Get("ETag"), etag)
		}
	})
}

func TestRenditionStatusesByFileType(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-PG-2", "ZELTRA")
	status := func(name string, content []byte) pagesResponse {
		t.Helper()
		v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, name, content), http.StatusCreated)
		f.makePages(t)
		return decode[pagesResponse](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/pages", f.marketer, nil), http.StatusOK)
	}
	if got := status("piece.txt", []byte(claimV1+"\n"+isiText)); got.Status != domain.RenditionTextOnly || len(got.Pages) != 0 {
		t.Errorf("plain text = %+v, want text only", got)
	}
	if got := status("piece.png", sizedPNG(t, 2400, 1200)); got.Status != domain.RenditionReady || len(got.Pages) != 1 ||
		got.Pages[0].Width != 1600 || got.Pages[0].Height != 800 {
		t.Errorf("picture = %+v, want one page scaled to 1600 px", got)
	}
	broken := promoPDF(t, claimV1)
	broken = append(bytes.Clone(broken[:len(broken)/3]), []byte("garbage")...)
	if got := status("broken.pdf", broken); got.Status != domain.RenditionFailed || got.Reason == "" {
		t.Errorf("damaged PDF = %+v, want failed with a reason", got)
	}
}

func TestCommentThreadsOnPages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newContentFixtureOn(t, backend)
		a := f.createAsset(t, f.marketer, "ZEL-AN-1", "ZELTRA")
		v1 := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.pdf", promoPDF(t, claimV1, isiText)), http.StatusCreated)
		f.makePages(t)
		path := "/api/v1/versions/" + v1.ID + "/annotations"

		// The reviewer draws a box over the claim's first line; the server
		// reads the words under it and finds them on the page.
		thread := decode[domain.Annotation](t, f.api(t, http.MethodPost, path, f.medical, map[string]any{
			"page": 1, "rect": map[string]float64{"x": 0.05, "y": 0.08, "w": 0.9, "h": 0.03}, "quote": "",
			"body": "Which end point? @marketer@example.com", "parent_id": nil,
		}), http.StatusCreated)
		if !strings.Contains(thread.Quote, "ZELTRA reduced the risk") || thread.State != "open" || len(thread.Rects) == 0 ||
			thread.Rects[0].Y < 0.07 || thread.Rects[0].Y > 0.12 || thread.QuoteStart != 0 || thread.QuoteEnd <= thread.QuoteStart {
			t.Fatalf("thread = %+v", thread)
		}
		reply := decode[domain.Annotation](t, f.api(t, http.MethodPost, path, f.marketer, map[string]any{
			"body": "The primary end point; v2 says so.", "parent_id": thread.ID}), http.StatusCreated)
		if len(reply.Replies) != 1 || reply.Replies[0].Author != "marketer Person" {
			t.Fatalf("thread after reply = %+v", reply)
		}
		for _, bad := range []map[string]any{
			{"page": 1, "rect": map[string]float64{"x": 0.5, "y": 0.5, "w": 0.6, "h": 0.1}, "body": "outside the page"},
			{"page": 3, "rect": map[string]float64{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}, "body": "no such page"},
			{"page": 1, "rect": map[string]float64{"x": 0.1, "y": 0.1, "w": 0, "h": 0.1}, "body": "empty region"},
			{"page": 1, "body": "no region"},
			{"page": 1, "rect": map[string]float64{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}, "body": "  "},
		} {
			decodeError(t, f.api(t, http.MethodPost, path, f.medical, bad), http.StatusUnprocessableEntity, "invalid")
		}
		decodeError(t, f.api(t, http.MethodPost, path, f.medical, map[string]any{"body": "x", "parent_id": "nope"}),
			http.StatusNotFound, "not_found")
		// A rep may not comment; another brand's marketer does not see it.
		if rec := f.api(t, http.MethodPost, path, f.rep, map[string]any{"body": "x", "parent_id": thread.ID}); rec.Code < 400 {
			t.Fatalf("rep commented: %d", rec.Code)
		}
		decodeError(t, f.api(t, http.MethodGet, path, f.other, nil), http.StatusNotFound, "not_found")
		decodeError(t, f.api(t, http.MethodPost, "/api/v1/annotations/"+thread.ID+"/resolve", f.other, nil), http.StatusNotFound, "not_found")

		// Version 2 changes the figure: the thread follows, marked changed,
		// and the redline shows the change boxed on both versions' pages.
		v2 := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece-v2.pdf", promoPDF(t, claimV2, isiText)), http.StatusCreated)
		f.makePages(t)
		on2 := decode[struct{ Annotations []domain.Annotation }](t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+v2.ID+"/annotations", f.medical, nil), http.StatusOK).Annotations
		if len(on2) != 1 || on2[0].ID != thread.ID || on2[0].Anchor != domain.AnchorTextChanged || on2[0].CarriedFromVersion != 1 ||
			len(on2[0].Replies) != 1 {
			t.Fatalf("threads on version 2 = %+v", on2)
		}
		cmp := decode[comparison](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v2.ID+"/compare?with="+v1.ID, f.medical, nil),
			http.StatusOK)
		if len(cmp.Changes) != 1 || cmp.Changes[0].Kind != "replace" || cmp.Changes[0].Old != "35%" || cmp.Changes[0].New != "21%" ||
			len(cmp.Changes[0].Rects) != 1 || len(cmp.Changes[0].OldRects) != 1 || cmp.Changes[0].Page != 1 {
			t.Fatalf("changes = %+v", cmp.Changes)
		}
		if len(cmp.Annotations) != 1 || cmp.Annotations[0].ID != thread.ID || cmp.Annotations[0].Status != domain.ThreadAddressed {
			t.Fatalf("thread statuses = %+v", cmp.Annotations)
		}
		// Either order gives the same comparison.
		if back := decode[comparison](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v1.ID+"/compare?with="+v2.ID, f.medical, nil),
			http.StatusOK); len(back.Changes) != 1 || back.Changes[0].Old != "35%" {
			t.Fatalf("reversed comparison = %+v", back.Changes)
		}
		other := f.createAsset(t, f.marketer, "ZEL-AN-2", "ZELTRA")
		ov := decode[domain.Version](t, f.upload(t, f.marketer, other.ID, "x.txt", []byte("other piece")), http.StatusCreated)
		for _, with := range []string{"", ov.ID, "no-such-version"} {
			decodeError(t, f.api(t, http.MethodGet, "/api/v1/versions/"+v2.ID+"/compare?with="+with, f.medical, nil),
				http.StatusUnprocessableEntity, "invalid")
		}

		// Version 1's thread is closed there; it is answered on version 2.
		decodeError(t, f.api(t, http.MethodPost, path, f.marketer, map[string]any{"body": "late", "parent_id": thread.ID}),
			http.StatusConflict, "conflict")
		resolved := decode[domain.Annotation](t, f.api(t, http.MethodPost, "/api/v1/annotations/"+thread.ID+"/resolve", f.medical, nil),
			http.StatusOK)
		if resolved.State != "resolved" || resolved.ResolvedBy != "medical Person" || resolved.VersionNumber != 1 {
			t.Fatalf("resolved = %+v", resolved)
		}
		decodeError(t, f.api(t, http.MethodPost, "/api/v1/annotations/"+thread.ID+"/resolve", f.medical, nil), http.StatusConflict, "conflict")
		if got := decode[domain.Annotation](t, f.api(t, http.MethodPost, "/api/v1/annotations/"+thread.ID+"/reopen", f.marketer, nil),
			http.StatusOK); got.State != "open" {
			t.Fatalf("reopened = %+v", got)
		}
		for action, id := range map[string]string{"annotation.create": thread.ID, "annotation.reply": reply.Replies[0].ID,
			"annotation.resolve": thread.ID, "annotation.reopen": thread.ID} {
			if n := f.auditCount(t, action, id); n != 1 {
				t.Errorf("%s audited %d times", action, n)
			}
		}
	})
}

func TestRequestChangesNeedsAReasonOrAnOpenComment(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-RC-1", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.pdf", promoPDF(t, claimV1+" "+isiText)), http.StatusCreated)
	f.makePages(t)
	decode[map[string]any](t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/submit", f.marketer, nil), http.StatusCreated)
	decide := func() *httptest.ResponseRecorder {
		return f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/reviews", f.medical,
			map[string]any{"function": "medical", "decision": "request_changes", "comment": ""})
	}
	e := decodeError(t, decide(), http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(e.Fields["comment"], "open comment") {
		t.Fatalf("refusal = %+v", e)
	}
	decode[domain.Annotation](t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/annotations", f.medical, map[string]any{
		"page": 1, "rect": map[string]float64{"x": 0.05, "y": 0.08, "w": 0.9, "h": 0.03}, "body": "Add the end point."}), http.StatusCreated)
	if rec := decide(); rec.Code != http.StatusOK {
		t.Fatalf("request changes with an open comment = %d %s", rec.Code, rec.Body)
	}
	// The round closed: the version's comments are now a record.
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/annotations", f.medical, map[string]any{
		"page": 1, "rect": map[string]float64{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}, "body": "late"}), http.StatusConflict, "conflict")

	// The approval record lists the thread with its state, on screen and
	// in the PDF.
	w := webSignIn(t, f.testServer, "medical@example.com")
	page := w.do(t, http.MethodGet, "/versions/"+v.ID+"/approval-record", nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "Comment threads") ||
		!strings.Contains(page.Body.String(), "Add the end point.") {
		t.Fatalf("approval record = %d without the thread", page.Code)
	}
	rec := w.do(t, http.MethodGet, "/versions/"+v.ID+"/approval-record.pdf", nil)
	if text := pdfPlainText(t, rec.Body.Bytes()); !strings.Contains(text, "Add the end point.") || !strings.Contains(text, "Page 1, open") {
		t.Fatalf("approval PDF lacks the thread:\n%s", text)
	}
}

func sizedPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i % 251)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWorkbenchFormsReturnToTheWorkbench(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-WB-F", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.pdf", promoPDF(t, claimV1+" "+isiText)), http.StatusCreated)
	f.makePages(t)
	mw, tok := signedInWeb(t, f.testServer, "marketer@example.com", "/versions/"+v.ID)
	rec := mw.do(t, http.MethodPost, "/versions/"+v.ID+"/submit", url.Values{"_csrf": {tok}, "return": {"workbench"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/versions/"+v.ID {
		t.Fatalf("submit from the workbench = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	// A refused decision shows the workbench again with the problem and
	// what the reviewer wrote, never the password.
	rw, rtok := signedInWeb(t, f.testServer, "medical@example.com", "/versions/"+v.ID)
	rec = rw.do(t, http.MethodPost, "/versions/"+v.ID+"/reviews", url.Values{"_csrf": {rtok}, "return": {"workbench"},
		"function": {"medical"}, "decision": {"reject"}, "comment": {""}, "meaning": {"I reject"}, "password": {"wrong-secret-123"}})
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `class="wb-`) || !strings.Contains(body, "Explain why the piece is rejected") ||
		strings.Contains(body, "wrong-secret-123") || !strings.Contains(body, `value="reject" checked`) {
		t.Fatalf("refused decision = %d:\n%s", rec.Code, body)
	}
	// A comment on the whole page keeps no quote.
	whole := decode[domain.Annotation](t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/annotations", f.medical, map[string]any{
		"page": 1, "rect": map[string]float64{"x": 0, "y": 0, "w": 1, "h": 1}, "body": "Too busy overall."}), http.StatusCreated)
	if whole.Quote != "" {
		t.Fatalf("whole-page comment quotes %q", whole.Quote)
	}
}
