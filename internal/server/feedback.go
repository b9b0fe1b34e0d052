package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

type feedbackRequest struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// apiAddFeedback records a rep's field note on a piece in their library.
func (s *Server) apiAddFeedback(c echo.Context) error {
	return jsonCall(c, http.StatusCreated, func(in feedbackRequest) (domain.Feedback, error) {
		return s.addFeedback(c, c.Param("id"), in)
	})
}

func (s *Server) webAddFeedback(c echo.Context) error {
	if _, err := s.addFeedback(c, c.Param("asset_id"), feedbackRequest{Kind: c.FormValue("kind"), Text: c.FormValue("text")}); err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		c.Set("flash_error", domain.ErrorMessage(err))
	}
	s.setFlash(c, "feedback_sent")
	return c.Redirect(http.StatusSeeOther, "/library")
}

func (s *Server) addFeedback(c echo.Context, assetID string, in feedbackRequest) (domain.Feedback, error) {
	all, brands := s.authz.Brands(principalOf(c).user, "feedback", "create")
	text := strings.TrimSpace(in.Text)
	var val domain.Validation
	val.Check(slices.Contains(store.FeedbackKinds, in.Kind), "kind", "Choose objection, question, praise or issue.")
	val.Check(text != "" && len(text) <= 4000, "text", "Write what you heard or saw (up to 4000 characters).")
	if err := val.Err(); err != nil {
		return domain.Feedback{}, err
	}
	// Feedback is about what the rep has: the current piece, or one that
	// just left the field.
	_, v, err := s.store.CurrentPiece(c.Request().Context(), assetID, all, brands, s.now())
	if err != nil {
		return domain.Feedback{}, err
	}
	return s.store.AddFeedback(c.Request().Context(), s.actor(c), v, in.Kind, text)
}

// apiListFeedback lists field feedback for marketing, per asset or brand.
func (s *Server) apiListFeedback(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "feedback", "read")
	f := domain.FeedbackFilter{
		AllBrands: all,
		Brands:    brands,
		AssetID:   c.QueryParam("asset_id"),
		Brand:     c.QueryParam("brand"),
		Kind:      c.QueryParam("kind"),
	}
	if f.Kind != "" && !slices.Contains(store.FeedbackKinds, f.Kind) {
		return invalidField("kind", "Choose objection, question, praise or issue.")
	}
	items, err := s.store.ListFeedback(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"feedback": items})
}
