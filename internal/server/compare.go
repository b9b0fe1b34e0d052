package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// comparison is the redline between two versions of an asset and what
// became of the older version's comment threads.
type comparison struct {
	Older       domain.Version        `json:"-"`
	Newer       domain.Version        `json:"-"`
	Changes     []domain.TextChange   `json:"changes"`
	Annotations []domain.ThreadStatus `json:"annotations"`
}

// compareVersions compares two versions of one asset, the older one
// (by number) against the newer, whichever order they come in.
func (s *Server) compareVersions(ctx context.Context, older, newer domain.Version) (comparison, error) {
	if older.AssetID != newer.AssetID {
		return comparison{}, domain.Errorf(domain.EINVALID, "Compare two versions of the same asset.")
	}
	if older.Number > newer.Number {
		older, newer = newer, older
	}
	oldPages, err := s.pageTexts(ctx, older)
	if err != nil {
		return comparison{}, err
	}
	newPages, err := s.pageTexts(ctx, newer)
	if err != nil {
		return comparison{}, err
	}
	out := comparison{Older: older, Newer: newer, Changes: domain.Compare(oldPages, newPages), Annotations: []domain.ThreadStatus{}}
	if out.Changes == nil {
		out.Changes = []domain.TextChange{}
	}
	threads, err := s.store.Annotations(ctx, older.ID)
	if err != nil {
		return comparison{}, err
	}
	for _, a := range threads {
		out.Annotations = append(out.Annotations, domain.ThreadStatus{
			ID: a.ID, Page: a.Page, Quote: a.Quote, Body: a.Body, State: a.State,
			Status: domain.AnchorStatus(oldPages, newPages, out.Changes, a.Page, a.Rect, a.Quote),
		})
	}
	return out, nil
}

// otherVersion loads the version named by the "with" query parameter,
// which must belong to the same asset as v.
func (s *Server) otherVersion(c echo.Context, v domain.Version) (domain.Version, error) {
	id := c.QueryParam("with")
	if id == "" {
		return domain.Version{}, invalidField("with", "Name the version to compare with.")
	}
	other, err := s.store.Version(c.Request().Context(), id)
	if err != nil || other.AssetID != v.AssetID {
		return domain.Version{}, invalidField("with", "Name another version of the same asset.")
	}
	return other, nil
}

func (s *Server) apiCompare(c echo.Context) error {
	return versionJSON(s, c, "version", "read", http.StatusOK, func(v domain.Version) (comparison, error) {
		other, err := s.otherVersion(c, v)
		if err != nil {
			return comparison{}, err
		}
		return s.compareVersions(c.Request().Context(), other, v)
	})
}
