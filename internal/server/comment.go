package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type commentRequest struct {
	Body string `json:"body"`
	Page int    `json:"page"`
}

func (s *Server) addComment(c echo.Context, v domain.Version, in commentRequest) (domain.Comment, error) {
	body := strings.TrimSpace(in.Body)
	var val domain.Validation
	val.Check(body != "" && len(body) <= 8000, "body", "Write a comment of up to 8000 characters.")
	val.Check(in.Page >= 0 && (v.Pages == 0 || in.Page <= v.Pages), "page", "Give a page of the piece, or 0 for the whole piece.")
	if err := val.Err(); err != nil {
		return domain.Comment{}, err
	}
	return s.store.AddComment(c.Request().Context(), s.actor(c), v.ID, in.Page, body)
}

func (s *Server) apiAddComment(c echo.Context) error {
	v, err := s.visibleVersion(c, "comment", "create")
	if err != nil {
		return err
	}
	var in commentRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cm, err := s.addComment(c, v, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cm)
}

func (s *Server) webAddComment(c echo.Context) error {
	v, err := s.visibleVersion(c, "comment", "create")
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.FormValue("page"))
	if _, err := s.addComment(c, v, commentRequest{Body: c.FormValue("body"), Page: page}); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "commented")
	return backToVersion(c, v)
}

// apiListComments returns the comment thread of the version's asset, so
// that comments on earlier versions stay visible next to the answer.
func (s *Server) apiListComments(c echo.Context) error {
	v, err := s.visibleVersion(c, "comment", "read")
	if err != nil {
		return err
	}
	comments, err := s.store.Comments(c.Request().Context(), v.AssetID)
	if err != nil {
		return err
	}
	if comments == nil {
		comments = []domain.Comment{}
	}
	return c.JSON(http.StatusOK, map[string]any{"comments": comments})
}
