package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/pdfdoc"
)

func form2253Table(forms []domain.Form2253) table {
	t := table{
		header: []string{
			"material_id",
			"title",
			"brand",
			"application_type",
			"application_number",
			"proprietary_name",
			"established_name",
			"pi_date",
			"audience",
			"material_type",
			"dissemination_date",
			"submitted_at",
		},
	}
	for _, f := range forms {
		sub := ""
		if f.SubmittedAt != nil {
			sub = f.SubmittedAt.UTC().Format("2006-01-02")
		}
		t.rows = append(
			t.rows,
			[]string{
				f.MaterialID,
				f.Title,
				f.Brand,
				f.ApplicationType,
				f.ApplicationNumber,
				f.ProprietaryName,
				f.EstablishedName,
				f.PIDate,
				f.Audience,
				f.MaterialType,
				f.DisseminationDate,
				sub,
			},
		)
	}
	return t
}

func (s *Server) apiForm2253(c echo.Context) error {
	v, err := s.visibleVersion(c, "form2253", "read")
	if err != nil {
		return err
	}
	f, err := s.store.Form2253For(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "pdf" {
		pdf, err := renderForm2253PDF(f)
		if err != nil {
			return err
		}
		c.Response().
			Header().
			Set(echo.HeaderContentDisposition, contentDisposition("attachment", domain.SanitizeFilename("form-2253-"+f.MaterialID+".pdf")))
		c.Response().Header().Set("Content-Security-Policy", contentPolicy) // a file, never a page
		return c.Blob(http.StatusOK, "application/pdf", pdf)
	}
	return respond(c, "form2253", f, form2253Table([]domain.Form2253{f}))
}

func (s *Server) apiPending2253(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "form2253", "read")
	forms, err := s.store.Pending2253(c.Request().Context(), domain.BrandScope{All: all, Brands: brands})
	if err != nil {
		return err
	}
	return respond(c, "form2253-pending", map[string]any{"pending": forms}, form2253Table(forms))
}

type submit2253Request struct {
	Reference string `json:"reference"`
}

func (s *Server) apiMark2253(c echo.Context) error {
	return versionJSONBody(s, c, "form2253", "submit", http.StatusOK,
		func(v domain.Version, in submit2253Request) (domain.Form2253, error) {
			if len(in.Reference) > 200 {
				return domain.Form2253{}, invalidField("reference", "Use at most 200 characters.")
			}
			return s.store.Mark2253Submitted(c.Request().Context(), s.actor(c), v.ID, in.Reference)
		})
}

type applicationRequest struct {
	ApplicationType   string `json:"application_type"`
	ApplicationNumber string `json:"application_number"`
}

// apiSetApplication records the brand's FDA application, which Form 2253
// needs.
func (s *Server) apiSetApplication(c echo.Context) error {
	var in applicationRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	err := s.store.SetApplication(c.Request().Context(), s.actor(c), c.Param("brand"), in.ApplicationType, in.ApplicationNumber)
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// renderForm2253PDF fills the fields of FDA Form 2253 (transmittal of
// advertisements and promotional labeling) for one piece, as a PDF to
// attach to the submission or to check against the FDA form.
func renderForm2253PDF(f domain.Form2253) ([]byte, error) {
	return pdfdoc.RenderForm2253(pdfdoc.Form2253{
		ApplicationType: f.ApplicationType, ApplicationNumber: f.ApplicationNumber,
		ProprietaryName: f.ProprietaryName, EstablishedName: f.EstablishedName, PIDate: f.PIDate, Audience: f.Audience,
		MaterialType: f.MaterialType, DisseminationDate: f.DisseminationDate, MaterialID: f.MaterialID, Title: f.Title,
	})
}
