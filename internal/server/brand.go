package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) apiListBrands(c echo.Context) error {
	all, codes := s.authz.Brands(principalOf(c).user, "brand", "read")
	brands, err := s.store.ListBrands(c.Request().Context(), all, codes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"brands": brands})
}

func (s *Server) apiCreateBrand(c echo.Context) error {
	var in domain.NewBrand
	if err := decodeValid(c, &in); err != nil {
		return err
	}
	b, err := s.store.CreateBrand(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (s *Server) apiGetBrand(c echo.Context) error {
	code := c.Param("brand")
	b, err := s.readableBrand(c, code, "brand")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// labelForm is the label edit form; list fields are one item per line.
type labelForm struct {
	ProprietaryName, EstablishedName, Indication, ISIStatements, PIReference string
	LaunchDate, MaxExpiryMonths, OffLabelTerms, ReviewSLADays                string
	RereviewGraceDays                                                        string // empty: the default
	BoxedWarning                                                             bool
}

type functionChoice struct {
	Name    string
	Checked bool
}

// labelView is what label.html shows: the label form and the history.
type labelView struct {
	*pageData
	Form labelForm
	Data labelPageData
}

func (labelView) templateName() string { return "label.html" }

type labelPageData struct {
	Brand     domain.Brand
	Versions  []labelRevision
	CanEdit   bool
	Functions []functionChoice
}

// labelRevision is one label version as the history lists it, with what
// changed from the version before.
type labelRevision struct {
	Version   int
	CreatedAt time.Time
	ISICount  int
	Changed   string
}

// labelHistory lists the label versions newest first, naming what each
// changed: a version that changed nothing in the profile was made by a
// change of the claims library.
func labelHistory(versions []domain.Label) []labelRevision {
	out := make([]labelRevision, len(versions))
	for i, l := range versions {
		r := labelRevision{Version: l.Version, CreatedAt: l.CreatedAt, ISICount: len(l.ISIStatements), Changed: "First version"}
		if i > 0 {
			r.Changed = "Claims library"
			if diff := domain.LabelDifferences(versions[i-1], l); len(diff) > 0 {
				r.Changed = strings.Join(diff, ", ")
				r.Changed = strings.ToUpper(r.Changed[:1]) + r.Changed[1:]
			}
		}
		out[len(versions)-1-i] = r
	}
	return out
}

func formOfLabel(l domain.Label) labelForm {
	return labelForm{ProprietaryName: l.ProprietaryName, EstablishedName: l.EstablishedName, Indication: l.Indication,
		ISIStatements: strings.Join(l.ISIStatements, "\n"), PIReference: l.PIReference, LaunchDate: l.LaunchDate,
		MaxExpiryMonths: strconv.Itoa(l.MaxExpiryMonths), OffLabelTerms: strings.Join(l.OffLabelTerms, "\n"), BoxedWarning: l.BoxedWarning,
		ReviewSLADays: strconv.Itoa(l.ReviewSLADays), RereviewGraceDays: strconv.Itoa(l.GraceDays())}
}

// graceDays reads the re-review grace field: empty means the default
// (nil), anything but a whole number is -1, which fails validation.
func graceDays(field string) *int {
	field = strings.TrimSpace(field)
	if field == "" {
		return nil
	}
	days, err := strconv.Atoi(field)
	if err != nil {
		days = -1
	}
	return &days
}

func (s *Server) labelPage(c echo.Context) error {
	return s.renderLabelPage(c, http.StatusOK, nil, nil, nil)
}

func (s *Server) renderLabelPage(c echo.Context, status int, form *labelForm, functions []string, errs map[string]string) error {
	code := c.Param("brand")
	ctx := c.Request().Context()
	b, err := s.readableBrand(c, code, "label")
	if err != nil {
		return err
	}
	versions, err := s.store.Labels(ctx, code)
	if err != nil {
		return err
	}
	if form == nil {
		f := formOfLabel(b.Label)
		form, functions = &f, b.Label.RequiredFunctions
	}
	pd := labelPageData{Brand: b, Versions: labelHistory(versions), CanEdit: s.can(c, code, "label", "update")}
	for _, fn := range domain.ReviewFunctions {
		pd.Functions = append(pd.Functions, functionChoice{Name: fn, Checked: slices.Contains(functions, fn)})
	}
	data := labelView{pageData: s.pageData(c, code+" label"), Form: *form, Data: pd}
	data.Errors = errs
	data.Flash = s.flashMessage(c)
	if len(errs) > 0 {
		data.FlashError = "The label was not saved. Correct the marked fields."
	}
	return s.renderPage(c, status, data)
}

func lines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }

func (s *Server) labelSave(c echo.Context) error {
	code := c.Param("brand")
	if err := s.brandAllows(c, code, "label", "update"); err != nil {
		return err
	}
	form := labelForm{
		ProprietaryName: c.FormValue("proprietary_name"),
		EstablishedName: c.FormValue("established_name"),
		Indication:      c.FormValue("indication"),
		ISIStatements:   c.FormValue("isi_statements"),
		PIReference:     c.FormValue("pi_reference"),
		LaunchDate:      c.FormValue("launch_date"),
		MaxExpiryMonths: c.FormValue(
			"max_expiry_months",
		),
		OffLabelTerms:     c.FormValue("off_label_terms"),
		BoxedWarning:      c.FormValue("boxed_warning") == "on",
		ReviewSLADays:     c.FormValue("review_sla_days"),
		RereviewGraceDays: c.FormValue("rereview_grace_days"),
	}
	params, _ := c.FormParams()
	functions := params["required_functions"]
	months, err := strconv.Atoi(strings.TrimSpace(form.MaxExpiryMonths))
	if err != nil {
		months = -1
	}
	sla, err := strconv.Atoi(strings.TrimSpace(form.ReviewSLADays))
	if err != nil {
		sla = -1
	}
	l := domain.Label{
		ReviewSLADays:   sla,
		ProprietaryName: form.ProprietaryName,
		EstablishedName: form.EstablishedName,
		Indication:      form.Indication,
		ISIStatements: lines(
			form.ISIStatements,
		),
		BoxedWarning:      form.BoxedWarning,
		PIReference:       form.PIReference,
		LaunchDate:        form.LaunchDate,
		MaxExpiryMonths:   months,
		RequiredFunctions: functions,
		OffLabelTerms:     lines(form.OffLabelTerms),
		RereviewGraceDays: graceDays(form.RereviewGraceDays),
	}
	l.Normalize()
	if len(functions) == 0 {
		l.RequiredFunctions = nil // an unticked form means none, not the default
	}
	err = l.Validate()
	if err == nil {
		_, err = s.saveLabel(c, code, l, c.FormValue("password"))
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		return s.renderLabelPage(c, http.StatusUnprocessableEntity, &form, functions, domain.ErrorFields(err))
	}
	s.setFlash(c, "label_saved")
	return c.Redirect(http.StatusSeeOther, "/brands/"+url.PathEscape(code)+"/label")
}

func (s *Server) apiGetLabel(c echo.Context) error {
	code := c.Param("brand")
	b, err := s.readableBrand(c, code, "label")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b.Label)
}

// apiLabelVersions lists every version of a brand's label, oldest first.
func (s *Server) apiLabelVersions(c echo.Context) error {
	code := c.Param("brand")
	if _, err := s.readableBrand(c, code, "label"); err != nil {
		return err
	}
	labels, err := s.store.Labels(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"brand": code, "versions": labels})
}

func (s *Server) apiPutLabel(c echo.Context) error {
	code := c.Param("brand")
	if err := s.brandAllows(c, code, "label", "update"); err != nil {
		return err
	}
	var in labelRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l := in.Label
	// The review policy belongs to administrators: a label edit that leaves
	// it out keeps the brand's current one rather than resetting it to the
	// defaults (which would read as a change only they may make). A
	// re-review grace left out keeps the current one too, so that a
	// deliberate 0 is not silently reset to the default.
	if l.RequiredFunctions == nil || l.ReviewSLADays == 0 || l.RereviewGraceDays == nil {
		cur, err := s.store.Brand(c.Request().Context(), code)
		if err != nil {
			return err
		}
		if l.RequiredFunctions == nil {
			l.RequiredFunctions = slices.Clone(cur.Label.RequiredFunctions)
		}
		if l.ReviewSLADays == 0 {
			l.ReviewSLADays = cur.Label.ReviewSLADays
		}
		if l.RereviewGraceDays == nil {
			l.RereviewGraceDays = cur.Label.RereviewGraceDays
		}
	}
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	b, err := s.saveLabel(c, code, l, in.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b.Label)
}

// labelRequest is a new label version; Password signs a change of the
// required review functions or review SLA, which only an administrator may
// make.
type labelRequest struct {
	domain.Label
	Password string `json:"password"`
}

// saveLabel stores a validated label as the brand's next version. Whether
// the caller may change the review policy comes from the authorization
// policy; a password, when given, is checked like any e-signature and
// signs the change. The store asks the domain whether the change is allowed.
func (s *Server) saveLabel(c echo.Context, code string, l domain.Label, pw string) (domain.Brand, error) {
	by := domain.LabelAuthority{MayGovernReviews: s.can(c, code, "review_policy", "update")}
	if pw != "" {
		var val domain.Validation
		sig, ok, err := s.verifySignature(
			c,
			signatureRequest{Password: pw, Meaning: "Changed the required review functions or review SLA"},
			&val,
		)
		if err != nil {
			return domain.Brand{}, err
		}
		if !ok {
			return domain.Brand{}, val.Err()
		}
		by.Signature = &sig
	}
	return s.store.SaveLabel(c.Request().Context(), s.actor(c), code, l, by, checker.Recheck)
}

type claimForm struct {
	Text, Category, References, Variants string
}

// claimsView is what claims.html shows: the claims and the new-claim form.
type claimsView struct {
	*pageData
	Form claimForm
	Data claimsPageData
}

func (claimsView) templateName() string { return "claims.html" }

type claimsPageData struct {
	Brand      domain.Brand
	Claims     []domain.Claim
	Categories []string
	CanCreate  bool
}

func (s *Server) claimsPage(c echo.Context) error {
	return s.renderClaimsPage(c, http.StatusOK, claimForm{}, nil)
}

func (s *Server) renderClaimsPage(c echo.Context, status int, form claimForm, errs map[string]string) error {
	code := c.Param("brand")
	ctx := c.Request().Context()
	b, err := s.readableBrand(c, code, "claim")
	if err != nil {
		return err
	}
	claims, err := s.store.Claims(ctx, code)
	if err != nil {
		return err
	}
	data := claimsView{pageData: s.pageData(c, code+" claims"), Form: form,
		Data: claimsPageData{Brand: b, Claims: claims, Categories: domain.ClaimCategories, CanCreate: s.can(c, code, "claim", "create")}}
	data.Errors = errs
	data.Flash = s.flashMessage(c)
	return s.renderPage(c, status, data)
}

func (s *Server) claimCreate(c echo.Context) error {
	code := c.Param("brand")
	if err := s.brandAllows(c, code, "claim", "create"); err != nil {
		return err
	}
	form := claimForm{
		Text:       c.FormValue("text"),
		Category:   c.FormValue("category"),
		References: c.FormValue("references"),
		Variants:   c.FormValue("variants"),
	}
	in := domain.NewClaim{Text: form.Text, Category: form.Category, References: lines(form.References), Variants: lines(form.Variants)}
	err := in.Validate()
	if err == nil {
		_, err = s.store.CreateClaim(c.Request().Context(), s.actor(c), code, in, checker.Recheck)
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		return s.renderClaimsPage(c, http.StatusUnprocessableEntity, form, domain.ErrorFields(err))
	}
	s.setFlash(c, "claim_added")
	return c.Redirect(http.StatusSeeOther, "/brands/"+url.PathEscape(code)+"/claims")
}

func (s *Server) apiListClaims(c echo.Context) error {
	code := c.Param("brand")
	if _, err := s.readableBrand(c, code, "claim"); err != nil {
		return err
	}
	claims, err := s.store.Claims(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"claims": claims})
}

func (s *Server) apiCreateClaim(c echo.Context) error {
	code := c.Param("brand")
	if err := s.brandAllows(c, code, "claim", "create"); err != nil {
		return err
	}
	var in domain.NewClaim
	if err := decodeValid(c, &in); err != nil {
		return err
	}
	cl, err := s.store.CreateClaim(c.Request().Context(), s.actor(c), code, in, checker.Recheck)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cl)
}

// brandAllows refuses an action on a brand's object: with not found when the
// caller may not even read it, so that the brand's existence is not told, and
// with forbidden when the caller may read it but not do action.
func (s *Server) brandAllows(c echo.Context, code, object, action string) error {
	return s.allowed(c, code, "brand", object, object, action)
}

// allowed refuses object/action on a thing of brand: with not found ("No
// such what.") when the caller may not read readObject of the brand, so that
// the thing's existence is not told, and with forbidden when they may read
// it but not do object/action.
func (s *Server) allowed(c echo.Context, brand, what, readObject, object, action string) error {
	if !s.can(c, brand, readObject, "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such %s.", what)
	}
	if !s.can(c, brand, object, action) {
		return domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	return nil
}

// readableBrand loads the brand named code for a page or call about its
// object. It fails with not found when the caller may not read that object
// of the brand, so that the brand's existence is not told, or when there is
// no such brand.
func (s *Server) readableBrand(c echo.Context, code, object string) (domain.Brand, error) {
	if !s.can(c, code, object, "read") {
		return domain.Brand{}, domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	return s.store.Brand(c.Request().Context(), code)
}
