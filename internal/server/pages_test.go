package server

import (
	"bytes"
	"html/template"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/web"
)

// The page tests render every template with the view type its handler
// builds, so a field renamed on one side fails here at once.

const pageToken = "tok_Zm9vYmFyYmF6-_123"

// pageScenario is what the layout shows, plus the subjects of the shell
// pages: the login form as typed and the error page's error.
type pageScenario struct {
	page  pageData
	login loginForm
	err   *pageError
}

// pageSamples build each page's view from a scenario, so that hostile
// scenario text (the title) also flows through page-specific fields. Every
// template must have a sample, so that the accessibility and escaping checks
// below cover it.
var pageSamples = map[string]func(sc pageScenario) view{
	"login.html": func(sc pageScenario) view { return loginView{pageData: &sc.page, Form: sc.login} },
	"error.html": func(sc pageScenario) view { return errorView{pageData: &sc.page, Error: sc.err} },
	"home.html":  func(sc pageScenario) view { return homeView{&sc.page} },
	"account_password.html": func(sc pageScenario) view {
		d := &sc.page
		d.Errors = map[string]string{"current_password": d.Title, "new_password": d.Title}
		return accountPasswordView{pageData: d, Form: passwordForm{Required: true}}
	},
	"analytics.html": func(sc pageScenario) view {
		d := &sc.page
		return analyticsView{pageData: d, Data: analyticsData{
			Cycle:      domain.ReviewStats{Rounds: 2, FirstPassRate: 0.5},
			Unused:     []domain.UnusedRow{{AssetID: "a", JobCode: d.Title, Title: d.Title}},
			UsageChart: template.HTML("<svg role=\"img\" aria-label=\"x\"></svg>"),
		}}
	},
	"audit.html": func(sc pageScenario) view {
		d := &sc.page
		return auditView{pageData: d, Form: auditForm{Action: d.Title}, Data: auditData{
			Report: domain.ChainReport{OK: false, Checked: 3, Broken: &domain.ChainBreak{Seq: 4, Reason: d.Title},
				Findings: []domain.AuditFinding{{Kind: domain.FindingTruncated, Seq: 4, Message: d.Title}}, FindingCount: 1},
			Events: []domain.AuditEvent{{Seq: 1, Actor: d.Title, Details: d.Title}},
		}}
	},
	"notices_report.html": func(sc pageScenario) view {
		d := &sc.page
		return noticesReportView{pageData: d, Data: daysList[domain.UnackedNotice]{Days: 3, Choices: []int{3, 7, 14},
			Items: []domain.UnackedNotice{{Rep: d.Title, Email: "r@x", JobCode: "Z", Brand: "B", Reason: "expired"}}}}
	},
	"library.html": func(sc pageScenario) view {
		d := &sc.page
		return libraryView{pageData: d, Form: libraryForm{Q: d.Title}, Data: libraryData{
			Items: []domain.LibraryItem{{AssetID: "a1", JobCode: "ZEL-1", Title: d.Title, Brand: "ZELTRA"},
				{AssetID: "a2", JobCode: "ZEL-2", Title: "Two", RereviewRequired: true}},
			Notices: []domain.Notice{{ID: "n1", JobCode: "ZEL-3", Title: d.Title, Message: d.Title, Reason: "withdrawn"},
				{ID: "n2", JobCode: "ZEL-4", Title: "Leave-behind", Message: d.Title, Reason: "superseded"}},
			NextURL:  "/library?cursor=x",
			Kits:     []domain.Campaign{{Name: d.Title, Audience: "hcp", Kit: []domain.LibraryItem{{AssetID: "a1", Title: d.Title}}}},
			Channels: []domain.Channel{"email"}, Audiences: []domain.Audience{"hcp"},
		}}
	},
	"expiring.html": func(sc pageScenario) view {
		d := &sc.page
		return expiringView{pageData: d, Data: daysList[domain.LibraryItem]{Days: 30, Choices: []int{30, 60, 90},
			Items: []domain.LibraryItem{{AssetID: "a1", JobCode: d.Title, Title: d.Title, Number: 1}}}}
	},
	"reviews.html": func(sc pageScenario) view {
		d := &sc.page
		return reviewsView{pageData: d, Data: reviewsData{Now: time.Now(), Tasks: []domain.ReviewTask{
			{AssetID: "a1", VersionID: "v1", JobCode: d.Title, Title: d.Title, Brand: "ZELTRA", Function: "medical", Number: 1}}}}
	},
	"approval_record.html": func(sc pageScenario) view {
		d := &sc.page
		return approvalRecordView{pageData: d, Data: approvalRecord{
			Asset:   domain.Asset{JobCode: d.Title, Title: d.Title},
			Version: domain.Version{ID: "v1", Number: 2, Filename: d.Title, SHA256: "ab", State: "approved"},
			Rounds: []domain.ReviewRound{{Number: 1, Kind: "initial", Status: "approved", ReportID: "r1", Tasks: []domain.ReviewTask{
				{Function: "medical", Status: "approved", Signature: &domain.SignatureRecord{PrintedName: d.Title, Meaning: d.Title}},
				{Function: "legal", Status: "cancelled"}}}},
			Reports: map[string]domain.CheckReport{"r1": {RulesVersion: "1", LabelVersion: 1,
				Findings: []domain.Finding{{RuleID: "FB", Severity: "error", Message: d.Title}}}},
			Printed: "2026-11-25",
		}}
	},
	"label.html": func(sc pageScenario) view {
		d := &sc.page
		l := domain.Label{Version: 2, ProprietaryName: d.Title, EstablishedName: "zeltaparin", ISIStatements: []string{d.Title},
			RequiredFunctions: []string{"medical"}, MaxExpiryMonths: 12}
		return labelView{pageData: d, Form: labelForm{ProprietaryName: d.Title, ISIStatements: d.Title, RereviewGraceDays: d.Title},
			Data: labelPageData{Brand: domain.Brand{Code: "ZELTRA", Name: d.Title, Label: l},
				Versions: []labelRevision{{Version: 2, ISICount: 1, Changed: d.Title}}, CanEdit: true,
				Functions: []functionChoice{{"medical", true}, {"legal", false}}}}
	},
	"claims.html": func(sc pageScenario) view {
		d := &sc.page
		return claimsView{pageData: d, Form: claimForm{Text: d.Title, Category: "efficacy"}, Data: claimsPageData{
			Brand: domain.Brand{Code: "ZELTRA", Name: d.Title},
			Claims: []domain.Claim{
				{Text: d.Title, Category: "efficacy", References: []string{d.Title}},
			}, Categories: []string{"efficacy"}, CanCreate: true}}
	},
	"assets.html": func(sc pageScenario) view {
		d := &sc.page
		v := &domain.Version{ID: "v1", Number: 2, State: "draft"}
		return assetsView{pageData: d, Form: assetsForm{Q: d.Title, Brand: "ZELTRA"}, Data: assetsData{
			Actions: []domain.ActionItem{{AssetID: "a1", JobCode: d.Title, Title: d.Title, State: "approved", Reason: d.Title}},
			Assets: []domain.Asset{{ID: "a1", JobCode: "ZEL-1", Title: d.Title, Brand: "ZELTRA", Tags: []string{d.Title}, LatestVersion: v},
				{ID: "a2", JobCode: "ZEL-2"}},
			NextURL: "/assets?cursor=x", Brands: []string{"ZELTRA"}, States: []domain.State{"draft"}, Audiences: []domain.Audience{"hcp"},
			Channels: []domain.Channel{"email"}, CanCreate: true}}
	},
	"asset_new.html": func(sc pageScenario) view {
		d := &sc.page
		return assetNewView{pageData: d, Form: assetForm{JobCode: d.Title, Title: d.Title, Brand: "ZELTRA"},
			Data: assetNewData{Brands: []string{"ZELTRA"}, Audiences: []domain.Audience{"hcp"}, Channels: []domain.Channel{"email"}}}
	},
	"asset.html": func(sc pageScenario) view {
		d := &sc.page
		v := domain.Version{ID: "v1", Number: 1, State: "draft", Filename: d.Title + ".pdf", TextStatus: "failed", TextError: d.Title,
			Uploader: d.Title, CreatedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		r := &domain.CheckReport{VersionID: "v1", RulesVersion: "2026.1", LabelVersion: 1, Findings: []domain.Finding{
			{ID: "f1", RuleID: "FB-X", Severity: "error", Message: d.Title, Excerpt: d.Title, Page: 1, Line: 2},
			{
				ID:       "f2",
				RuleID:   "FB-Y",
				Severity: "warning",
				Message:  "m",
				Waiver:   &domain.Waiver{SignerName: d.Title, Meaning: "m", Justification: d.Title},
			},
		}}
		ml := markedLine{Page: 1, Line: 2, Flagged: true, Parts: []markedPart{{Text: d.Title, Mark: true}}}
		return assetView{pageData: d, Data: assetPageData{
			Asset: domain.Asset{
				ID:      "a1",
				JobCode: "ZEL-1",
				Title:   d.Title,
				Tags:    []string{"x"},
			}, Versions: []domain.Version{v}, Selected: &v,
			PreviewKind: "", SelectedSize: "1 KiB", TextOpen: true, CanUpload: d.User != nil, MaxUpload: "2 GiB",
			Report: r, CanRunCheck: true, CanWaive: true, TextLines: []markedLine{ml}, CanSubmit: true, CanComment: true,
			Rounds: []domain.ReviewRound{{Number: 1, Kind: "initial", Status: "open", Tasks: []domain.ReviewTask{
				{
					Function:  "medical",
					Status:    "approved",
					Comment:   d.Title,
					Signature: &domain.SignatureRecord{PrintedName: d.Title, Meaning: d.Title},
				},
				{Function: "legal", Status: "open"}}}},
			DecideFunctions: []string{"legal"}, Comments: []domain.Comment{{Author: d.Title, Body: d.Title, VersionNumber: 1, Page: 2}},
			CanPublish: true, CanWithdraw: true, MaxExpiryMonths: 12, DefaultExpiry: "2027-05-24",
		}}
	},
	"admin_users.html": func(sc pageScenario) view {
		d := &sc.page
		return adminUsersView{pageData: d, Data: adminUsersData{Users: []domain.User{
			{ID: "u1", DisplayName: d.Title, Email: "rep@demo.test", Roles: []domain.RoleAssignment{{Role: "rep", Brand: "ZELTRA"}}},
			{ID: "u2", DisplayName: "Disabled Person", Email: "x@demo.test", Disabled: true},
		}, CorruptFiles: 2}}
	},
	"admin_integrity.html": func(sc pageScenario) view {
		d := &sc.page
		at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
		return adminIntegrityView{pageData: d, Data: adminIntegrityData{Objects: []domain.CorruptObject{{
			StoredObject: domain.StoredObject{
				Key:           "objects/ab/cd/abcd",
				SHA256:        strings.Repeat("a", 64),
				Size:          1 << 20,
				CorruptAt:     &at,
				CorruptReason: d.Title,
			},
			Uses: []domain.ObjectUse{
				{JobCode: d.Title, Number: 2, Brand: "ZELTRA"},
				{JobCode: "ZEL-2", Number: 1, Brand: "ZELTRA"},
			},
		}}}}
	},
	"admin_user.html": func(sc pageScenario) view {
		d := &sc.page
		return adminUserView{pageData: d,
			Form: userForm{ID: "u1", Email: "rep@demo.test", DisplayName: d.Title, Roles: "rep:ZELTRA\n" + d.Title, IsNew: d.User == nil},
			Data: adminUsersData{Roles: []domain.Role{"admin", "rep"}, Brands: []string{"*", "ZELTRA"}}}
	},
}

// pageScenarios are run against every page, so each page must cope with a
// logged-out visitor, a signed-in user, and a re-render with errors.
func pageScenarios() map[string]pageScenario {
	alice := &pageUser{DisplayName: "Alice Marketer", Email: "marketer@demo.test"}
	return map[string]pageScenario{
		"logged_out": {page: pageData{Title: "Sign in", CSRFToken: pageToken, Version: "v1.2.3"}},
		"logged_in":  {page: pageData{Title: "Home", User: alice, CSRFToken: pageToken, Version: "v1.2.3", Flash: "Saved."}},
		"with_errors": {
			page: pageData{Title: "Sign in", CSRFToken: pageToken, Version: "v1.2.3",
				Errors:     map[string]string{"email": "Enter a valid email address.", "password": "Enter your password."},
				FlashError: "Email or password is wrong."},
			login: loginForm{Email: "typo@demo", Next: "/library?brand=ZELTRA"},
		},
		"error_page": {
			page: pageData{Title: "Error", User: alice, CSRFToken: pageToken, Version: "v1.2.3"},
			err:  &pageError{Code: "not_found", Message: "No such asset.", Status: 404, RequestID: "req-7f3a"},
		},
		"hostile_input": {
			page: pageData{Title: "<b>x</b>", User: &pageUser{DisplayName: `<script>alert(1)</script>`, Email: `"><img src=x>`},
				CSRFToken: pageToken, Flash: `<script>alert(2)</script>`, FlashError: `<script>alert(3)</script>`,
				Errors: map[string]string{"email": `<script>alert(6)</script>`}},
			login: loginForm{Email: `"><script>alert(4)</script>`, Next: `javascript:alert(5)`},
			err:   &pageError{Status: 500, Message: `<script>alert(7)</script>`, RequestID: `<script>alert(8)</script>`},
		},
	}
}

// renderView renders v the way the server does, with the same parsed pages.
func renderView(t *testing.T, v view) string {
	t.Helper()
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.render(&buf, v); err != nil {
		t.Fatalf("execute %s: %v", v.templateName(), err)
	}
	return buf.String()
}

func TestPagesRender(t *testing.T) {
	names, err := web.Pages()
	if err != nil {
		t.Fatal(err)
	}
	for name := range pageSamples {
		if !slices.Contains(names, name) {
			t.Errorf("pageSamples has %s, which is not a template", name)
		}
	}
	for _, page := range names {
		sample, ok := pageSamples[page]
		if !ok {
			t.Errorf("page %s has no sample view in pageSamples", page)
			continue
		}
		for name, sc := range pageScenarios() {
			t.Run(page+"/"+name, func(t *testing.T) {
				v := sample(sc)
				if v.templateName() != page {
					t.Fatalf("the sample for %s renders %s", page, v.templateName())
				}
				out := renderView(t, v)
				doc, err := html.Parse(strings.NewReader(out))
				if err != nil {
					t.Fatalf("rendered HTML does not parse: %v", err)
				}
				checkSkeleton(t, doc, &sc.page)
				checkLabels(t, doc)
				checkPostForms(t, doc)
				if strings.Contains(out, "<script>alert") || strings.Contains(out, "<img src=x") {
					t.Errorf("unescaped user input in output:\n%s", out)
				}
			})
		}
	}
}

// checkSkeleton checks what the layout promises on every page.
func checkSkeleton(t *testing.T, doc *html.Node, data *pageData) {
	t.Helper()
	root := find(doc, func(n *html.Node) bool { return n.Data == "html" })
	if root == nil || attr(root, "lang") != "en" {
		t.Error(`missing <html lang="en">`)
	}
	if find(doc, func(n *html.Node) bool {
		return n.Data == "meta" && attr(n, "name") == "viewport" && strings.Contains(attr(n, "content"), "width=device-width")
	}) == nil {
		t.Error("missing viewport meta")
	}
	if find(doc, func(n *html.Node) bool {
		return n.Data == "meta" && attr(n, "name") == "csrf-token" && attr(n, "content") == pageToken
	}) == nil {
		t.Error("missing csrf-token meta")
	}
	body := find(doc, func(n *html.Node) bool { return n.Data == "body" })
	if body == nil || !strings.Contains(attr(body, "hx-headers"), `"X-CSRF-Token": "`+pageToken+`"`) {
		t.Error("body does not carry hx-headers with X-CSRF-Token")
	}
	if main := findAll(doc, func(n *html.Node) bool { return n.Data == "main" && attr(n, "id") == "main" }); len(main) != 1 {
		t.Errorf(`want exactly one <main id="main">, got %d`, len(main))
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#main" }) == nil {
		t.Error("missing skip-to-content link")
	}
	if find(doc, func(n *html.Node) bool { return n.Data == "title" && strings.Contains(text(n), "Fairshelf") }) == nil {
		t.Error("title does not name Fairshelf")
	}
	if data.Version != "" {
		footer := find(doc, func(n *html.Node) bool { return n.Data == "footer" })
		if footer == nil || !strings.Contains(text(footer), data.Version) {
			t.Error("footer does not show the version")
		}
	}

	logout := find(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/logout" })
	switch {
	case data.User != nil && logout == nil:
		t.Error("signed-in page has no logout form")
	case data.User == nil && logout != nil:
		t.Error("logged-out page shows a logout form")
	case logout != nil:
		if strings.ToLower(attr(logout, "method")) != "post" {
			t.Error("logout form is not POST")
		}
		if find(logout, func(n *html.Node) bool { return n.Data == "button" }) == nil {
			t.Error("logout is not a button")
		}
		header := find(doc, func(n *html.Node) bool { return n.Data == "header" })
		if header == nil || !strings.Contains(text(header), data.User.DisplayName) {
			t.Error("header does not show the user's name")
		}
	}

	if data.Flash != "" {
		if !hasRoleWithText(doc, "status", data.Flash) {
			t.Errorf("flash %q not shown with role=status", data.Flash)
		}
	}
	if data.FlashError != "" {
		alerts := findAll(doc, func(n *html.Node) bool {
			return attr(n, "role") == "alert" && strings.Contains(text(n), data.FlashError)
		})
		if len(alerts) != 1 {
			t.Errorf("flash error %q shown %d times with role=alert, want 1", data.FlashError, len(alerts))
		}
	}
}

// checkLabels checks that every label points at a form control, that every
// visible control has a label, that ids are unique and that aria-describedby
// points at existing elements.
func checkLabels(t *testing.T, doc *html.Node) {
	t.Helper()
	ids := map[string]*html.Node{}
	for _, n := range findAll(doc, func(n *html.Node) bool { return attr(n, "id") != "" }) {
		id := attr(n, "id")
		if ids[id] != nil {
			t.Errorf("duplicate id %q", id)
		}
		ids[id] = n
	}
	labelled := map[string]bool{}
	for _, l := range findAll(doc, func(n *html.Node) bool { return n.Data == "label" }) {
		forID := attr(l, "for")
		target := ids[forID]
		if forID == "" || target == nil {
			t.Errorf("<label for=%q> has no matching element", forID)
			continue
		}
		if !isControl(target) {
			t.Errorf("<label for=%q> points at <%s>, not a form control", forID, target.Data)
		}
		labelled[forID] = true
	}
	for _, c := range findAll(doc, isControl) {
		if attr(c, "type") == "hidden" || c.Data == "button" || attr(c, "type") == "submit" {
			continue
		}
		if !labelled[attr(c, "id")] && attr(c, "aria-label") == "" {
			t.Errorf("<%s name=%q> has no label", c.Data, attr(c, "name"))
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return attr(n, "aria-describedby") != "" }) {
		for _, id := range strings.Fields(attr(n, "aria-describedby")) {
			if ids[id] == nil {
				t.Errorf("aria-describedby=%q points at no element", id)
			}
		}
	}
}

// checkPostForms checks that every POST form carries the CSRF hidden field.
func checkPostForms(t *testing.T, doc *html.Node) {
	t.Helper()
	for _, f := range findAll(doc, func(n *html.Node) bool { return n.Data == "form" }) {
		if strings.ToLower(attr(f, "method")) != "post" {
			continue
		}
		if find(f, func(n *html.Node) bool {
			return n.Data == "input" && attr(n, "type") == "hidden" && attr(n, "name") == "_csrf" && attr(n, "value") == pageToken
		}) == nil {
			t.Errorf("POST form to %q lacks the hidden _csrf field", attr(f, "action"))
		}
	}
}

func TestLoginPageForm(t *testing.T) {
	sc := pageScenarios()["with_errors"]
	out := renderView(t, pageSamples["login.html"](sc))
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	form := find(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/login" })
	if form == nil || strings.ToLower(attr(form, "method")) != "post" {
		t.Fatal("no POST /login form")
	}
	input := func(name string) *html.Node {
		return find(form, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == name })
	}

	email := input("email")
	if email == nil || attr(email, "type") != "email" || attr(email, "autocomplete") != "username" {
		t.Fatal(`want <input name="email" type="email" autocomplete="username">`)
	}
	if got := attr(email, "value"); got != "typo@demo" {
		t.Errorf("typed email not kept: value=%q", got)
	}
	password := input("password")
	if password == nil || attr(password, "type") != "password" || attr(password, "autocomplete") != "current-password" {
		t.Fatal(`want <input name="password" type="password" autocomplete="current-password">`)
	}
	if hasAttr(password, "value") {
		t.Error("password field must never be re-filled")
	}
	if next := input("next"); next == nil || attr(next, "type") != "hidden" || attr(next, "value") != "/library?brand=ZELTRA" {
		t.Error("hidden next field missing or wrong")
	}

	for field, ctl := range map[string]*html.Node{"email": email, "password": password} {
		desc := attr(ctl, "aria-describedby")
		msg := find(doc, func(n *html.Node) bool { return desc != "" && attr(n, "id") == desc })
		if msg == nil || !strings.Contains(text(msg), sc.page.Errors[field]) {
			t.Errorf("%s: error message not linked by aria-describedby (=%q)", field, desc)
		}
		if attr(ctl, "aria-invalid") != "true" {
			t.Errorf("%s: aria-invalid not set", field)
		}
	}

	// Without errors the controls must not claim to be invalid.
	clean := renderView(t, pageSamples["login.html"](pageScenarios()["logged_out"]))
	if strings.Contains(clean, "aria-invalid") || strings.Contains(clean, "aria-describedby") {
		t.Error("login form without errors marks fields invalid")
	}
}

func TestErrorPageShowsTheError(t *testing.T) {
	out := renderView(t, pageSamples["error.html"](pageScenarios()["error_page"]))
	for _, want := range []string{"404", "Page not found", "No such asset.", "req-7f3a", `href="/"`} {
		if !strings.Contains(out, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	for _, bad := range []string{"goroutine", "panic", ".go:"} {
		if strings.Contains(out, bad) {
			t.Errorf("error page contains %q", bad)
		}
	}
}

func TestHomeShowsUser(t *testing.T) {
	out := renderView(t, pageSamples["home.html"](pageScenarios()["logged_in"]))
	if !strings.Contains(out, "Signed in as Alice Marketer") {
		t.Errorf("home page does not say who is signed in:\n%s", out)
	}
}

func isControl(n *html.Node) bool {
	return n.Type == html.ElementNode && (n.Data == "input" || n.Data == "select" || n.Data == "textarea" || n.Data == "button")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func findAll(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func find(root *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(root, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func hasRoleWithText(doc *html.Node, role, s string) bool {
	return find(doc, func(n *html.Node) bool { return attr(n, "role") == role && strings.Contains(text(n), s) }) != nil
}
