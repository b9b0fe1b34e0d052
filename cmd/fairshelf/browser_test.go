package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// chromiumPath finds the browser for the end-to-end test: $FAIRSHELF_CHROMIUM
// or Debian's chromium.
func chromiumPath() (string, error) {
	if p := os.Getenv("FAIRSHELF_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium on PATH (apt-get install chromium)")
}

// browser drives one headless Chromium and records console errors.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
	step      int
	mu        sync.Mutex
	errors    []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe, err := chromiumPath()
	if err != nil {
		testenv.Unavailable(t, "Chromium", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	dir := os.Getenv("FAIRSHELF_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "fairshelf-e2e-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: base, artifacts: dir}
	// The first run starts the browser; the context must not carry a
	// timeout then, or the browser would stop with it.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("console.error: %v", e.Args))
				b.mu.Unlock()
			}
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			b.errors = append(b.errors, "exception: "+e.ExceptionDetails.Text)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	return b
}

// do runs browser actions, failing the test with the step's name.
func (b *browser) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot(name + "-failed")
		b.t.Fatalf("%s: %v", name, err)
	}
}

// shot saves a full-page screenshot of the current step.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.step++
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(b.artifacts, fmt.Sprintf("%02d-%s.png", b.step, name)), png, 0o644)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.shot("read-failed")
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func (b *browser) login(email string) {
	b.t.Helper()
	b.do("login "+email,
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), demoPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`.session-user`)),
	)
}

func (b *browser) logout() {
	b.t.Helper()
	b.do("logout", chromedp.Click(chromedp.CSS(`.logout-form button`)), chromedp.WaitVisible(chromedp.CSS(`#email`)))
}

func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return strings.TrimPrefix(u, b.base)
}

const violatingPiece = "ZELTRA is the best and completely safe choice, guaranteed.\nAsk your doctor about ZELTRA.\n"

var compliantDemoPiece = strings.Join([]string{
	"WARNING: SERIOUS AND FATAL BLEEDING",
	"ZELTRA (zeltaparin) tablets",
	"ZELTRA is indicated for the reduction of the risk of stroke in adults with non-valvular atrial fibrillation.",
	"Important Safety Information",
	"ZELTRA can cause serious and fatal bleeding.",
	"Do not take ZELTRA if you have active pathological bleeding.",
	"Premature discontinuation of ZELTRA increases the risk of thrombotic events.",
	"Please see full Prescribing Information, including Boxed Warning.",
}, "\n") + "\n"

// TestStoryInTheBrowser plays the whole story through the web UI in a
// real, headless Chromium, one role after another, saving a screenshot of
// each step.
func TestStoryInTheBrowser(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, environ("FAIRSHELF_DATA_DIR", dir), "--demo")
	b := newBrowser(t, base)
	files := t.TempDir()
	bad, good := filepath.Join(files, "detail-aid-draft.txt"), filepath.Join(files, "detail-aid-fixed.txt")
	os.WriteFile(bad, []byte(violatingPiece), 0o600)
	os.WriteFile(good, []byte(compliantDemoPiece), 0o600)

	// Keyboard only: tab from the top of the login page to the e-mail
	// field, type, tab to the password, press Enter.
	b.do("keyboard login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	focused := ""
	for i := 0; i < 8 && focused != "email"; i++ {
		b.do("tab", chromedp.KeyEvent(kb.Tab))
		var err error
		focus := chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`)
		if focused, err = chromedp.Run(b.ctx, focus); err != nil {
			t.Fatal(err)
		}
	}
	if focused != "email" {
		t.Fatalf("the e-mail field cannot be reached with the Tab key (focus on %q)", focused)
	}
	b.do(
		"keyboard login",
		chromedp.KeyEvent("marketer@demo.test"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(demoPassword),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`.session-user`)),
	)
	b.logout()

	// The marketer lands on the library of assets and creates one.
	b.login("marketer@demo.test")
	if loc := b.location(); !strings.HasPrefix(loc, "/assets") {
		t.Fatalf("marketer landed on %s", loc)
	}
	b.shot("marketer-landing")
	b.do("new asset",
		chromedp.Navigate(base+"/assets/new"),
		chromedp.SendKeys(chromedp.CSS(`#job_code`), "ZEL-HCP-E2E1"),
		chromedp.SendKeys(chromedp.CSS(`#title`), "ZELTRA HCP detail aid"),
		chromedp.Submit(chromedp.CSS(`#title`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-upload]`)),
	)
	assetURL := b.location()
	upload := func(path string) {
		b.do("upload "+filepath.Base(path),
			chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{path}),
			chromedp.Click(chromedp.CSS(`form[data-upload] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#check-heading`)),
			chromedp.Sleep(300*time.Millisecond),
		)
	}
	upload(bad)
	if report := b.text(`#check-heading + p`); !strings.Contains(report, "failed") {
		t.Fatalf("failing piece report: %q", report)
	}
	b.shot("findings-of-failing-piece")
	upload(good)
	if report := b.text(`#check-heading + p`); !strings.Contains(report, "passed") {
		t.Fatalf("fixed piece report: %q", report)
	}
	b.do("submit", chromedp.Click(chromedp.CSS(`form[action$="/submit"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	b.shot("submitted")
	b.logout()

	for _, r := range []struct{ email, function string }{
		{"medical@demo.test", "medical"},
		{"legal@demo.test", "legal"},
		{"regulatory@demo.test", "regulatory"},
	} {
		b.login(r.email)
		if loc := b.location(); loc != "/reviews" {
			t.Fatalf("%s landed on %s", r.function, loc)
		}
		b.shot(r.function + "-queue")
		b.do(r.function+" opens the piece", chromedp.Click(chromedp.CSS(`table a`)), chromedp.WaitVisible(chromedp.CSS(`.decision-form`)))
		b.do(r.function+" signs",
			chromedp.SetValue(chromedp.CSS(`#decision-meaning`), "Approved in "+r.function+" review"),
			chromedp.SendKeys(chromedp.CSS(`#decision-password`), demoPassword),
			chromedp.Click(chromedp.CSS(`.decision-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
		)
		b.shot(r.function + "-signed")
		b.logout()
	}

	b.login("marketer@demo.test")
	b.do("publish", chromedp.Navigate(base+assetURL), chromedp.WaitVisible(chromedp.CSS(`.publish-form`)),
		chromedp.Click(chromedp.CSS(`.publish-form button`)), chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	b.shot("published")
	b.logout()

	// The rep, on a tablet.
	b.do("tablet width", chromedp.EmulateViewport(768, 1024))
	b.login("rep@demo.test")
	if loc := b.location(); !strings.HasPrefix(loc, "/library") {
		t.Fatalf("rep landed on %s", loc)
	}
	if !strings.Contains(b.text(`.pieces`), "ZELTRA HCP detail aid") {
		t.Fatal("the rep's library lacks the piece")
	}
	b.shot("rep-library-tablet")
	attr, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(`.piece a.button`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	href := attr.Value
	b.do("feedback",
		chromedp.Click(chromedp.CSS(`.piece details summary`)),
		chromedp.SendKeys(chromedp.CSS(`.piece textarea`), "Cardiologists ask about renal dosing."),
		chromedp.Submit(chromedp.CSS(`.piece textarea`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	b.shot("feedback-sent")
	// The piece is a download, never opened inside the site.
	got, err := chromedp.Run(
		b.ctx,
		chromedp.Evaluate[string](
			`fetch(`+strconv.Quote(href)+`).then(r => r.status + " " + r.headers.get("Content-Disposition"))`,
			chromedp.EvalAwaitPromise,
		),
	)
	if err != nil || !strings.HasPrefix(got, "200 attachment;") {
		t.Fatalf("download of the piece = %q (%v)", got, err)
	}
	b.do("back", chromedp.Navigate(base+"/library"), chromedp.WaitVisible(chromedp.CSS(`.pieces`)))
	b.logout()
	b.do("desktop width", chromedp.EmulateViewport(1280, 900))

	b.login("marketer@demo.test")
	b.do("analytics dashboard", chromedp.Navigate(base+"/analytics"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	charts, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	if err != nil || charts != 4 {
		t.Fatalf("dashboard shows %d charts (%v), want 4", charts, err)
	}
	usageChart := chromedp.Evaluate[string](`document.querySelector("#usage-heading + svg").textContent`)
	if usage, _ := chromedp.Run(b.ctx, usageChart); !strings.Contains(usage, "ZEL-HCP-E2E1") {
		t.Fatalf("the usage chart does not show the downloaded piece: %q", usage)
	}
	b.shot("analytics-dashboard")
	b.do("withdraw",
		chromedp.Navigate(base+assetURL),
		chromedp.Click(chromedp.CSS(`.danger-zone summary`)),
		chromedp.SendKeys(chromedp.CSS(`#withdraw-reason`), "Superseded by updated safety data"),
		chromedp.Click(chromedp.CSS(`#withdraw-confirm`)),
		chromedp.Click(chromedp.CSS(`.danger-zone button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	b.shot("withdrawn")
	b.logout()

	b.login("rep@demo.test")
	if !strings.Contains(b.text(`.notices`), "Superseded by updated safety data") {
		t.Fatal("no withdrawal notice for the rep")
	}
	b.shot("rep-notice")
	b.do("acknowledge", chromedp.Click(chromedp.CSS(`.notices button`)), chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	b.do("gone", chromedp.Navigate(base+href))
	body := b.text(`body`)
	if !strings.Contains(body, "410") && !strings.Contains(strings.ToLower(body), "withdrawn") {
		t.Fatalf("withdrawn piece still opens: %q", body)
	}
	b.shot("rep-cannot-open")
	b.do("home", chromedp.Navigate(base+"/library"), chromedp.WaitVisible(chromedp.CSS(`.pieces`)))
	b.logout()

	b.login("auditor@demo.test")
	if loc := b.location(); !strings.HasPrefix(loc, "/audit") {
		t.Fatalf("auditor landed on %s", loc)
	}
	if !strings.Contains(b.text(`main`), "hash chain is intact") {
		t.Fatal("audit chain not verified on the auditor's page")
	}
	b.shot("auditor-verifies")

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Fatalf("browser console errors: %v", b.errors)
	}
	t.Logf("screenshots in %s", b.artifacts)
}

// sendJSON sends req and decodes its JSON answer into out, failing the
// test unless the status is want.
func sendJSON(t *testing.T, req *http.Request, want int, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
		}
	}
}

// uploadVersion uploads content as a new version of the asset through the
// API and returns the version's ID.
func uploadVersion(t *testing.T, base, token, assetID, filename string, content []byte) (id, textStatus string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/assets/"+assetID+"/versions", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	var v struct {
		ID         string `json:"id"`
		MediaType  string `json:"media_type"`
		TextStatus string `json:"text_status"`
	}
	sendJSON(t, req, http.StatusCreated, &v)
	if v.MediaType != "application/pdf" {
		t.Fatalf("the piece was stored as %q", v.MediaType)
	}
	return v.ID, v.TextStatus
}

// TestScriptedPDFNeverRunsInTheBrowser uploads a PDF whose OpenAction runs
// JavaScript (an alert and a console error), then a reviewer opens its
// asset page and its content URLs in a real Chromium: no dialog opens and
// the piece's script logs nothing. A probe alert of the test's own proves
// that a dialog would have been seen.
func TestScriptedPDFNeverRunsInTheBrowser(t *testing.T) {
	base, _ := startServe(t, environ("FAIRSHELF_DATA_DIR", t.TempDir()), "--demo")
	token := apiLogin(t, base, "marketer@demo.test")
	asset := apiJSON(t, http.MethodPost, base+"/api/v1/assets", token,
		`{"job_code":"ZEL-HCP-JS1","title":"ZELTRA scripted leave-behind","brand":"ZELTRA","audience":"hcp","channel":"leave_behind"}`)
	assetID, _ := asset["id"].(string)
	pdf := testenv.ScriptedPDF(strings.Split(strings.TrimSpace(compliantDemoPiece), "\n"),
		`app.alert("script of the piece ran"); console.error("script of the piece ran");`)
	versionID, textStatus := uploadVersion(t, base, token, assetID, "leave-behind.pdf", pdf)
	if textStatus != "ok" {
		t.Fatalf("the scripted PDF's text could not be read (%s); the test would prove nothing", textStatus)
	}

	b := newBrowser(t, base)
	var mu sync.Mutex
	var dialogs []string
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, e.Message)
			mu.Unlock()
			// A dialog blocks the page until it is answered; answer it
			// from another goroutine, as Listen's callback must not call.
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// Downloads are refused, so that the attachment URLs below stay
	// navigations the browser ends, not files on disk.
	deny := cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny}
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, deny); err != nil {
		t.Fatal(err)
	}
	b.login("medical@demo.test")
	b.do(
		"asset page",
		chromedp.Navigate(base+"/assets/"+assetID),
		chromedp.WaitVisible(chromedp.CSS(`#preview-heading`)),
		chromedp.Sleep(2*time.Second),
	)
	b.shot("scripted-pdf-asset-page")
	if facts := b.text(`.file-facts`); !strings.Contains(facts, "application/pdf") {
		t.Errorf("file facts = %q", facts)
	}
	if text := b.text(`.text-lines`); !strings.Contains(text, "Important Safety Information") {
		t.Errorf("extracted text = %q", text)
	}
	embeds, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("iframe, embed, object, frame").length`))
	if err != nil || embeds != 0 {
		t.Errorf("the asset page holds %d embedded documents (%v)", embeds, err)
	}
	for _, path := range []string{"/versions/" + versionID + "/content?disposition=inline", "/versions/" + versionID + "/content"} {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		// Navigating to an attachment ends in an aborted load; that is
		// the point, not a failure.
		_ = chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.Sleep(2*time.Second))
		cancel()
	}
	b.do("back to the asset page", chromedp.Navigate(base+"/assets/"+assetID), chromedp.WaitVisible(chromedp.CSS(`#preview-heading`)))

	mu.Lock()
	seen := append([]string(nil), dialogs...)
	mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the piece opened JavaScript dialogs: %q", seen)
	}
	b.mu.Lock()
	for _, e := range b.errors {
		if strings.Contains(e, "script of the piece") {
			t.Errorf("the piece's script ran: %s", e)
		}
	}
	b.mu.Unlock()

	// The probe: a dialog of the test's own is seen.
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`alert("probe"); 1`)); err != nil {
		t.Fatalf("probe dialog: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) != len(seen)+1 || dialogs[len(dialogs)-1] != "probe" {
		t.Fatalf("the dialog listener did not see the probe: %q", dialogs)
	}
}
