package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
)

// libraryForm is the library page's filter form.
type libraryForm struct {
	Q, Brand, State, Audience, Channel, Tag string
}

type libraryData struct {
	Assets     []domain.Asset
	NextURL    string
	Brands     []string
	States     []string
	Audiences  []string
	Channels   []string
	CanCreate  bool
	NextCursor string
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
	data.Data = map[string][]string{"Brands": brands, "Audiences": domain.Audiences, "Channels": domain.Channels}
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
	in := domain.NewAsset{JobCode: form.JobCode, Title: form.Title, Brand: form.Brand, Audience: form.Audience, Channel: form.Channel, Tags: strings.Split(form.Tags, ",")}
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
	Asset       domain.Asset
	Versions    []domain.Version
	Selected    *domain.Version
	PreviewKind string
	PreviewText string
	CanUpload   bool
	MaxUpload   string
}

func previewKind(mediaType string) string {
	switch mediaType {
	case extract.PDF:
		return "pdf"
	case extract.PNG, extract.JPEG:
		return "image"
	case extract.MP4:
		return "video"
	case extract.Text:
		return "text"
	case extract.HTML:
		return "html"
	}
	return ""
}

func (s *Server) assetPage(c echo.Context) error {
	a, err := s.visibleAsset(c, c.Param("id"), "asset", "read")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	vs, err := s.store.Versions(ctx, a.ID)
	if err != nil {
		return err
	}
	pd := assetPageData{Asset: a, Versions: vs, CanUpload: s.can(c, a.Brand, "version", "upload"), MaxUpload: humanSize(s.library.MaxUpload())}
	want := c.QueryParam("version")
	for i := range vs {
		if (want == "" && i == 0) || vs[i].ID == want {
			pd.Selected = &vs[i]
			break
		}
	}
	if pd.Selected != nil {
		pd.PreviewKind = previewKind(pd.Selected.MediaType)
		if pd.PreviewKind == "text" || pd.PreviewKind == "html" {
			text, _, err := s.store.VersionText(ctx, pd.Selected.ID)
			if err != nil {
				return err
			}
			pd.PreviewText = text
		}
	}
	data := s.pageData(c, a.JobCode)
	data.Data = pd
	return s.renderPage(c, http.StatusOK, "asset.html", data)
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
	if wantsHTML(c.Request()) {
		return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(a.ID)+"?version="+url.QueryEscape(v.ID))
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) webVersionContent(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "download")
	if err != nil {
		return err
	}
	return s.serveVersion(c, v, c.QueryParam("disposition") == "inline")
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return formatFloat(float64(n)/(1<<30)) + " GiB"
	case n >= 1<<20:
		return formatFloat(float64(n)/(1<<20)) + " MiB"
	}
	return formatFloat(float64(n)/(1<<10)) + " KiB"
}

func formatFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 1, 64), "0"), ".")
}
