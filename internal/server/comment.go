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
	return versionJSONBody(s, c, "comment", "create", http.StatusCreated,
		func(v domain.Version, in commentRequest) (domain.Comment, error) {
			return s.addComment(c, v, in)
		})
}

func (s *Server) webAddComment(c echo.Context) error {
	return s.versionForm(c, "comment", "create", "commented", func(v domain.Version) error {
		page, _ := strconv.Atoi(c.FormValue("page"))
		_, err := s.addComment(c, v, commentRequest{Body: c.FormValue("body"), Page: page})
		return err
	})
}

// apiListComments returns the comment thread of the version's asset, so
// that comments on earlier versions stay visible next to the answer.
func (s *Server) apiListComments(c echo.Context) error {
	return versionJSON(s, c, "comment", "read", http.StatusOK, func(v domain.Version) (map[string]any, error) {
		comments, err := s.store.Comments(c.Request().Context(), v.AssetID)
		if comments == nil {
			comments = []domain.Comment{}
		}
		return map[string]any{"comments": comments}, err
	})
}
