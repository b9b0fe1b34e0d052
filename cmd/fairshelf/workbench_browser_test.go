package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// Where the claim sits on the pieces below, in points on a US-letter page
// (612 × 792): one 12 pt line whose baseline is claimBaseline.
const (
	pieceLeft     = 72.0
	claimBaseline = 228.0
	lineGap       = 22.0
)

const (
	claimV1 = "ZELTRA is taken once daily, with or without food."
	claimV2 = "ZELTRA is taken once a day, with or without food."
)

// workbenchPiece is a one-page promotional PDF: the boxed warning, the
// product, the indication, claim on its own line at claimBaseline, and
// the Important Safety Information.
func workbenchPiece(t *testing.T, claim string) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(compliantDemoPiece), "\n")
	doc := fpdf.New("P", "pt", "Letter", "")
	doc.SetCompression(false)
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	y := claimBaseline - 3*lineGap
	for i, l := range lines {
		doc.Text(pieceLeft, y, l)
		y += lineGap
		if i == 2 { // after the indication
			doc.Text(pieceLeft, y, claim)
			y += lineGap
		}
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitFor evaluates the JavaScript expression until it is true, failing
// the test after limit.
func (b *browser) waitFor(what, expr string, limit time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot(strings.ReplaceAll(what, " ", "-") + "-timed-out")
			b.t.Fatalf("%s: not so after %s (%v)", what, limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// pageImageReady is true once the first page image of the workbench or of
// both sides of the compare page has been decoded.
// The workbench reloads itself once pages that were being prepared are
// all ready, so a page still waiting does not count.
const pageImageReady = `(() => { const wb = document.querySelector(".wb");
  if ((wb && wb.dataset.status === "pending") || document.querySelector(".cmp .wb-pending")) { return false; }
  const imgs = [...document.querySelectorAll("#page-1 img, #pair-1 img")];
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); })()`

// drag presses the left button at (x0, y0), moves to (x1, y1) in steps and
// releases it there, as a hand on a mouse would.
func drag(x0, y0, x1, y1 float64) chromedp.Action[chromedp.Void] {
	ev := func(typ input.DispatchMouseEventType, x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.MouseEvent(typ, x, y, func(p *input.DispatchMouseEventParams) {
			p.Button, p.Buttons, p.ClickCount = input.MouseButtonLeft, 1, 1
		})
	}
	steps := []chromedp.Action[chromedp.Void]{ev(input.DispatchMouseEventTypeMousePressed, x0, y0)}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		steps = append(steps, ev(input.DispatchMouseEventTypeMouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f))
	}
	return chromedp.Steps(append(steps, ev(input.DispatchMouseEventTypeMouseReleased, x1, y1))...)
}

// TestWorkbenchStoryInTheBrowser plays a review in the workbench: the
// marketer submits a PDF piece, the medical reviewer draws a comment over
// its claim and asks for changes, the marketer answers and uploads version
// 2 with the claim changed, the comment follows to version 2, the compare
// page boxes the change and calls the comment addressed, and the reviewer
// resolves it and signs. A PDF that runs script when opened is then shown
// in the workbench without its script running.
func TestWorkbenchStoryInTheBrowser(t *testing.T) {
	base, _ := startServe(t, environ("FAIRSHELF_DATA_DIR", t.TempDir()), "--demo")
	token := apiLogin(t, base, "marketer@demo.test")
	assetID := leaveBehind(t, base, token, "ZEL-HCP-WB1", "ZELTRA dosing leave-behind")
	v1, status := uploadVersion(t, base, token, assetID, "leave-behind-v1.pdf", workbenchPiece(t, claimV1))
	if status != "ok" {
		t.Fatalf("the text of version 1 could not be read: %s", status)
	}

	b := newBrowser(t, base)
	var mu sync.Mutex
	var dialogs []string
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, e.Message)
			mu.Unlock()
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	desktop := func() { b.do("desktop", chromedp.EmulateViewport(1366, 768)) }
	desktop()
	open := func(what, path string) {
		b.t.Helper()
		b.do(what, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS(`body`)))
		b.waitFor(what+" page image", pageImageReady, 90*time.Second)
	}

	// The marketer sees the draft in the workbench and submits it there.
	b.login("marketer@demo.test")
	open("marketer opens version 1", "/versions/"+v1)
	if embeds := eval[int](b, `document.querySelectorAll("iframe, embed, object, frame").length`); embeds != 0 {
		t.Fatalf("the workbench embeds %d documents", embeds)
	}
	b.shot("workbench-marketer-draft")
	b.do("submit", chromedp.Click(chromedp.CSS(`.wb-owner form[action$="/submit"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	b.logout()

	// The medical reviewer draws a rectangle over the claim and comments.
	b.login("medical@demo.test")
	open("reviewer opens version 1", "/versions/"+v1)
	sheet := eval[[]float64](b, `(() => { const r = document.querySelector("#page-1 .wb-sheet").getBoundingClientRect();
		return [r.left, r.top, r.width, r.height]; })()`)
	at := func(px, py float64) (float64, float64) { return sheet[0] + sheet[2]*px/612, sheet[1] + sheet[3]*py/792 }
	x0, y0 := at(pieceLeft-6, claimBaseline-14)
	x1, y1 := at(pieceLeft+300, claimBaseline+5)
	if vh := eval[float64](b, `window.innerHeight`); y1 > vh {
		t.Fatalf("the claim is below the fold (%.0f > %.0f)", y1, vh)
	}
	b.do("draw over the claim", drag(x0, y0, x1, y1), chromedp.WaitVisible(chromedp.CSS(`#wb-new-body`)))
	b.do("write the comment",
		chromedp.SendKeys(chromedp.CSS(`#wb-new-body`), "Dosing claim: quote the Prescribing Information wording."),
		chromedp.Click(chromedp.CSS(`.wb-new-comment button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wb-threads .wb-thread`)),
	)
	if th := b.text(`.wb-threads .wb-thread`); !strings.Contains(th, "quote the Prescribing Information wording") ||
		!strings.Contains(th, "taken once daily") {
		t.Fatalf("the new thread = %q, want the comment and the claim under the rectangle", th)
	}
	if pins := eval[int](b, `document.querySelectorAll("#page-1 .wb-pin").length`); pins != 1 {
		t.Fatalf("%d pins on page 1, want 1", pins)
	}
	b.shot("workbench-reviewer-comment-1366")
	b.logout()

	// The marketer answers while the review is open.
	b.login("marketer@demo.test")
	open("marketer opens the comment", "/versions/"+v1)
	b.do("reply",
		chromedp.Click(chromedp.CSS(`#tab-comments`)),
		chromedp.SendKeys(chromedp.CSS(`.wb-reply textarea`), "Reworded in version 2."),
		chromedp.Click(chromedp.CSS(`.wb-reply button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wb-replies li`)),
	)
	if r := b.text(`.wb-replies`); !strings.Contains(r, "Reworded in version 2.") {
		t.Fatalf("replies = %q", r)
	}
	b.logout()

	// The reviewer asks for changes from the decision panel.
	b.login("medical@demo.test")
	open("reviewer back on version 1", "/versions/"+v1)
	checkDecisionInView(b)
	b.do("request changes",
		chromedp.Click(chromedp.CSS(`label[for=d-changes]`)),
		chromedp.SendKeys(chromedp.CSS(`#decision-comment`), "See my comment on the dosing claim."),
		chromedp.Click(chromedp.CSS(`.wb-decision button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	b.logout()

	// The marketer uploads version 2 with the claim changed and submits it.
	b.login("marketer@demo.test")
	v2, status := uploadVersion(t, base, token, assetID, "leave-behind-v2.pdf", workbenchPiece(t, claimV2))
	if status != "ok" {
		t.Fatalf("the text of version 2 could not be read: %s", status)
	}
	open("marketer opens version 2", "/versions/"+v2)
	b.do("submit version 2", chromedp.Click(chromedp.CSS(`.wb-owner form[action$="/submit"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	b.logout()

	// The reviewer finds the comment carried to version 2.
	b.login("medical@demo.test")
	open("reviewer opens version 2", "/versions/"+v2)
	b.do("comments tab", chromedp.Click(chromedp.CSS(`#tab-comments`)), chromedp.WaitVisible(chromedp.CSS(`.wb-threads .wb-thread`)))
	if th := b.text(`.wb-threads .wb-thread`); !strings.Contains(th, "Carried from version 1") || !strings.Contains(th, "Open") ||
		!strings.Contains(th, "Reworded in version 2.") {
		t.Fatalf("the thread on version 2 = %q, want it carried from version 1, open, with the reply", th)
	}
	if link := b.text(`.wb-links`); !strings.Contains(link, "Compare with version 1") {
		t.Fatalf("no compare link: %q", link)
	}

	// The compare page boxes the change on both sides and calls the
	// comment addressed.
	for _, size := range [][2]int64{{1366, 768}, {1024, 768}} {
		b.do("compare size", chromedp.EmulateViewport(size[0], size[1]))
		open("compare", "/versions/"+v2+"/compare")
		if n := eval[int](b, `document.querySelectorAll(".cmp-old rect.cmp-del").length`); n == 0 {
			t.Error("the change is not boxed on version 1")
		}
		if n := eval[int](b, `document.querySelectorAll(".cmp-new rect.cmp-ins").length`); n == 0 {
			t.Error("the change is not boxed on version 2")
		}
		if ins := b.text(`.cmp-changes ins`); !strings.Contains(ins, "a day") {
			t.Errorf("the redline = %q, want the inserted words", ins)
		}
		if th := b.text(`.cmp-threads`); !strings.Contains(th, "Addressed") {
			t.Errorf("the comment on version 1 = %q, want Addressed", th)
		}
		b.shot(fmt.Sprintf("compare-%d", size[0]))
		if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); overflow {
			t.Errorf("the compare page overflows sideways at %d px", size[0])
		}
	}

	// The reviewer resolves the comment and signs.
	b.do("tablet", chromedp.EmulateViewport(1024, 768))
	open("reviewer on a tablet", "/versions/"+v2)
	b.shot("workbench-reviewer-1024")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); overflow {
		t.Error("the workbench overflows sideways at 1024 px")
	}
	desktop()
	open("reviewer back on the desktop", "/versions/"+v2)
	b.do("resolve",
		chromedp.Click(chromedp.CSS(`#tab-comments`)),
		chromedp.Click(chromedp.CSS(`.wb-thread [data-act=resolve]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wb-thread [data-act=reopen]`)),
	)
	if th := b.text(`.wb-threads .wb-thread`); !strings.Contains(th, "Resolved") {
		t.Fatalf("the resolved thread = %q", th)
	}
	b.shot("workbench-reviewer-resolved-1366")
	checkDecisionInView(b)
	b.do("approve",
		chromedp.SetValue(chromedp.CSS(`#decision-meaning`), "Approved as medically accurate"),
		chromedp.SendKeys(chromedp.CSS(`#decision-password`), demoPassword),
		chromedp.Click(chromedp.CSS(`.wb-decision button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
	)
	b.shot("reviewer-signed")

	// A PDF that runs script when opened shows as page images only.
	scripted := testenv.ScriptedPDF(strings.Split(strings.TrimSpace(compliantDemoPiece), "\n"),
		`app.alert("script of the piece ran"); console.error("script of the piece ran");`)
	jsAsset := leaveBehind(t, base, token, "ZEL-HCP-WB2", "ZELTRA scripted piece")
	js, _ := uploadVersion(t, base, token, jsAsset, "scripted.pdf", scripted)
	open("scripted piece", "/versions/"+js)
	b.do("linger", chromedp.Sleep(2*time.Second))
	b.shot("workbench-scripted-pdf")
	if embeds := eval[int](b, `document.querySelectorAll("iframe, embed, object, frame").length`); embeds != 0 {
		t.Errorf("the workbench embeds %d documents", embeds)
	}
	mu.Lock()
	seen := append([]string(nil), dialogs...)
	mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("JavaScript dialogs opened: %q", seen)
	}
	// The probe: a dialog of the test's own is seen.
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`alert("probe"); 1`)); err != nil {
		t.Fatalf("probe dialog: %v", err)
	}
	mu.Lock()
	if len(dialogs) != 1 || dialogs[0] != "probe" {
		t.Errorf("the dialog listener did not see the probe alone: %q", dialogs)
	}
	mu.Unlock()

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Fatalf("browser console errors: %v", b.errors)
	}
	t.Logf("screenshots in %s", b.artifacts)
}

// leaveBehind creates a ZELTRA leave-behind for healthcare professionals
// through the API and returns its id.
func leaveBehind(t *testing.T, base, token, jobCode, title string) string {
	t.Helper()
	body := fmt.Sprintf(`{"job_code":%q,"title":%q,"brand":"ZELTRA","audience":"hcp","channel":"leave_behind"}`, jobCode, title)
	return apiJSON(t, http.MethodPost, base+"/api/v1/assets", token, body)["id"].(string)
}

// checkDecisionInView fails unless the whole decision panel is on screen
// without scrolling.
func checkDecisionInView(b *browser) {
	b.t.Helper()
	box := eval[[]float64](b, `(() => { const r = document.querySelector(".wb-decision").getBoundingClientRect();
		return [r.top, r.bottom, window.innerHeight, window.scrollY]; })()`)
	if box[0] < 0 || box[1] > box[2] || box[3] != 0 {
		b.t.Fatalf("the decision panel spans %.0f–%.0f px of a %.0f px window (scrolled %.0f)", box[0], box[1], box[2], box[3])
	}
}
