package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/fairshelf/fairshelf/internal/domain"

	"github.com/fairshelf/fairshelf/web"
)

// The types below mirror the shape of the server's page data. The templates
// are written against these field names; if the server renames one, the
// matching scenario here fails at execution time.
type user struct {
	DisplayName string
	Email       string
}

type loginForm struct {
	Email string
	Next  string
}

type errorInfo struct {
	Code      string
	Message   string
	Status    int
	RequestID string
}

type pageData struct {
	Title      string
	User       *user
	CSRFToken  string
	Flash      string
	FlashError string
	Form       any
	Errors     map[string]string
	Error      *errorInfo
	Version    string
	Data       any
}

const token = "tok_Zm9vYmFyYmF6-_123"

// Page-specific data for the pages that need more than the common fields.
// Every page that is not a shell page (login, error, home) must have a
// sample here, so that the accessibility and escaping checks below cover it.
type roleRow struct{ Role, Brand string }

type userRow struct {
	ID, DisplayName, Email string
	Disabled               bool
	Roles                  []roleRow
}

type userForm struct {
	ID, Email, DisplayName, Roles string
	Disabled, IsNew               bool
}

type adminData struct {
	Users        []userRow
	Roles        []string
	Brands       []string
	CorruptFiles int64
}

type versionRow struct {
	ID, State, Filename, SHA256, MediaType, TextStatus, TextError, Uploader string
	Number, Pages                                                           int
	Size                                                                    int64
	CreatedAt                                                               time.Time
}

type assetRow struct {
	ID, JobCode, Title, Brand, Audience, Channel, Owner string
	Tags                                                []string
	LatestVersion                                       *versionRow
}

type libraryForm struct{ Q, Brand, State, Audience, Channel, Tag string }

type actionItem struct {
	AssetID, JobCode, Title, State, Reason string
	ExpiresAt                              *time.Time
}

type libraryData struct {
	Actions                             []actionItem
	Assets                              []assetRow
	NextURL                             string
	Brands, States, Audiences, Channels []string
	CanCreate                           bool
}

type assetForm struct{ JobCode, Title, Brand, Audience, Channel, Tags string }

type findingRow struct {
	ID, RuleID, Severity, Message, Excerpt string
	Page, Line                             int
	Waiver                                 *struct {
		SignerName, Meaning, Justification string
		SignedAt                           time.Time
	}
}

type reportData struct {
	VersionID, RulesVersion string
	LabelVersion            int
	Passed                  bool
	CheckedAt               time.Time
	Findings                []findingRow
}

type markedLine struct {
	Page, Line int
	Flagged    bool
	Parts      []struct {
		Text string
		Mark bool
	}
}

type assetPage struct {
	Asset           assetRow
	Versions        []versionRow
	Selected        *versionRow
	PreviewKind     string
	SelectedSize    string
	TextOpen        bool
	PreviewText     string
	CanUpload       bool
	MaxUpload       string
	Report          *reportData
	CanRunCheck     bool
	CanWaive        bool
	TextLines       []markedLine
	CanSubmit       bool
	Rounds          []roundData
	DecideFunctions []string
	Comments        []commentData
	CanComment      bool
	CanPublish      bool
	CanWithdraw     bool
	MaxExpiryMonths int
	DefaultExpiry   string
}

type libraryItem struct {
	AssetID, JobCode, Title, Brand, Audience, Channel, VersionID string
	Number                                                       int
	ExpiresAt                                                    time.Time
	RereviewRequired                                             bool
}

type signatureData struct {
	PrintedName, Meaning, Decision, ContentSHA256 string
	SignedAt                                      time.Time
}

type taskData struct {
	Function, Status, Comment string
	Signature                 *signatureData
}

type roundData struct {
	Number                 int
	Kind, Status, ReportID string
	SubmittedAt, DueAt     time.Time
	Tasks                  []taskData
}

type commentData struct {
	Author, Body        string
	VersionNumber, Page int
	CreatedAt           time.Time
}

type queueTask struct {
	AssetID, VersionID, JobCode, Title, Brand, Function string
	Number                                              int
	SubmittedAt, DueAt                                  time.Time
}

type brandData struct {
	Code, Name string
	Label      domain.Label // the store's own type, so that its methods (GraceDays) render as in production
}

type labelForm struct {
	ProprietaryName, EstablishedName, Indication, ISIStatements, PIReference, LaunchDate, MaxExpiryMonths, OffLabelTerms, ReviewSLADays string
	RereviewGraceDays                                                                                                                   string
	BoxedWarning                                                                                                                        bool
}

type functionChoice struct {
	Name    string
	Checked bool
}

type claimRow struct {
	Text, Category       string
	References, Variants []string
}

var shellPages = map[string]bool{"login.html": true, "error.html": true, "home.html": true}

// pageSamples fill in a page's own data from the scenario, so that hostile
// scenario text also flows through page-specific fields.
var pageSamples = map[string]func(d *pageData){
	"account_password.html": func(d *pageData) {
		d.Form = struct{ Required bool }{Required: true}
		d.Errors = map[string]string{"current_password": d.Title, "new_password": d.Title}
	},
	"analytics.html": func(d *pageData) {
		d.Data = map[string]any{
			"Cycle": struct {
				Rounds, VersionsDecided, FirstPassApproved int64
				MedianHours, P90Hours, FirstPassRate       float64
			}{Rounds: 2, FirstPassRate: 0.5},
			"Unused": []struct {
				AssetID, JobCode, Title, Brand string
				PublishedAt                    time.Time
			}{{AssetID: "a", JobCode: d.Title, Title: d.Title}},
			"UsageChart": template.HTML("<svg role=\"img\" aria-label=\"x\"></svg>"), "FeedbackChart": template.HTML(""), "FindingsChart": template.HTML(""), "BacklogChart": template.HTML(""),
		}
	},
	"audit.html": func(d *pageData) {
		d.Form = map[string]string{"Action": d.Title, "ObjectID": ""}
		d.Data = map[string]any{"Report": domain.ChainReport{OK: false, Checked: 3, Broken: &domain.ChainBreak{Seq: 4, Reason: d.Title},
			Findings: []domain.AuditFinding{{Kind: domain.FindingTruncated, Seq: 4, Message: d.Title}}, FindingCount: 1}, "Events": []struct {
			Seq                                                 int64
			OccurredAt                                          time.Time
			Actor, Action, ObjectType, ObjectID, Brand, Details string
		}{{Seq: 1, Actor: d.Title, Details: d.Title}}, "NextURL": ""}
	},
	"notices_report.html": func(d *pageData) {
		d.Data = map[string]any{"Days": 3, "Choices": []int{3, 7, 14}, "Items": []struct {
			Rep, Email, JobCode, Brand, Reason string
			CreatedAt                          time.Time
		}{{Rep: d.Title, Email: "r@x", JobCode: "Z", Brand: "B", Reason: "expired"}}}
	},
	"rep_library.html": func(d *pageData) {
		d.Form = struct{ Q, Channel, Audience string }{Q: d.Title}
		d.Data = map[string]any{"Items": []libraryItem{{AssetID: "a1", JobCode: "ZEL-1", Title: d.Title, Brand: "ZELTRA"}, {AssetID: "a2", JobCode: "ZEL-2", Title: "Two", RereviewRequired: true}},
			"Notices": []domain.Notice{{ID: "n1", JobCode: "ZEL-3", Title: d.Title, Message: d.Title, Reason: "withdrawn"}, {ID: "n2", JobCode: "ZEL-4", Title: "Leave-behind", Message: d.Title, Reason: "superseded"}}, "NextURL": "/library?cursor=x",
			"Kits": []struct {
				Name, Audience string
				EndsAt         time.Time
				Kit            []libraryItem
			}{{Name: d.Title, Audience: "hcp", Kit: []libraryItem{{AssetID: "a1", Title: d.Title}}}}, "Channels": []string{"email"}, "Audiences": []string{"hcp"}}
	},
	"expiring.html": func(d *pageData) {
		d.Data = map[string]any{"Items": []libraryItem{{AssetID: "a1", JobCode: d.Title, Title: d.Title, Number: 1}}, "Days": 30, "Choices": []int{30, 60, 90}}
	},
	"reviews.html": func(d *pageData) {
		d.Data = map[string]any{"Now": time.Now(), "Tasks": []queueTask{{AssetID: "a1", VersionID: "v1", JobCode: d.Title, Title: d.Title, Brand: "ZELTRA", Function: "medical", Number: 1}}}
	},
	"approval_record.html": func(d *pageData) {
		v := versionRow{ID: "v1", Number: 2, Filename: d.Title, SHA256: "ab", State: "approved"}
		d.Data = struct {
			Asset   assetRow
			Version versionRow
			Rounds  []roundData
			Reports map[string]reportData
			Printed string
		}{assetRow{JobCode: d.Title, Title: d.Title}, v,
			[]roundData{{Number: 1, Kind: "initial", Status: "approved", ReportID: "r1", Tasks: []taskData{{Function: "medical", Status: "approved", Signature: &signatureData{PrintedName: d.Title, Meaning: d.Title}}, {Function: "legal", Status: "cancelled"}}}},
			map[string]reportData{"r1": {RulesVersion: "1", LabelVersion: 1, Findings: []findingRow{{RuleID: "FB", Severity: "error", Message: d.Title}}}}, "2026-11-25"}
	},
	"label.html": func(d *pageData) {
		l := domain.Label{Version: 2, ProprietaryName: d.Title, EstablishedName: "zeltaparin", ISIStatements: []string{d.Title}, RequiredFunctions: []string{"medical"}, MaxExpiryMonths: 12}
		d.Form = labelForm{ProprietaryName: d.Title, ISIStatements: d.Title, RereviewGraceDays: d.Title}
		type labelRevision struct {
			Version   int
			CreatedAt time.Time
			ISICount  int
			Changed   string
		}
		d.Data = struct {
			Brand     brandData
			Versions  []labelRevision
			CanEdit   bool
			Functions []functionChoice
		}{brandData{"ZELTRA", d.Title, l}, []labelRevision{{Version: 2, ISICount: 1, Changed: d.Title}}, true, []functionChoice{{"medical", true}, {"legal", false}}}
	},
	"claims.html": func(d *pageData) {
		d.Form = struct{ Text, Category, References, Variants string }{Text: d.Title, Category: "efficacy"}
		d.Data = struct {
			Brand      brandData
			Claims     []claimRow
			Categories []string
			CanCreate  bool
		}{brandData{"ZELTRA", d.Title, domain.Label{}}, []claimRow{{Text: d.Title, Category: "efficacy", References: []string{d.Title}}}, []string{"efficacy"}, true}
	},
	"library.html": func(d *pageData) {
		v := &versionRow{ID: "v1", Number: 2, State: "draft"}
		d.Form = &libraryForm{Q: d.Title, Brand: "ZELTRA"}
		d.Data = libraryData{Actions: []actionItem{{AssetID: "a1", JobCode: d.Title, Title: d.Title, State: "approved", Reason: d.Title}}, Assets: []assetRow{{ID: "a1", JobCode: "ZEL-1", Title: d.Title, Brand: "ZELTRA", Tags: []string{d.Title}, LatestVersion: v}, {ID: "a2", JobCode: "ZEL-2"}},
			NextURL: "/assets?cursor=x", Brands: []string{"ZELTRA"}, States: []string{"draft"}, Audiences: []string{"hcp"}, Channels: []string{"email"}, CanCreate: true}
	},
	"asset_new.html": func(d *pageData) {
		d.Form = &assetForm{JobCode: d.Title, Title: d.Title, Brand: "ZELTRA"}
		d.Data = map[string][]string{"Brands": {"ZELTRA"}, "Audiences": {"hcp"}, "Channels": {"email"}}
	},
	"asset.html": func(d *pageData) {
		v := versionRow{ID: "v1", Number: 1, State: "draft", Filename: d.Title + ".pdf", TextStatus: "failed", TextError: d.Title, Uploader: d.Title, CreatedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		r := &reportData{VersionID: "v1", RulesVersion: "2026.1", LabelVersion: 1, Findings: []findingRow{
			{ID: "f1", RuleID: "FB-X", Severity: "error", Message: d.Title, Excerpt: d.Title, Page: 1, Line: 2},
			{ID: "f2", RuleID: "FB-Y", Severity: "warning", Message: "m", Waiver: &struct {
				SignerName, Meaning, Justification string
				SignedAt                           time.Time
			}{SignerName: d.Title, Meaning: "m", Justification: d.Title}},
		}}
		ml := markedLine{Page: 1, Line: 2, Flagged: true}
		ml.Parts = append(ml.Parts, struct {
			Text string
			Mark bool
		}{d.Title, true})
		d.Data = assetPage{Asset: assetRow{ID: "a1", JobCode: "ZEL-1", Title: d.Title, Tags: []string{"x"}}, Versions: []versionRow{v}, Selected: &v, PreviewKind: "", SelectedSize: "1 KiB", TextOpen: true, CanUpload: d.User != nil, MaxUpload: "2 GiB",
			Report: r, CanRunCheck: true, CanWaive: true, TextLines: []markedLine{ml}, CanSubmit: true, CanComment: true,
			Rounds:          []roundData{{Number: 1, Kind: "initial", Status: "open", Tasks: []taskData{{Function: "medical", Status: "approved", Comment: d.Title, Signature: &signatureData{PrintedName: d.Title, Meaning: d.Title}}, {Function: "legal", Status: "open"}}}},
			DecideFunctions: []string{"legal"}, Comments: []commentData{{Author: d.Title, Body: d.Title, VersionNumber: 1, Page: 2}},
			CanPublish: true, CanWithdraw: true, MaxExpiryMonths: 12, DefaultExpiry: "2027-05-24"}
	},
	"admin_users.html": func(d *pageData) {
		d.Data = adminData{Users: []userRow{
			{ID: "u1", DisplayName: d.Title, Email: "rep@demo.test", Roles: []roleRow{{"rep", "ZELTRA"}}},
			{ID: "u2", DisplayName: "Disabled Person", Email: "x@demo.test", Disabled: true},
		}, CorruptFiles: 2}
	},
	"admin_integrity.html": func(d *pageData) {
		at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
		d.Data = map[string]any{"Objects": []domain.CorruptObject{{
			StoredObject: domain.StoredObject{Key: "objects/ab/cd/abcd", SHA256: strings.Repeat("a", 64), Size: 1 << 20, CorruptAt: &at, CorruptReason: d.Title},
			Uses:         []domain.ObjectUse{{JobCode: d.Title, Number: 2, Brand: "ZELTRA"}, {JobCode: "ZEL-2", Number: 1, Brand: "ZELTRA"}},
		}}}
	},
	"admin_user.html": func(d *pageData) {
		d.Form = &userForm{ID: "u1", Email: "rep@demo.test", DisplayName: d.Title, Roles: "rep:ZELTRA\n" + d.Title, IsNew: d.User == nil}
		d.Data = adminData{Roles: []string{"admin", "rep"}, Brands: []string{"*", "ZELTRA"}}
	},
}

// scenarios are run against every page, so each page must cope with a
// logged-out visitor, a signed-in user, and a re-render with errors.
func scenarios() map[string]pageData {
	alice := &user{DisplayName: "Alice Marketer", Email: "marketer@demo.test"}
	return map[string]pageData{
		"logged_out": {
			Title: "Sign in", CSRFToken: token, Version: "v1.2.3",
		},
		"logged_in": {
			Title: "Home", User: alice, CSRFToken: token, Version: "v1.2.3",
			Flash: "Saved.",
		},
		"with_errors": {
			Title: "Sign in", CSRFToken: token, Version: "v1.2.3",
			Form:       &loginForm{Email: "typo@demo", Next: "/library?brand=ZELTRA"},
			Errors:     map[string]string{"email": "Enter a valid email address.", "password": "Enter your password."},
			FlashError: "Email or password is wrong.",
		},
		"error_page": {
			Title: "Error", User: alice, CSRFToken: token, Version: "v1.2.3",
			Error: &errorInfo{Code: "not_found", Message: "No such asset.", Status: 404, RequestID: "req-7f3a"},
		},
		"hostile_input": {
			Title: "<b>x</b>", User: &user{DisplayName: `<script>alert(1)</script>`, Email: `"><img src=x>`},
			CSRFToken: token, Flash: `<script>alert(2)</script>`, FlashError: `<script>alert(3)</script>`,
			Form:   &loginForm{Email: `"><script>alert(4)</script>`, Next: `javascript:alert(5)`},
			Errors: map[string]string{"email": `<script>alert(6)</script>`},
			Error:  &errorInfo{Status: 500, Message: `<script>alert(7)</script>`, RequestID: `<script>alert(8)</script>`},
		},
	}
}

// pages lists every page template, that is every template file except the
// layout.
func pages(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(web.Templates, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if n != "layout.html" {
			out = append(out, n)
		}
	}
	for _, want := range []string{"login.html", "error.html", "home.html"} {
		if !contains(out, want) {
			t.Errorf("page %s is missing from web.Templates (have %v)", want, out)
		}
	}
	return out
}

// parse parses the layout together with one page, the way the server does.
func parse(t *testing.T, page string) *template.Template {
	t.Helper()
	tmpl, err := template.New("layout.html").Funcs(web.Funcs).ParseFS(web.Templates, "layout.html", page)
	if err != nil {
		t.Fatalf("parse layout.html + %s: %v", page, err)
	}
	for _, name := range []string{"title", "content"} {
		if tmpl.Lookup(name) == nil {
			t.Fatalf("%s does not define %q", page, name)
		}
	}
	return tmpl
}

func render(t *testing.T, page string, data pageData) string {
	t.Helper()
	var buf bytes.Buffer
	if err := parse(t, page).Execute(&buf, data); err != nil {
		t.Fatalf("execute %s: %v", page, err)
	}
	return buf.String()
}

func TestPagesRender(t *testing.T) {
	for _, page := range pages(t) {
		sample, ok := pageSamples[page]
		if !ok && !shellPages[page] {
			t.Errorf("page %s has no sample data in pageSamples", page)
			continue
		}
		for name, data := range scenarios() {
			if sample != nil {
				sample(&data)
			}
			t.Run(page+"/"+name, func(t *testing.T) {
				out := render(t, page, data)
				doc, err := html.Parse(strings.NewReader(out))
				if err != nil {
					t.Fatalf("rendered HTML does not parse: %v", err)
				}
				checkSkeleton(t, doc, data)
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
func checkSkeleton(t *testing.T, doc *html.Node, data pageData) {
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
		return n.Data == "meta" && attr(n, "name") == "csrf-token" && attr(n, "content") == token
	}) == nil {
		t.Error("missing csrf-token meta")
	}
	body := find(doc, func(n *html.Node) bool { return n.Data == "body" })
	if body == nil || !strings.Contains(attr(body, "hx-headers"), `"X-CSRF-Token": "`+token+`"`) {
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
			return n.Data == "input" && attr(n, "type") == "hidden" && attr(n, "name") == "_csrf" && attr(n, "value") == token
		}) == nil {
			t.Errorf("POST form to %q lacks the hidden _csrf field", attr(f, "action"))
		}
	}
}

func TestLoginForm(t *testing.T) {
	data := scenarios()["with_errors"]
	out := render(t, "login.html", data)
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
		if msg == nil || !strings.Contains(text(msg), data.Errors[field]) {
			t.Errorf("%s: error message not linked by aria-describedby (=%q)", field, desc)
		}
		if attr(ctl, "aria-invalid") != "true" {
			t.Errorf("%s: aria-invalid not set", field)
		}
	}

	// Without errors the controls must not claim to be invalid.
	clean := render(t, "login.html", scenarios()["logged_out"])
	if strings.Contains(clean, "aria-invalid") || strings.Contains(clean, "aria-describedby") {
		t.Error("login form without errors marks fields invalid")
	}
}

func TestErrorPage(t *testing.T) {
	data := scenarios()["error_page"]
	out := render(t, "error.html", data)
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
	out := render(t, "home.html", scenarios()["logged_in"])
	if !strings.Contains(out, "Signed in as Alice Marketer") {
		t.Errorf("home page does not say who is signed in:\n%s", out)
	}
}

// TestStaticReferences checks that every /static/ URL the layout refers to
// exists in web.Static, and that nothing loads from another origin.
func TestStaticReferences(t *testing.T) {
	out := render(t, "home.html", scenarios()["logged_in"])
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	refs := 0
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "link" || n.Data == "script" }) {
		u := attr(n, "href") + attr(n, "src")
		if !strings.HasPrefix(u, "/static/") {
			t.Errorf("<%s> loads %q, not a /static/ asset", n.Data, u)
			continue
		}
		refs++
		if _, err := fs.Stat(web.Static, strings.TrimPrefix(u, "/static/")); err != nil {
			t.Errorf("<%s> refers to %s: %v", n.Data, u, err)
		}
	}
	if refs < 2 {
		t.Errorf("want app.css and htmx.min.js referenced, got %d static references", refs)
	}
	css, err := fs.ReadFile(web.Static, "app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"@import", "http://", "https://", "url("} {
		if bytes.Contains(css, []byte(bad)) {
			t.Errorf("app.css contains %q: no external resources allowed", bad)
		}
	}
}

// vendoredRow matches a row of the table in static/VENDORED.md:
// | `file` | name | version | source | license | `sha256` |
var vendoredRow = regexp.MustCompile("(?m)^\\|\\s*`([^`]+)`\\s*\\|[^|]*\\|\\s*([^|\\s]+)\\s*\\|.*\\|\\s*`([0-9a-f]{64})`\\s*\\|\\s*$")

func TestVendoredChecksums(t *testing.T) {
	md, err := fs.ReadFile(web.Static, "VENDORED.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := vendoredRow.FindAllStringSubmatch(string(md), -1)
	seen := map[string]bool{}
	for _, row := range rows {
		file, version, want := row[1], row[2], row[3]
		seen[file] = true
		b, err := fs.ReadFile(web.Static, file)
		if err != nil {
			t.Errorf("%s listed in VENDORED.md: %v", file, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, VENDORED.md says %s", file, got, want)
		}
		if file == "htmx.min.js" {
			if !strings.HasPrefix(version, "2.") {
				t.Errorf("htmx.min.js: version %s, want 2.x", version)
			}
			if !bytes.Contains(b, []byte(`version:"`+version+`"`)) {
				t.Errorf("htmx.min.js does not report version %s", version)
			}
		}
	}
	if !seen["htmx.min.js"] {
		t.Errorf("htmx.min.js not listed in VENDORED.md (rows: %v)", rows)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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
