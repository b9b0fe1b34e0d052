package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func init() {
	pageSamples["workbench.html"] = func(sc pageScenario) view {
		return sampleWorkbench(&sc.page, domain.RenditionReady, true)
	}
	pageSamples["compare.html"] = func(sc pageScenario) view {
		return sampleCompare(&sc.page)
	}
}

// samplePages is a rendition of n US-letter pages as the web twin lists it.
func samplePages(versionID, status string, n int) pagesResponse {
	r := pagesResponse{Status: status, Pages: []pageJSON{}}
	for i := 1; i <= n; i++ {
		base := "/versions/" + versionID + "/pages/" + string(rune('0'+i))
		r.Pages = append(r.Pages, pageJSON{Number: i, Width: 612, Height: 792, Image: base + "/image", Thumbnail: base + "/thumbnail"})
	}
	return r
}

// sampleWorkbench is the workbench of version 2 of a piece, with findings,
// a carried thread with a reply, a review round, and the decision panel
// when decide is set. The scenario's title flows into user-written text.
func sampleWorkbench(d *pageData, status string, decide bool) workbenchView {
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	v := domain.Version{ID: "v2", AssetID: "a1", Number: 2, State: domain.StateInReview, Filename: d.Title + ".pdf",
		Uploader: d.Title, CreatedAt: at, MediaType: "application/pdf"}
	prev := domain.Version{ID: "v1", AssetID: "a1", Number: 1, State: domain.StateChangesRequested}
	data := workbenchData{
		Asset:    domain.Asset{ID: "a1", JobCode: "ZEL-HCP-1", Title: d.Title, Brand: "ZELTRA"},
		Version:  v,
		State:    stateWords(v.State),
		Previous: &prev,
		Pages:    samplePages(v.ID, status, 2),
		Report:   &domain.CheckReport{VersionID: "v2", Passed: false, CheckedAt: at},
		Findings: []wbFinding{{
			Finding: domain.Finding{ID: "f1", RuleID: "FB-ABSOLUTE", Severity: "error", Message: d.Title, Excerpt: d.Title,
				Page: 1, Line: 3},
			Title: "Absolute safety or efficacy words", Severity: "Must fix", Class: "error", Page: 1,
			Rects: `[{"x":0.1,"y":0.2,"w":0.5,"h":0.03}]`,
		}},
		Threads: threads([]domain.Annotation{{
			ID: "t1", VersionID: "v2", VersionNumber: 2, Page: 1, Rect: domain.Rect{X: 0.1, Y: 0.2, W: 0.5, H: 0.03},
			Quote: d.Title, Body: d.Title, Author: d.Title, CreatedAt: at, State: domain.AnnotationOpen,
			Anchor: domain.AnchorTextChanged, CarriedFromVersion: 1,
			Replies: []domain.AnnotationReply{{ID: "r1", Body: d.Title, Author: "Alice Marketer", CreatedAt: at}},
		}}),
		OpenThreads: 1,
		Notes:       []domain.Comment{{Author: d.Title, Body: d.Title, VersionNumber: 2, Page: 1, CreatedAt: at}},
		Rounds: roundsInWords([]domain.ReviewRound{{Number: 1, Kind: "initial", Status: "open", SubmittedAt: at, DueAt: at,
			Tasks: []domain.ReviewTask{
				{Function: "legal", Status: "approved", Comment: d.Title,
					Signature: &domain.SignatureRecord{PrintedName: d.Title, Meaning: d.Title, SignedAt: at}},
				{Function: "medical", Status: "open"},
			}}}),
		CanComment: true,
		CanUpload:  true,
	}
	if status == domain.RenditionTextOnly || status == domain.RenditionFailed {
		data.Pages = pagesResponse{Status: status, Reason: d.Title, Pages: []pageJSON{}}
		data.TextPages = textPages(markLines([]domain.TextLine{
			{Page: 1, Line: 1, Text: "ZELTRA (zeltaparin) tablets"},
			{Page: 1, Line: 3, Text: "ZELTRA is " + d.Title + " for everyone."},
			{Page: 2, Line: 1, Text: "Important Safety Information"},
		}, []domain.Finding{data.Findings[0].Finding}))
	}
	if decide {
		data.DecideFunctions = []wbChoice{{Value: "medical", Label: "Medical"}}
		data.DefaultMeaning = domain.DefaultMeaning("medical", domain.DecisionApprove)
	}
	return workbenchView{pageData: d, Data: data}
}

// sampleCompare is the comparison of versions 1 and 2 with one replaced
// claim and the threads of version 1 in each status.
func sampleCompare(d *pageData) compareView {
	v1 := domain.Version{ID: "v1", Number: 1, State: domain.StateChangesRequested, Filename: d.Title}
	v2 := domain.Version{ID: "v2", Number: 2, State: domain.StateInReview, Filename: d.Title}
	changes := []domain.TextChange{{Kind: "replace", Page: 1, OldPage: 1, Old: "completely safe", New: d.Title,
		Rects: []domain.Rect{{X: 0.1, Y: 0.2, W: 0.3, H: 0.03}}, OldRects: []domain.Rect{{X: 0.1, Y: 0.25, W: 0.35, H: 0.03}}},
		{Kind: "delete", Page: 2, OldPage: 2, Old: "guaranteed", Rects: []domain.Rect{{X: 0.5, Y: 0.5, W: 0.002, H: 0.03}}}}
	data := compareData{
		Asset: domain.Asset{ID: "a1", JobCode: "ZEL-HCP-1", Title: d.Title},
		This:  v2, Older: &v1, Newer: &v2, Others: []domain.Version{v1}, With: "v1",
		OlderState: stateWords(v1.State), NewerState: stateWords(v2.State),
		Pairs: pagePairs(samplePages("v1", domain.RenditionReady, 2).Pages, samplePages("v2", domain.RenditionReady, 1).Pages, changes),
	}
	for _, ch := range changes {
		data.Changes = append(data.Changes, wbChange{TextChange: ch, Label: "Changed"})
	}
	for _, st := range []string{"addressed", "open", "removed"} {
		label, class := threadStatusWords(st)
		data.Threads = append(data.Threads, wbThreadStatus{ThreadStatus: domain.ThreadStatus{ID: "t-" + st, Status: st, Page: 1,
			Quote: d.Title, Body: d.Title, State: domain.AnnotationOpen}, Label: label, Class: class})
	}
	return compareView{pageData: d, Data: data}
}

// parsePage renders v and parses it.
func parsePage(t *testing.T, v view) (string, *html.Node) {
	t.Helper()
	out := renderView(t, v)
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return out, doc
}

// noEmbeds fails if the page holds an embedded document of any kind: a
// piece is shown only as page images or as its text.
func noEmbeds(t *testing.T, doc *html.Node) {
	t.Helper()
	for _, tag := range []string{"iframe", "embed", "object", "frame"} {
		if n := find(doc, func(n *html.Node) bool { return n.Data == tag }); n != nil {
			t.Errorf("the page embeds an <%s>", tag)
		}
	}
	for _, img := range findAll(doc, func(n *html.Node) bool { return n.Data == "img" }) {
		if src := attr(img, "src"); strings.Contains(src, "/content") {
			t.Errorf("an image shows the file itself: %s", src)
		}
	}
}

func TestWorkbenchRendersEachRenditionStatus(t *testing.T) {
	pd := func() *pageData {
		return &pageData{Title: "ZELTRA detail aid", CSRFToken: pageToken, User: &pageUser{DisplayName: "Dr Medical"}}
	}
	for _, status := range []string{domain.RenditionPending, domain.RenditionReady, domain.RenditionFailed, domain.RenditionTextOnly} {
		t.Run(status, func(t *testing.T) {
			out, doc := parsePage(t, sampleWorkbench(pd(), status, true))
			noEmbeds(t, doc)
			checkLabels(t, doc)
			checkPostForms(t, doc)
			root := find(doc, func(n *html.Node) bool { return hasClass(n, "wb") })
			if root == nil || attr(root, "data-status") != status || attr(root, "data-version") != "v2" {
				t.Fatalf("no workbench root with status %s", status)
			}
			crumbs := find(doc, func(n *html.Node) bool { return n.Data == "nav" && attr(n, "aria-label") == "Breadcrumb" })
			if crumbs == nil || !strings.Contains(text(crumbs), "Assets") || !strings.Contains(text(crumbs), "ZEL-HCP-1") ||
				!strings.Contains(text(crumbs), "Version 2") {
				t.Error("breadcrumbs lack Assets › job code › Version 2")
			}
			if !strings.Contains(out, `href="/versions/v2/compare?with=v1"`) || !strings.Contains(out, "Compare with version 1") {
				t.Error("no link to compare with version 1")
			}
			pageImgs := findAll(doc, func(n *html.Node) bool {
				return n.Data == "img" && strings.HasSuffix(attr(n, "src"), "/image")
			})
			textView := find(doc, func(n *html.Node) bool { return hasClass(n, "wb-text") })
			switch status {
			case domain.RenditionReady, domain.RenditionPending:
				if len(pageImgs) != 2 || textView != nil {
					t.Errorf("%d page images and text view %v, want 2 images and no text view", len(pageImgs), textView != nil)
				}
				if (status == domain.RenditionPending) != strings.Contains(out, "Preparing pages") {
					t.Errorf("status %s: the waiting message is wrong", status)
				}
				if thumbs := findAll(doc, func(n *html.Node) bool { return hasClass(n, "wb-thumb") }); len(thumbs) != 2 {
					t.Errorf("%d thumbnails, want 2", len(thumbs))
				}
			case domain.RenditionTextOnly, domain.RenditionFailed:
				if len(pageImgs) != 0 || textView == nil {
					t.Fatalf("%d page images and text view %v, want the text view only", len(pageImgs), textView != nil)
				}
				if !strings.Contains(text(textView), "Important Safety Information") {
					t.Error("the text view lacks the piece's text")
				}
				if m := find(textView, func(n *html.Node) bool { return n.Data == "mark" }); m == nil || text(m) != "ZELTRA detail aid" {
					t.Error("the finding is not marked in the text")
				}
			}
			if status == domain.RenditionTextOnly && !strings.Contains(out, "Shown as extracted text — this file type has no page images") {
				t.Error("the text view is not labelled")
			}
			if status == domain.RenditionFailed && !hasRoleWithText(doc, "alert", "could not be shown") {
				t.Error("a failed rendition does not say so")
			}
		})
	}
}

func TestWorkbenchRailSpeaksUsersWords(t *testing.T) {
	out, doc := parsePage(t, sampleWorkbench(&pageData{Title: "Piece", CSRFToken: pageToken}, domain.RenditionReady, true))
	for _, want := range []string{"In review", "Must fix", "Absolute safety or efficacy words", "Carried from version 1", "Text changed",
		"Waiting for a decision", "Medical", "Legal", "Signed by Piece", "Resolve", "Reply", "Comments on the asset page"} {
		if !strings.Contains(out, want) {
			t.Errorf("the workbench does not say %q", want)
		}
	}
	for _, raw := range []string{">in_review<", ">FB-ABSOLUTE<", ">text_changed<", ">changes_requested<", ">medical<"} {
		if strings.Contains(out, raw) {
			t.Errorf("the workbench shows the code %q", raw)
		}
	}
	finding := find(doc, func(n *html.Node) bool { return hasClass(n, "wb-jump") && attr(n, "data-kind") == "finding" })
	if finding == nil || attr(finding, "data-page") != "1" || !strings.Contains(attr(finding, "data-rects"), `"x":0.1`) {
		t.Error("the finding does not carry its page and rectangles")
	}
	thread := find(doc, func(n *html.Node) bool { return attr(n, "data-thread") == "t1" })
	if thread == nil || attr(thread, "data-number") != "1" || !strings.Contains(attr(thread, "data-rects"), `"w":0.5`) {
		t.Error("the thread does not carry its number and rectangles")
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "script" && attr(n, "src") == "/static/workbench.js" }) == nil {
		t.Error("workbench.js is not loaded")
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "link" && attr(n, "href") == "/static/workbench.css" }) == nil {
		t.Error("workbench.css is not loaded")
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return hasAttr(n, "style") || (n.Data == "script" && attr(n, "src") == "") }) {
		t.Errorf("<%s> is inline style or script, which the Content-Security-Policy blocks", n.Data)
	}
}

func TestWorkbenchDecisionPanelOnlyForReviewerWithOpenTask(t *testing.T) {
	decision := func(v workbenchView) *html.Node {
		_, doc := parsePage(t, v)
		return find(doc, func(n *html.Node) bool {
			return n.Data == "form" && attr(n, "action") == "/versions/v2/reviews"
		})
	}
	pd := func() *pageData { return &pageData{Title: "Piece", CSRFToken: pageToken} }
	form := decision(sampleWorkbench(pd(), domain.RenditionReady, true))
	if form == nil {
		t.Fatal("a reviewer with an open task has no decision panel")
	}
	for _, name := range []string{"function", "decision", "comment", "meaning", "password", "_csrf"} {
		if find(form, func(n *html.Node) bool { return attr(n, "name") == name }) == nil {
			t.Errorf("the decision form lacks the %s field", name)
		}
	}
	pw := find(form, func(n *html.Node) bool { return attr(n, "name") == "password" })
	if pw == nil || attr(pw, "type") != "password" || hasAttr(pw, "value") {
		t.Error("the signature password is not an empty password field")
	}
	for _, d := range []string{"approve", "request_changes", "reject"} {
		if find(form, func(n *html.Node) bool { return attr(n, "name") == "decision" && attr(n, "value") == d }) == nil {
			t.Errorf("no %s choice", d)
		}
	}
	if decision(sampleWorkbench(pd(), domain.RenditionReady, false)) != nil {
		t.Error("the decision panel shows without an open task")
	}
	// A marketer on a draft gets Submit and the upload link instead.
	v := sampleWorkbench(pd(), domain.RenditionReady, false)
	v.Data.Version.State, v.Data.CanSubmit = domain.StateDraft, true
	out, doc := parsePage(t, v)
	if find(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/versions/v2/submit" }) == nil ||
		!strings.Contains(out, "Upload a new version") {
		t.Error("a marketer's draft offers neither Submit nor a new version")
	}
}

func TestComparePageShowsChangesAndThreads(t *testing.T) {
	out, doc := parsePage(t, sampleCompare(&pageData{Title: "Piece", CSRFToken: pageToken}))
	noEmbeds(t, doc)
	checkLabels(t, doc)
	pairs := findAll(doc, func(n *html.Node) bool { return hasClass(n, "cmp-pair") })
	if len(pairs) != 2 {
		t.Fatalf("%d page pairs, want 2", len(pairs))
	}
	old := find(pairs[0], func(n *html.Node) bool { return hasClass(n, "cmp-old") })
	neu := find(pairs[0], func(n *html.Node) bool { return hasClass(n, "cmp-new") })
	if old == nil || neu == nil {
		t.Fatal("page 1 lacks a side")
	}
	img := find(old, func(n *html.Node) bool { return n.Data == "img" })
	if img == nil || attr(img, "src") != "/versions/v1/pages/1/image" {
		t.Error("the older version is not on the left")
	}
	oldBox := find(old, func(n *html.Node) bool { return n.Data == "rect" && hasClass(n, "cmp-del") })
	newBox := find(neu, func(n *html.Node) bool { return n.Data == "rect" && hasClass(n, "cmp-ins") })
	if oldBox == nil || attr(oldBox, "y") != "0.25" || newBox == nil || attr(newBox, "y") != "0.2" {
		t.Error("the change is not boxed on both sides")
	}
	if !strings.Contains(text(pairs[1]), "Version 2 has no page 2") {
		t.Error("a page missing from the newer version is not said")
	}
	del := find(doc, func(n *html.Node) bool { return n.Data == "del" })
	ins := find(doc, func(n *html.Node) bool { return n.Data == "ins" })
	if del == nil || !strings.Contains(text(del), "completely safe") || ins == nil || !strings.Contains(text(ins), "Piece") {
		t.Error("the redline lacks the deleted and inserted words")
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#pair-2" }) == nil {
		t.Error("a change does not lead to its page")
	}
	for _, want := range []string{"Addressed", "Still open", "Text removed", "Compare version 2 with", "Changes requested"} {
		if !strings.Contains(out, want) {
			t.Errorf("the compare page does not say %q", want)
		}
	}
	sel := find(doc, func(n *html.Node) bool { return n.Data == "option" && attr(n, "value") == "v1" })
	if sel == nil || !hasAttr(sel, "selected") {
		t.Error("the version picker does not select version 1")
	}
}

func TestCompareWithOneVersionSaysSo(t *testing.T) {
	v := compareView{pageData: &pageData{Title: "Piece", CSRFToken: pageToken},
		Data: compareData{Asset: domain.Asset{ID: "a1"}, This: domain.Version{ID: "v1", Number: 1}}}
	if out := renderView(t, v); !strings.Contains(out, "nothing to compare it with") {
		t.Error("a single version does not say there is nothing to compare")
	}
}

func TestPagePairsPlacesBoxesOnTheirPages(t *testing.T) {
	old := samplePages("v1", domain.RenditionReady, 3).Pages
	neu := samplePages("v2", domain.RenditionReady, 2).Pages
	r := domain.Rect{X: 0.1, Y: 0.1, W: 0.2, H: 0.05}
	pairs := pagePairs(old, neu, []domain.TextChange{
		{Kind: "replace", Page: 2, OldPage: 3, Rects: []domain.Rect{r}, OldRects: []domain.Rect{r, r}},
		{Kind: "insert", Page: 9, OldPage: 0, Rects: []domain.Rect{r}}, // off the pages: ignored
	})
	if len(pairs) != 3 || pairs[2].New != nil || pairs[2].Old == nil {
		t.Fatalf("pairs = %+v", pairs)
	}
	if len(pairs[1].NewBoxes) != 1 || len(pairs[2].OldBoxes) != 2 || len(pairs[0].OldBoxes)+len(pairs[0].NewBoxes) != 0 {
		t.Errorf("boxes misplaced: %+v", pairs)
	}
}

func TestWorkbenchOfAnotherBrandIsNotFound(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-WB-1", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.txt", []byte(pieceText)), http.StatusCreated)

	own := webSignIn(t, f.testServer, "marketer@example.com")
	rec := own.do(t, http.MethodGet, "/versions/"+v.ID, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-version="`+v.ID+`"`) {
		t.Fatalf("own workbench = %d %s", rec.Code, rec.Body)
	}
	doc, err := html.Parse(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	noEmbeds(t, doc)
	if rec := own.do(t, http.MethodGet, "/versions/"+v.ID+"/compare", nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "nothing to compare it with") {
		t.Fatalf("compare with a single version = %d", rec.Code)
	}
	if rec := own.do(t, http.MethodGet, "/versions/"+v.ID+"/compare?with=nope", nil); rec.Code != http.StatusNotFound {
		t.Errorf("compare with an unknown version = %d, want 404", rec.Code)
	}

	other := webSignIn(t, f.testServer, "other@example.com")
	for _, path := range []string{"/versions/" + v.ID, "/versions/" + v.ID + "/compare"} {
		if rec := other.do(t, http.MethodGet, path, nil); rec.Code != http.StatusNotFound {
			t.Errorf("another brand's %s = %d, want 404", path, rec.Code)
		}
	}
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func TestWorkbenchVersionNeighbours(t *testing.T) {
	vs := []domain.Version{
		{ID: "v3", Number: 3, State: domain.StateDraft},
		{ID: "v2", Number: 2, State: domain.StateChangesRequested},
		{ID: "v1", Number: 1, State: domain.StateChangesRequested},
	}
	if p := previousVersion(vs, vs[0]); p == nil || p.ID != "v2" {
		t.Errorf("previous of v3 = %v, want v2", p)
	}
	if p := previousVersion(vs, vs[2]); p != nil {
		t.Errorf("previous of v1 = %v, want none", p)
	}
	if n := newestVersion(vs, vs[2]); n == nil || n.ID != "v3" {
		t.Errorf("newest after v1 = %v, want v3", n)
	}
	if n := newestVersion(vs, vs[0]); n != nil {
		t.Errorf("newest after v3 = %v, want none", n)
	}
	if !commentsOpen(vs, vs[0]) || commentsOpen(vs, vs[1]) {
		t.Error("comments are open on the newest draft only")
	}
	closed := []domain.Version{{ID: "v1", Number: 1, State: domain.StateApproved}}
	if commentsOpen(closed, closed[0]) {
		t.Error("comments are open on an approved version")
	}

	v := sampleWorkbench(&pageData{Title: "Piece", CSRFToken: pageToken}, domain.RenditionReady, false)
	v.Data.Newest = &domain.Version{ID: "v3", Number: 3}
	out := renderView(t, v)
	if !strings.Contains(out, `href="/versions/v3"`) || !strings.Contains(out, `href="/versions/v3/compare?with=v2"`) {
		t.Error("an older version does not lead to the newest")
	}
}
