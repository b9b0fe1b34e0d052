package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/object"
)

// assetFilter reads the listing filters shared by the API and the web page.
func (s *Server) assetFilter(c echo.Context) (domain.AssetFilter, error) {
	f := domain.AssetFilter{
		Brand: c.QueryParam("brand"), State: domain.State(c.QueryParam("state")), Audience: domain.Audience(c.QueryParam("audience")),
		Channel: domain.Channel(
			c.QueryParam("channel"),
		), Tag: c.QueryParam("tag"), Query: c.QueryParam("q"), Cursor: c.QueryParam("cursor"),
	}
	var v domain.Validation
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		v.Check(err == nil && n >= 1 && n <= 200, "limit", "Use a number from 1 to 200.")
		f.Limit = n
	}
	v.Check(f.State == "" || slices.Contains(domain.States, f.State), "state", "Unknown state.")
	v.Check(f.Audience == "" || slices.Contains(domain.Audiences, f.Audience), "audience", "Choose hcp, patient or payer.")
	v.Check(f.Channel == "" || slices.Contains(domain.Channels, f.Channel), "channel", "Unknown channel.")
	v.Check(len(f.Query) <= 200, "q", "Use at most 200 characters.")
	if err := v.Err(); err != nil {
		return f, err
	}
	f.AllBrands, f.Brands = s.authz.Brands(principalOf(c).user, "asset", "read")
	return f, nil
}

func (s *Server) apiListAssets(c echo.Context) error {
	f, err := s.assetFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListAssets(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// assetsView is what assets.html shows: the marketers' list of assets.
type assetsView struct {
	*pageData
	Form assetsForm
	Data assetsData
}

func (assetsView) templateName() string { return "assets.html" }

// assetsForm is the assets page's filter form.
type assetsForm struct {
	Q, Brand, State, Audience, Channel, Tag string
}

type assetsData struct {
	Assets     []domain.Asset
	NextURL    string
	Brands     []string
	States     []domain.State
	Audiences  []domain.Audience
	Channels   []domain.Channel
	CanCreate  bool
	NextCursor string
	Actions    []domain.ActionItem // the caller's assets that wait for them
}

// brandCodes lists the brands in which the caller may do object/action.
func (s *Server) brandCodes(c echo.Context, object, action string) ([]string, error) {
	all, codes := s.authz.Brands(principalOf(c).user, object, action)
	if !all {
		return codes, nil
	}
	brands, err := s.store.ListBrands(c.Request().Context(), true, nil)
	if err != nil {
		return nil, err
	}
	codes = codes[:0]
	for _, b := range brands {
		codes = append(codes, b.Code)
	}
	return codes, nil
}

func (s *Server) assetsPage(c echo.Context) error {
	form := assetsForm{
		Q:        c.QueryParam("q"),
		Brand:    c.QueryParam("brand"),
		State:    c.QueryParam("state"),
		Audience: c.QueryParam("audience"),
		Channel:  c.QueryParam("channel"),
		Tag:      c.QueryParam("tag"),
	}
	data := assetsView{pageData: s.pageData(c, "Assets"), Form: form}
	brands, err := s.brandCodes(c, "asset", "read")
	if err != nil {
		return err
	}
	ld := assetsData{
		Brands:    brands,
		States:    domain.States,
		Audiences: domain.Audiences,
		Channels:  domain.Channels,
		CanCreate: s.authz.CanSomewhere(principalOf(c).user, "asset", "create"),
	}
	if ld.CanCreate {
		if ld.Actions, err = s.store.NeedsAction(c.Request().Context(), principalOf(c).user.ID, s.now(), 30*24*time.Hour); err != nil {
			return err
		}
	}
	f, err := s.assetFilter(c)
	status := http.StatusOK
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		data.Errors = domain.ErrorFields(err)
		status = http.StatusUnprocessableEntity
	} else {
		page, err := s.store.ListAssets(c.Request().Context(), f)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				return err
			}
			data.Errors = domain.ErrorFields(err)
			status = http.StatusUnprocessableEntity
		}
		ld.Assets = page.Assets
		if page.NextCursor != "" {
			q := c.QueryParams()
			q.Set("cursor", page.NextCursor)
			ld.NextURL = "/assets?" + q.Encode()
		}
	}
	data.Data = ld
	return s.renderPage(c, status, data)
}

func (s *Server) apiCreateAsset(c echo.Context) error {
	var in domain.NewAsset
	if err := decodeValid(c, &in); err != nil {
		return err
	}
	if !s.can(c, in.Brand, "asset", "create") {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot create assets for brand %s.", in.Brand)
	}
	a, err := s.store.CreateAsset(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// assetForm is the new-asset form.
type assetForm struct {
	JobCode, Title, Brand, Audience, Channel, Tags string
}

// assetNewView is what asset_new.html shows: the form and its choices.
type assetNewView struct {
	*pageData
	Form assetForm
	Data assetNewData
}

func (assetNewView) templateName() string { return "asset_new.html" }

type assetNewData struct {
	Brands    []string
	Audiences []domain.Audience
	Channels  []domain.Channel
}

func (s *Server) assetFormData(c echo.Context, form assetForm, errs map[string]string) (assetNewView, error) {
	brands, err := s.brandCodes(c, "asset", "create")
	if err != nil {
		return assetNewView{}, err
	}
	data := assetNewView{pageData: s.pageData(c, "New asset"), Form: form,
		Data: assetNewData{Brands: brands, Audiences: domain.Audiences, Channels: domain.Channels}}
	data.Errors = errs
	return data, nil
}

func (s *Server) assetNewPage(c echo.Context) error {
	data, err := s.assetFormData(c, assetForm{}, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) assetCreate(c echo.Context) error {
	form := assetForm{
		JobCode:  c.FormValue("job_code"),
		Title:    c.FormValue("title"),
		Brand:    c.FormValue("brand"),
		Audience: c.FormValue("audience"),
		Channel:  c.FormValue("channel"),
		Tags:     c.FormValue("tags"),
	}
	in := domain.NewAsset{
		JobCode:  form.JobCode,
		Title:    form.Title,
		Brand:    form.Brand,
		Audience: domain.Audience(form.Audience),
		Channel:  domain.Channel(form.Channel),
		Tags:     strings.Split(form.Tags, ","),
	}
	err := in.Validate()
	if err == nil && !s.can(c, in.Brand, "asset", "create") {
		err = invalidField("brand", "You cannot create assets for this brand.")
	}
	var a domain.Asset
	if err == nil {
		a, err = s.store.CreateAsset(c.Request().Context(), s.actor(c), in)
	}
	if err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ECONFLICT {
			return err
		}
		data, derr := s.assetFormData(c, form, domain.ErrorFields(err))
		if derr != nil {
			return derr
		}
		data.FlashError = domain.ErrorMessage(err)
		return s.renderPage(c, http.StatusUnprocessableEntity, data)
	}
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(a.ID))
}

// visibleAsset loads an asset the caller may do object/action on; anything
// else is "not found", so that the existence of other brands' material does
// not leak.
func (s *Server) visibleAsset(c echo.Context, id, object, action string) (domain.Asset, error) {
	a, err := s.store.Asset(c.Request().Context(), id)
	if err != nil {
		return a, err
	}
	if err := s.allowed(c, a.Brand, "asset", "asset", object, action); err != nil {
		return domain.Asset{}, err
	}
	return a, nil
}

type assetDetail struct {
	domain.Asset
	Versions []domain.Version `json:"versions"`
}

func (s *Server) apiGetAsset(c echo.Context) error {
	a, err := s.visibleAsset(c, c.Param("id"), "asset", "read")
	if err != nil {
		return err
	}
	vs, err := s.store.Versions(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, assetDetail{Asset: a, Versions: vs})
}

// assetView is what asset.html shows: one asset and its selected version.
type assetView struct {
	*pageData
	Data assetPageData
}

func (assetView) templateName() string { return "asset.html" }

type assetPageData struct {
	Asset           domain.Asset
	Versions        []domain.Version
	Selected        *domain.Version
	PreviewKind     string // "image" or "video": shown as itself; "": shown as its text only
	SelectedSize    string
	TextOpen        bool // the extracted text is open: it is the preview, or it has findings
	CanUpload       bool
	MaxUpload       string
	Report          *domain.CheckReport
	CanRunCheck     bool
	CanWaive        bool
	TextLines       []markedLine
	CanSubmit       bool
	Rounds          []domain.ReviewRound
	DecideFunctions []string
	Comments        []domain.Comment
	CanComment      bool
	CanPublish      bool
	CanWithdraw     bool
	MaxExpiryMonths int
	DefaultExpiry   string
}

// markedLine is a line of extracted text split into plain and highlighted
// parts, so that the template can mark the checker's excerpts.
type markedLine struct {
	Page, Line int
	Flagged    bool
	Parts      []markedPart
}

type markedPart struct {
	Text string
	Mark bool
}

// markLines highlights each finding's excerpt in the lines it points at:
// the whole excerpt where it occurs in the line, else the line itself.
func markLines(lines []domain.TextLine, findings []domain.Finding) []markedLine {
	type key struct{ page, line int }
	excerpts := map[key][]string{}
	for _, f := range findings {
		if f.Page > 0 {
			excerpts[key{f.Page, f.Line}] = append(excerpts[key{f.Page, f.Line}], f.Excerpt)
		}
	}
	out := make([]markedLine, 0, len(lines))
	for _, l := range lines {
		ml := markedLine{Page: l.Page, Line: l.Line, Parts: []markedPart{{Text: l.Text}}}
		if ex, ok := excerpts[key{l.Page, l.Line}]; ok {
			ml.Flagged = true
			ml.Parts = highlight(l.Text, ex)
		}
		out = append(out, ml)
	}
	return out
}

func highlight(text string, excerpts []string) []markedPart {
	lower := strings.ToLower(text)
	for _, ex := range excerpts {
		ex = strings.ToLower(strings.TrimSpace(ex))
		if ex == "" {
			continue
		}
		if i := strings.Index(lower, ex); i >= 0 {
			return []markedPart{{Text: text[:i]}, {Text: text[i : i+len(ex)], Mark: true}, {Text: text[i+len(ex):]}}
		}
	}
	return []markedPart{{Text: text, Mark: true}}
}

// previewKind says how the asset page shows a version: images and video as
// themselves (served inline under the sandbox policy, where a browser only
// decodes them), everything else only as its extracted text. A PDF, HTML or
// Office file is never embedded in a page: its viewer could run the script
// it carries.
func previewKind(mediaType string) string {
	switch mediaType {
	case extract.PNG, extract.JPEG:
		return "image"
	case extract.MP4:
		return "video"
	}
	return ""
}

func (s *Server) assetPage(c echo.Context) error { return s.assetPageWithStatus(c, http.StatusOK) }

func (s *Server) assetPageWithStatus(c echo.Context, status int) error {
	a, err := s.visibleAsset(c, c.Param("id"), "asset", "read")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, a.ID)
	if err != nil {
		return err
	}
	pd := assetPageData{
		Asset:     a,
		Versions:  vs,
		CanUpload: s.can(c, a.Brand, "version", "upload"),
		MaxUpload: object.HumanBytes(s.objects.MaxUpload()),
	}
	want := c.QueryParam("version")
	for i := range vs {
		if (want == "" && i == 0) || vs[i].ID == want {
			pd.Selected = &vs[i]
			break
		}
	}
	if s.can(c, a.Brand, "comment", "read") {
		if pd.Comments, err = s.store.Comments(ctx, a.ID); err != nil {
			return err
		}
	}
	pd.CanComment = s.can(c, a.Brand, "comment", "create")
	if pd.Selected != nil {
		pd.CanSubmit = pd.Selected.State == domain.StateDraft && s.can(c, a.Brand, "version", "submit")
		pd.CanPublish = pd.Selected.State == domain.StateApproved && s.can(c, a.Brand, "version", "publish")
		pd.CanWithdraw = (pd.Selected.State == domain.StateApproved || pd.Selected.State == domain.StatePublished) &&
			s.can(c, a.Brand, "version", "withdraw")
		if pd.CanPublish {
			b, err := s.store.Brand(ctx, a.Brand)
			if err != nil {
				return err
			}
			pd.MaxExpiryMonths = b.Label.MaxExpiryMonths
			pd.DefaultExpiry = s.now().AddDate(0, min(6, b.Label.MaxExpiryMonths), -1).Format(time.DateOnly)
		}
		if pd.Rounds, err = s.store.ReviewHistory(ctx, pd.Selected.ID); err != nil {
			return err
		}
		pd.DecideFunctions = s.decideFunctions(c, a, *pd.Selected, pd.Rounds)
		pd.CanRunCheck = s.can(c, a.Brand, "compliance", "run") && domain.CanRecheck(pd.Selected.State) == nil
		pd.CanWaive = s.can(c, a.Brand, "compliance", "waive")
		if pd.Report, err = s.latestReport(c, a, *pd.Selected); err != nil {
			return err
		}
		_, linesJSON, err := s.store.VersionText(ctx, pd.Selected.ID)
		if err != nil {
			return err
		}
		var lines []domain.TextLine
		if err := json.Unmarshal(linesJSON, &lines); err == nil {
			var findings []domain.Finding
			if pd.Report != nil {
				findings = pd.Report.Findings
			}
			pd.TextLines = markLines(lines, findings)
		}
		pd.PreviewKind = previewKind(pd.Selected.MediaType)
		pd.SelectedSize = object.HumanBytes(pd.Selected.Size)
		pd.TextOpen = pd.PreviewKind == "" || (pd.Report != nil && !pd.Report.Passed)
	}
	data := assetView{pageData: s.pageData(c, a.JobCode), Data: pd}
	data.Flash = s.flashMessage(c)
	if msg, ok := c.Get("flash_error").(string); ok {
		data.FlashError = msg
	}
	return s.renderPage(c, status, data)
}

// decideFunctions lists the review functions in which the caller may record
// a decision on v now: the open tasks of its current round (rounds as
// ReviewHistory returns them), unless the caller uploaded v or owns a.
func (s *Server) decideFunctions(c echo.Context, a domain.Asset, v domain.Version, rounds []domain.ReviewRound) []string {
	me := principalOf(c).user
	if v.State != domain.StateInReview || len(rounds) == 0 || me.ID == v.UploadedBy || me.ID == a.OwnerID {
		return nil
	}
	var fns []string
	for _, t := range rounds[len(rounds)-1].Tasks {
		if t.Status == domain.TaskOpen && s.can(c, a.Brand, "review", t.Function) {
			fns = append(fns, t.Function)
		}
	}
	return fns
}

// latestReport returns v's newest checker report, or nil when there is none
// or the caller may not read checker reports.
func (s *Server) latestReport(c echo.Context, a domain.Asset, v domain.Version) (*domain.CheckReport, error) {
	if !s.can(c, a.Brand, "compliance", "read") {
		return nil, nil
	}
	r, err := s.store.LatestReport(c.Request().Context(), v.ID)
	switch {
	case err == nil:
		return &r, nil
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return nil, err
	}
	return nil, nil
}

// backToVersion redirects to the asset page showing the version.
func backToVersion(c echo.Context, v domain.Version) error {
	if fromWorkbench(c) {
		return c.Redirect(http.StatusSeeOther, "/versions/"+url.PathEscape(v.ID))
	}
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(v.AssetID)+"?version="+url.QueryEscape(v.ID))
}

// fromWorkbench reports whether a form was posted from the review
// workbench, which the answer then returns to.
func fromWorkbench(c echo.Context) bool { return c.FormValue("return") == "workbench" }

// showAssetError renders the asset page again with the problem, for forms
// on that page whose input was refused.
func (s *Server) showAssetError(c echo.Context, v domain.Version, err error) error {
	code := domain.ErrorCode(err)
	status := map[string]int{
		domain.EINVALID:   http.StatusUnprocessableEntity,
		domain.ECONFLICT:  http.StatusConflict,
		domain.EFORBIDDEN: http.StatusForbidden,
	}[code]
	if status == 0 {
		return err
	}
	msg := domain.ErrorMessage(err)
	for field, m := range domain.ErrorFields(err) {
		msg += " " + field + ": " + m
	}
	c.Set("flash_error", msg)
	if fromWorkbench(c) {
		return s.workbenchPageWithStatus(c, status)
	}
	c.SetParamNames("id")
	c.SetParamValues(v.AssetID)
	c.QueryParams().Set("version", v.ID)
	return s.assetPageWithStatus(c, status)
}

// expiringView is what expiring.html shows: the pieces expiring within Days.
type expiringView struct {
	*pageData
	Data daysList[domain.LibraryItem]
}

func (expiringView) templateName() string { return "expiring.html" }

// daysList is a list over a number of days the user picks among Choices.
type daysList[T any] struct {
	Items   []T
	Days    int
	Choices []int
}

func (s *Server) expiringPage(c echo.Context) error {
	days, _ := strconv.Atoi(c.QueryParam("days"))
	if days != 60 && days != 90 {
		days = 30
	}
	all, brands := s.authz.Brands(principalOf(c).user, "asset", "read")
	now := s.now()
	items, err := s.store.ExpiringSoon(c.Request().Context(), all, brands, now, now.AddDate(0, 0, days))
	if err != nil {
		return err
	}
	data := expiringView{pageData: s.pageData(c, "Expiring soon"),
		Data: daysList[domain.LibraryItem]{Items: items, Days: days, Choices: []int{30, 60, 90}}}
	return s.renderPage(c, http.StatusOK, data)
}
