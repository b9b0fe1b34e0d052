package server

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

// workbenchView is what workbench.html shows: one version as its page
// images (or its extracted text), with the checker's findings and the
// comment threads pinned where they apply, the review history, and the
// decision panel for a reviewer with an open task.
type workbenchView struct {
	*pageData
	Data workbenchData
}

func (workbenchView) templateName() string { return "workbench.html" }

type workbenchData struct {
	Asset    domain.Asset
	Version  domain.Version
	State    string          // the version's state in words
	Previous *domain.Version // the version before this one, if any
	Newest   *domain.Version // the newest version, when it is not this one
	Pages    pagesResponse
	// TextPages is the extracted text per page with the findings marked,
	// shown when the version has no page images.
	TextPages   []textPage
	Report      *domain.CheckReport
	Findings    []wbFinding
	Threads     []wbThread
	OpenThreads int
	// Notes are the comments written on the asset page about this
	// version, outside any thread.
	Notes           []domain.Comment
	Rounds          []wbRound
	DecideFunctions []wbChoice
	DefaultMeaning  string // the signature meaning offered to approve
	RejectMeaning   string // and to reject
	CanComment      bool
	CanSubmit       bool
	CanUpload       bool
	// Decision and DecisionComment are what the reviewer chose and wrote
	// in a decision that was refused, shown again (never the password).
	Decision, DecisionComment string
}

// ShowsPages reports whether the version is shown as page images (made or
// still being made); otherwise it is shown as its extracted text.
func (d workbenchData) ShowsPages() bool {
	return d.Pages.Status == domain.RenditionReady || d.Pages.Status == domain.RenditionPending
}

// textPage is the extracted text of one page.
type textPage struct {
	Number int
	Lines  []markedLine
}

// wbFinding is a checker finding as the rail lists it, with where its
// excerpt sits on the page images (Rects, JSON) when it was found there.
type wbFinding struct {
	domain.Finding
	Title    string // the rule's name in words
	Severity string // "Must fix" or "Check"
	Class    string
	Page     int
	Rects    string
}

// wbThread is a comment thread with its number on the page.
type wbThread struct {
	domain.Annotation
	Number   int
	Rects    string // where the thread sits on the page image, JSON
	RectJSON string // the region drawn when the thread was started, JSON
}

// wbRound is a review round of the version in words.
type wbRound struct {
	domain.ReviewRound
	Kind, Status string
	Tasks        []wbTask
}

type wbTask struct {
	domain.ReviewTask
	Function, Status, Class string
}

// wbChoice is an option of a select: its value and its words.
type wbChoice struct {
	Value, Label string
}

// stateWords names a version's state the way users speak of it.
func stateWords(s domain.State) string {
	switch s {
	case domain.StateDraft:
		return "Draft"
	case domain.StateInReview:
		return "In review"
	case domain.StateChangesRequested:
		return "Changes requested"
	case domain.StateRejected:
		return "Rejected"
	case domain.StateApproved:
		return "Approved"
	case domain.StatePublished:
		return "Published"
	case domain.StateExpired:
		return "Expired"
	case domain.StateWithdrawn:
		return "Withdrawn"
	case domain.StateSuperseded:
		return "Superseded"
	}
	return string(s)
}

// taskWords names a review task's or round's status.
func taskWords(status string) string {
	switch status {
	case domain.TaskOpen:
		return "Waiting for a decision"
	case domain.TaskApproved:
		return "Approved"
	case domain.TaskChanges:
		return "Changes requested"
	case domain.TaskRejected:
		return "Rejected"
	case domain.TaskCancelled:
		return "Not needed: the round closed"
	}
	return status
}

// taskClass is the badge of a task's status, matching the version states'.
func taskClass(status string) string {
	switch status {
	case domain.TaskOpen:
		return "in_review"
	case domain.TaskCancelled:
		return "superseded"
	}
	return status
}

// functionWords names a review function.
func functionWords(f string) string {
	switch f {
	case domain.FunctionMedical:
		return "Medical"
	case domain.FunctionLegal:
		return "Legal"
	case domain.FunctionRegulatory:
		return "Regulatory"
	}
	return f
}

// roundKindWords names the kind of a review round.
func roundKindWords(kind string) string {
	switch kind {
	case "initial":
		return "Review"
	case "recertification":
		return "Recertification"
	case "label_change":
		return "Re-review after a label change"
	}
	return kind
}

// ruleTitle is a checker rule's name in words, or its id if unknown.
func ruleTitle(id string) string {
	if t := ruleTitles()[id]; t != "" {
		return t
	}
	return id
}

// ruleTitles maps each checker rule's id to its title, read once from the
// embedded rules file.
var ruleTitles = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, r := range checker.DefaultRules().Rules {
		m[r.ID] = r.Title
	}
	return m
})

// rectsJSON encodes rects for a data attribute.
func rectsJSON(rects []domain.Rect) string {
	if len(rects) == 0 {
		return "[]"
	}
	b, err := json.Marshal(rects)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// newestVersion returns the newest version of vs when it is newer than v.
func newestVersion(vs []domain.Version, v domain.Version) *domain.Version {
	var newest *domain.Version
	for i := range vs {
		if vs[i].Number > v.Number && (newest == nil || vs[i].Number > newest.Number) {
			newest = &vs[i]
		}
	}
	return newest
}

// commentsOpen reports whether v's threads may still change: v is the
// newest version of vs and still a draft or in review.
func commentsOpen(vs []domain.Version, v domain.Version) bool {
	for _, o := range vs {
		if o.Number > v.Number {
			return false
		}
	}
	return v.TakesComments()
}

// previousVersion returns the newest version of vs numbered below v.
func previousVersion(vs []domain.Version, v domain.Version) *domain.Version {
	var prev *domain.Version
	for i := range vs {
		if vs[i].Number < v.Number && (prev == nil || vs[i].Number > prev.Number) {
			prev = &vs[i]
		}
	}
	return prev
}

// workbenchVersion loads the version the route names and its asset, both
// visible to the caller; other brands' versions are not found.
func (s *Server) workbenchVersion(c echo.Context) (domain.Version, domain.Asset, error) {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return v, domain.Asset{}, err
	}
	a, err := s.store.Asset(c.Request().Context(), v.AssetID)
	return v, a, err
}

// workbenchPage is the reviewer's view of one version: its pages with
// findings and comments pinned where they apply, and the decision panel.
func (s *Server) workbenchPage(c echo.Context) error {
	return s.workbenchPageWithStatus(c, http.StatusOK)
}

// workbenchPageWithStatus renders the workbench with status: 200, or the
// status of a refused form posted from it, with the problem shown.
func (s *Server) workbenchPageWithStatus(c echo.Context, status int) error {
	v, a, err := s.workbenchVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, a.ID)
	if err != nil {
		return err
	}
	d := workbenchData{
		Asset:      a,
		Version:    v,
		State:      stateWords(v.State),
		Previous:   previousVersion(vs, v),
		Newest:     newestVersion(vs, v),
		CanComment: s.can(c, a.Brand, "comment", "create") && commentsOpen(vs, v),
		CanSubmit:  v.State == domain.StateDraft && s.can(c, a.Brand, "version", "submit"),
		CanUpload:  s.can(c, a.Brand, "version", "upload"),
	}
	if d.Pages, err = s.pagesOf(ctx, v, true); err != nil {
		return err
	}
	if d.Report, err = s.latestReport(c, a, v); err != nil {
		return err
	}
	var findings []domain.Finding
	if d.Report != nil {
		findings = d.Report.Findings
	}
	d.Findings = s.placeFindings(ctx, v, findings, d.ShowsPages())
	if !d.ShowsPages() {
		_, linesJSON, err := s.store.VersionText(ctx, v.ID)
		if err != nil {
			return err
		}
		var lines []domain.TextLine
		if err := json.Unmarshal(linesJSON, &lines); err == nil {
			d.TextPages = textPages(markLines(lines, findings))
		}
	}
	if s.can(c, a.Brand, "comment", "read") {
		if err := s.loadComments(ctx, &d); err != nil {
			return err
		}
	}
	rounds, err := s.store.ReviewHistory(ctx, v.ID)
	if err != nil {
		return err
	}
	d.Rounds = roundsInWords(rounds)
	for _, f := range s.decideFunctions(c, a, v, rounds) {
		d.DecideFunctions = append(d.DecideFunctions, wbChoice{Value: f, Label: functionWords(f)})
	}
	if len(d.DecideFunctions) > 0 {
		d.DefaultMeaning = domain.DefaultMeaning(d.DecideFunctions[0].Value, domain.DecisionApprove)
		d.RejectMeaning = domain.DefaultMeaning(d.DecideFunctions[0].Value, domain.DecisionReject)
	}
	if status != http.StatusOK && c.Request().Method == http.MethodPost {
		d.Decision, d.DecisionComment = c.FormValue("decision"), c.FormValue("comment")
	}
	view := workbenchView{pageData: s.pageData(c, a.Title+" · v"+strconv.Itoa(v.Number)), Data: d}
	view.Flash = s.flashMessage(c)
	if msg, ok := c.Get("flash_error").(string); ok {
		view.FlashError = msg
	}
	return s.renderPage(c, status, view)
}

// placeFindings puts the findings in words and, when the version is shown
// as page images, finds where each excerpt sits on them.
func (s *Server) placeFindings(ctx context.Context, v domain.Version, findings []domain.Finding, onPages bool) []wbFinding {
	out := make([]wbFinding, 0, len(findings))
	var pages []domain.PageText
	if onPages && len(findings) > 0 {
		// Read the pages' text once for all the findings; without it the
		// findings are listed without their place on the page.
		pages, _ = s.store.PageTexts(ctx, v.SHA256)
	}
	for _, f := range findings {
		wf := wbFinding{Finding: f, Title: ruleTitle(f.RuleID), Severity: "Check", Class: "warning", Page: f.Page, Rects: "[]"}
		if f.Severity == domain.SeverityError {
			wf.Severity, wf.Class = "Must fix", "error"
		}
		if f.Excerpt != "" && len(pages) > 0 {
			page, rects := locateIn(pages, max(f.Page, 1), f.Excerpt)
			wf.Page, wf.Rects = page, rectsJSON(rects)
		}
		out = append(out, wf)
	}
	return out
}

// loadComments loads the comment threads on d's version and the comments
// written about it on the asset page.
func (s *Server) loadComments(ctx context.Context, d *workbenchData) error {
	anns, err := s.annotationsOf(ctx, d.Version)
	if err != nil {
		return err
	}
	d.Threads = threads(anns)
	for _, t := range d.Threads {
		if t.State != domain.AnnotationResolved {
			d.OpenThreads++
		}
	}
	notes, err := s.store.Comments(ctx, d.Asset.ID)
	if err != nil {
		return err
	}
	for _, n := range notes {
		if n.VersionID == d.Version.ID {
			d.Notes = append(d.Notes, n)
		}
	}
	return nil
}

// textPages groups marked lines by page.
func textPages(lines []markedLine) []textPage {
	var out []textPage
	for _, l := range lines {
		if len(out) == 0 || out[len(out)-1].Number != l.Page {
			out = append(out, textPage{Number: l.Page})
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out
}

// threads numbers the comment threads in page order, then oldest first,
// the order of their pins on the pages.
func threads(anns []domain.Annotation) []wbThread {
	sorted := slices.Clone(anns)
	slices.SortStableFunc(sorted, func(a, b domain.Annotation) int {
		return cmp.Or(cmp.Compare(a.Page, b.Page), a.CreatedAt.Compare(b.CreatedAt))
	})
	out := make([]wbThread, 0, len(sorted))
	for i, a := range sorted {
		rects := a.Rects
		if len(rects) == 0 {
			rects = []domain.Rect{a.Rect}
		}
		out = append(out, wbThread{Annotation: a, Number: i + 1, Rects: rectsJSON(rects), RectJSON: rectsJSON([]domain.Rect{a.Rect})})
	}
	return out
}

func roundsInWords(rounds []domain.ReviewRound) []wbRound {
	out := make([]wbRound, 0, len(rounds))
	for i := len(rounds) - 1; i >= 0; i-- { // newest first
		r := rounds[i]
		wr := wbRound{ReviewRound: r, Kind: roundKindWords(r.Kind), Status: taskWords(r.Status)}
		if r.Status == domain.TaskOpen {
			wr.Status = "Open"
		}
		for _, t := range r.Tasks {
			wr.Tasks = append(wr.Tasks, wbTask{ReviewTask: t, Function: functionWords(t.Function), Status: taskWords(t.Status),
				Class: taskClass(t.Status)})
		}
		out = append(out, wr)
	}
	return out
}

// compareView is what compare.html shows: two versions of an asset side by
// side, page by page, with what changed boxed, the word-level redline, and
// what became of the older version's comment threads.
type compareView struct {
	*pageData
	Data compareData
}

func (compareView) templateName() string { return "compare.html" }

type compareData struct {
	Asset domain.Asset
	This  domain.Version  // the version whose page this is
	Older *domain.Version // nil when the asset has a single version
	Newer *domain.Version
	// OlderState and NewerState are the two versions' states in words.
	OlderState, NewerState string
	Others                 []domain.Version // the versions This can be compared with
	With                   string           // the ID of the version compared with
	// PagesPending is set while either version's page images are still
	// being prepared.
	PagesPending bool
	Pairs        []pagePair
	Changes      []wbChange
	Threads      []wbThreadStatus
}

// pagePair is page Number of both versions, nil where a version has no
// such page, with the changed regions of each.
type pagePair struct {
	Number             int
	Old, New           *pageJSON
	OldBoxes, NewBoxes []domain.Rect
}

// wbChange is one change of the redline.
type wbChange struct {
	domain.TextChange
	Label string
}

// wbThreadStatus is what became of a thread, in words.
type wbThreadStatus struct {
	domain.ThreadStatus
	Label, Class string
}

func threadStatusWords(status string) (label, class string) {
	switch status {
	case "addressed":
		return "Addressed", "addressed"
	case "removed":
		return "Text removed", "removed"
	}
	return "Still open", "open"
}

// comparePage shows what changed between two versions of an asset.
func (s *Server) comparePage(c echo.Context) error {
	v, a, err := s.workbenchVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, a.ID)
	if err != nil {
		return err
	}
	d := compareData{Asset: a, This: v}
	var other *domain.Version
	for i := range vs {
		if vs[i].ID == v.ID {
			continue
		}
		d.Others = append(d.Others, vs[i])
		if vs[i].ID == c.QueryParam("with") {
			other = &vs[i]
		}
	}
	if c.QueryParam("with") != "" && other == nil {
		return domain.Errorf(domain.ENOTFOUND, "No such version of this asset.")
	}
	if other == nil {
		other = previousVersion(vs, v)
	}
	if other == nil && len(d.Others) > 0 {
		other = &d.Others[len(d.Others)-1]
	}
	title := a.Title + " · compare"
	if other != nil {
		d.With = other.ID
		older, newer := *other, v
		if older.Number > newer.Number {
			older, newer = newer, older
		}
		d.Older, d.Newer = &older, &newer
		d.OlderState, d.NewerState = stateWords(older.State), stateWords(newer.State)
		title = a.Title + " · v" + strconv.Itoa(older.Number) + " and v" + strconv.Itoa(newer.Number)
		if err := s.fillComparison(c, &d); err != nil {
			return err
		}
	}
	return s.renderPage(c, http.StatusOK, compareView{pageData: s.pageData(c, title), Data: d})
}

// fillComparison loads both versions' pages and their comparison into d.
func (s *Server) fillComparison(c echo.Context, d *compareData) error {
	ctx := c.Request().Context()
	oldPages, err := s.pagesOf(ctx, *d.Older, true)
	if err != nil {
		return err
	}
	newPages, err := s.pagesOf(ctx, *d.Newer, true)
	if err != nil {
		return err
	}
	d.PagesPending = oldPages.Status == domain.RenditionPending || newPages.Status == domain.RenditionPending
	cmpr, err := s.compareVersions(ctx, *d.Older, *d.Newer)
	if err != nil {
		return err
	}
	d.Pairs = pagePairs(oldPages.Pages, newPages.Pages, cmpr.Changes)
	for _, ch := range cmpr.Changes {
		label := "Changed"
		switch ch.Kind {
		case "insert":
			label = "Added"
		case "delete":
			label = "Removed"
		}
		d.Changes = append(d.Changes, wbChange{TextChange: ch, Label: label})
	}
	for _, t := range cmpr.Annotations {
		label, class := threadStatusWords(t.Status)
		d.Threads = append(d.Threads, wbThreadStatus{ThreadStatus: t, Label: label, Class: class})
	}
	return nil
}

// pagePairs lines up the pages of two versions by number with the changed
// regions of each page.
func pagePairs(older, newer []pageJSON, changes []domain.TextChange) []pagePair {
	n := max(len(older), len(newer))
	pairs := make([]pagePair, n)
	for i := range pairs {
		pairs[i].Number = i + 1
	}
	for i := range older {
		if p := older[i].Number; p >= 1 && p <= n {
			pairs[p-1].Old = &older[i]
		}
	}
	for i := range newer {
		if p := newer[i].Number; p >= 1 && p <= n {
			pairs[p-1].New = &newer[i]
		}
	}
	for _, ch := range changes {
		if ch.OldPage >= 1 && ch.OldPage <= n {
			pairs[ch.OldPage-1].OldBoxes = append(pairs[ch.OldPage-1].OldBoxes, ch.OldRects...)
		}
		if ch.Page >= 1 && ch.Page <= n {
			pairs[ch.Page-1].NewBoxes = append(pairs[ch.Page-1].NewBoxes, ch.Rects...)
		}
	}
	return pairs
}
