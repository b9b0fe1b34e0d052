package server

import (
	"context"

	"github.com/fairshelf/fairshelf/internal/domain"
)

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

// pagesOf returns the rendition of v; web chooses the web session's image
// addresses over the API's.
func (s *Server) pagesOf(ctx context.Context, v domain.Version, web bool) (pagesResponse, error) {
	return pagesResponse{Status: domain.RenditionPending, Pages: []pageJSON{}}, nil
}

// locate finds quote on v's pages (page first) and returns the page it is
// on and its rectangles on that page's image; page and nil when it is not
// found or v has no character boxes.
func (s *Server) locate(ctx context.Context, v domain.Version, page int, quote string) (int, []domain.Rect) {
	return page, nil
}
