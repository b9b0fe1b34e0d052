package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/object"
)

// Kicker starts work queued for the background at once rather than at its
// next poll (the rendition service).
type Kicker interface{ Kick() }

// pagesResponse is a version's rendition as clients see it: its status and
// the pages made so far, with the addresses of their images.
type pagesResponse struct {
	Status string     `json:"status"`
	Reason string     `json:"reason,omitempty"`
	Pages  []pageJSON `json:"pages"`
}

type pageJSON struct {
	Number    int     `json:"number"`
	Width     float64 `json:"width"`
	Height    float64 `json:"height"`
	Image     string  `json:"image"`
	Thumbnail string  `json:"thumbnail"`
}

// kickRenditions wakes this instance's rendition service, if it has one.
func (s *Server) kickRenditions() {
	if s.renditions != nil {
		s.renditions.Kick()
	}
}

// pagesOf returns the rendition of v; web chooses the web session's image
// addresses over the API's.
func (s *Server) pagesOf(ctx context.Context, v domain.Version, web bool) (pagesResponse, error) {
	r, err := s.store.Rendition(ctx, v.SHA256, v.MediaType, s.now())
	if err != nil {
		return pagesResponse{}, err
	}
	if r.Status == domain.RenditionPending {
		s.kickRenditions()
	}
	base := "/api/v1/versions/" + v.ID + "/pages/"
	if web {
		base = "/versions/" + v.ID + "/pages/"
	}
	out := pagesResponse{Status: r.Status, Reason: r.Reason, Pages: make([]pageJSON, 0, len(r.Pages))}
	for _, p := range r.Pages {
		n := strconv.Itoa(p.Number)
		out.Pages = append(out.Pages, pageJSON{Number: p.Number, Width: p.Width, Height: p.Height,
			Image: base + n + "/image", Thumbnail: base + n + "/thumbnail"})
	}
	return out, nil
}

func (s *Server) apiPages(c echo.Context) error {
	return versionJSON(s, c, "version", "read", http.StatusOK, func(v domain.Version) (pagesResponse, error) {
		return s.pagesOf(c.Request().Context(), v, !strings.HasPrefix(c.Path(), "/api/"))
	})
}

func (s *Server) apiPageImage(c echo.Context) error { return s.servePageImage(c, false) }

func (s *Server) apiPageThumbnail(c echo.Context) error { return s.servePageImage(c, true) }

// servePageImage answers one page image of a version, verified against
// its recorded hash. The bytes behind an address never change (a new
// version is a new address), so browsers keep them for good; a damaged
// image is refused and made again.
func (s *Server) servePageImage(c echo.Context, thumb bool) error {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || n > 100000 {
		return domain.Errorf(domain.ENOTFOUND, "No such page.")
	}
	ctx := c.Request().Context()
	p, err := s.store.RenditionPage(ctx, v.SHA256, n)
	if err != nil {
		return err
	}
	img := p.Image
	if thumb {
		img = p.Thumb
	}
	h := c.Response().Header()
	etag := `"` + img.SHA256 + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	data, err := s.objects.ReadDerived(ctx, img.Key, img.SHA256, img.Size)
	if errors.Is(err, object.ErrDerivedDamaged) {
		h.Set("Cache-Control", "no-store")
		h.Del("ETag")
		if rerr := s.store.RedoRendition(ctx, v.SHA256, s.now()); rerr != nil {
			s.log.Error("could not queue a damaged rendition again", "sha256", v.SHA256, "err", rerr)
		}
		s.kickRenditions()
		return err
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, img.MediaType, data)
}

// pageTexts returns the text of v's pages with character boxes where it
// has a rendition, else its extracted text without positions.
func (s *Server) pageTexts(ctx context.Context, v domain.Version) ([]domain.PageText, error) {
	pages, err := s.store.PageTexts(ctx, v.SHA256)
	if err != nil || len(pages) > 0 {
		return pages, err
	}
	_, raw, err := s.store.VersionText(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	var lines []domain.TextLine
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &lines); err != nil {
			return nil, err
		}
	}
	return domain.PagesFromLines(lines), nil
}

// locateIn finds quote on pages (page first) and returns the page it is
// on and its rectangles on that page's image; page and nil when it is not
// found or the pages have no character boxes.
func locateIn(pages []domain.PageText, page int, quote string) (int, []domain.Rect) {
	p, start, end, ok := domain.Locate(pages, quote, page)
	if !ok {
		return page, nil
	}
	if pt, ok := pageText(pages, p); ok {
		return p, pt.Rects(start, end)
	}
	return p, nil
}

// pageText returns page number n of pages.
func pageText(pages []domain.PageText, n int) (domain.PageText, bool) {
	for _, pt := range pages {
		if pt.Page == n {
			return pt, true
		}
	}
	return domain.PageText{}, false
}
