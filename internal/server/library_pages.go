package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/object"
)

// libraryForm is the library page's filter form.
type libraryForm struct {
	Q, Brand, State, Audience, Channel, Tag string
}

type libraryData struct {
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

func (s *Server) libraryPage(c echo.Context) error {
	form := libraryForm{Q: c.QueryParam("q"), Brand: c.QueryParam("brand"), State: c.QueryParam("state"), Audience: c.QueryParam("audience"), Channel: c.QueryParam("channel"), Tag: c.QueryParam("tag")}
	data := s.pageData(c, "Library")
	data.Form = form
	brands, err := s.brandCodes(c, "asset", "read")
	if err != nil {
		return err
	}
	ld := libraryData{Brands: brands, States: domain.States, Audiences: domain.Audiences, Channels: domain.Channels, CanCreate: s.authz.CanSomewhere(principalOf(c).user, "asset", "create")}
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
	return s.renderPage(c, status, "library.html", data)
}

// assetForm is the new-asset form.
type assetForm struct {
	JobCode, Title, Brand, Audience, Channel, Tags string
}

func (s *Server) assetFormData(c echo.Context, form assetForm, errs map[string]string) (*pageData, error) {
	brands, err := s.brandCodes(c, "asset", "create")
	if err != nil {
		return nil, err
	}
	data := s.pageData(c, "New asset")
	data.Form, data.Errors = form, errs
	data.Data = map[string]any{"Brands": brands, "Audiences": domain.Audiences, "Channels": domain.Channels}
	return data, nil
}

func (s *Server) assetNewPage(c echo.Context) error {
	data, err := s.assetFormData(c, assetForm{}, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, http.StatusOK, "asset_new.html", data)
}

func (s *Server) assetCreate(c echo.Context) error {
	form := assetForm{JobCode: c.FormValue("job_code"), Title: c.FormValue("title"), Brand: c.FormValue("brand"), Audience: c.FormValue("audience"), Channel: c.FormValue("channel"), Tags: c.FormValue("tags")}
	in := domain.NewAsset{JobCode: form.JobCode, Title: form.Title, Brand: form.Brand, Audience: domain.Audience(form.Audience), Channel: domain.Channel(form.Channel), Tags: strings.Split(form.Tags, ",")}
	err := in.Validate()
	if err == nil && !s.can(c, in.Brand, "asset", "create") {
		err = &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"brand": "You cannot create assets for this brand."}}
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
		return s.renderPage(c, http.StatusUnprocessableEntity, "asset_new.html", data)
	}
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(a.ID))
}

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
	pd := assetPageData{Asset: a, Versions: vs, CanUpload: s.can(c, a.Brand, "version", "upload"), MaxUpload: object.HumanBytes(s.objects.MaxUpload())}
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
		pd.CanWithdraw = (pd.Selected.State == domain.StateApproved || pd.Selected.State == domain.StatePublished) && s.can(c, a.Brand, "version", "withdraw")
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
		me := principalOf(c).user
		if pd.Selected.State == domain.StateInReview && len(pd.Rounds) > 0 && me.ID != pd.Selected.UploadedBy && me.ID != a.OwnerID {
			for _, t := range pd.Rounds[len(pd.Rounds)-1].Tasks {
				if t.Status == domain.TaskOpen && s.can(c, a.Brand, "review", t.Function) {
					pd.DecideFunctions = append(pd.DecideFunctions, t.Function)
				}
			}
		}
		pd.CanRunCheck = s.can(c, a.Brand, "compliance", "run") && domain.CanRecheck(pd.Selected.State) == nil
		pd.CanWaive = s.can(c, a.Brand, "compliance", "waive")
		if s.can(c, a.Brand, "compliance", "read") {
			r, err := s.store.LatestReport(ctx, pd.Selected.ID)
			switch {
			case err == nil:
				pd.Report = &r
			case domain.ErrorCode(err) != domain.ENOTFOUND:
				return err
			}
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
	data := s.pageData(c, a.JobCode)
	data.Data = pd
	data.Flash = s.flashMessage(c)
	if msg, ok := c.Get("flash_error").(string); ok {
		data.FlashError = msg
	}
	return s.renderPage(c, status, "asset.html", data)
}

func (s *Server) webRunCheck(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "run")
	if err != nil {
		return err
	}
	if _, err := s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck); err != nil {
		return err
	}
	s.setFlash(c, "checked")
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(v.AssetID)+"?version="+url.QueryEscape(v.ID))
}

func (s *Server) webWaiveFinding(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "waive")
	if err != nil {
		return err
	}
	in := waiveRequest{signatureRequest: signatureRequest{Password: c.FormValue("password"), Meaning: c.FormValue("meaning")}, Justification: c.FormValue("justification")}
	if _, err := s.waive(c, v, c.Param("fid"), in); err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ECONFLICT && code != domain.EFORBIDDEN {
			return err
		}
		// Show the asset page again with what went wrong.
		msg := domain.ErrorMessage(err)
		for field, m := range domain.ErrorFields(err) {
			msg += " " + field + ": " + m
		}
		c.Set("flash_error", msg)
		c.SetParamNames("id")
		c.SetParamValues(v.AssetID)
		c.QueryParams().Set("version", v.ID)
		return s.assetPageWithStatus(c, http.StatusUnprocessableEntity)
	}
	s.setFlash(c, "waived")
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(v.AssetID)+"?version="+url.QueryEscape(v.ID))
}

// webUploadVersion is the browser's upload. The page's script sends the
// CSRF token as a header; the body is a stream and is never parsed as a
// form, so a form-field token would not be seen.
func (s *Server) webUploadVersion(c echo.Context) error {
	a, err := s.visibleAsset(c, c.Param("id"), "version", "upload")
	if err != nil {
		return err
	}
	v, err := s.receiveUpload(c, a)
	if err != nil {
		return err
	}
	s.checkAfterUpload(c, v)
	if wantsHTML(c.Request()) {
		return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(a.ID)+"?version="+url.QueryEscape(v.ID))
	}
	return c.JSON(http.StatusCreated, v)
}
