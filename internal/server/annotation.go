package server

import (
	"context"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// annotationsOf returns the comment threads anchored on v, oldest first,
// with their replies and where each sits on v's page images.
func (s *Server) annotationsOf(ctx context.Context, v domain.Version) ([]domain.Annotation, error) {
	return []domain.Annotation{}, nil
}
