package server

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// annotationRequest is a new comment: a thread pinned to a region of a
// page (rect in fractions of the page), or a reply (parent_id).
type annotationRequest struct {
	Page     int          `json:"page"`
	Rect     *domain.Rect `json:"rect"`
	Quote    string       `json:"quote"`
	Body     string       `json:"body"`
	ParentID *string      `json:"parent_id"`
}

// annotationsOf returns the comment threads anchored on v, oldest first,
// with their replies and where each sits on v's page images.
func (s *Server) annotationsOf(ctx context.Context, v domain.Version) ([]domain.Annotation, error) {
	out, err := s.store.Annotations(ctx, v.ID)
	if err != nil || len(out) == 0 {
		return out, err
	}
	pages, err := s.store.PageTexts(ctx, v.SHA256)
	if err != nil {
		return nil, err
	}
	for i, a := range out {
		if a.Quote == "" || a.Anchor != domain.AnchorAnchored || len(pages) == 0 {
			continue
		}
		p, start, end, ok := domain.Locate(pages, a.Quote, a.Page)
		if !ok {
			continue
		}
		out[i].Page, out[i].QuoteStart, out[i].QuoteEnd = p, start, end
		if pt, ok := pageText(pages, p); ok {
			if rects := pt.Rects(start, end); len(rects) > 0 {
				out[i].Rects = rects
			}
		}
	}
	return out, nil
}

func validRect(r domain.Rect) bool {
	for _, f := range []float64{r.X, r.Y, r.W, r.H} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	const slack = 1e-6
	return r.X >= 0 && r.Y >= 0 && r.W > 0 && r.H > 0 && r.X+r.W <= 1+slack && r.Y+r.H <= 1+slack
}

// addAnnotation validates and records a comment on v. A thread without a
// quote gets the text under its rectangle, read from the page's character
// boxes, so that it can follow its text to the next version.
func (s *Server) addAnnotation(c echo.Context, v domain.Version, in annotationRequest) (domain.Annotation, error) {
	ctx := c.Request().Context()
	n := domain.NewAnnotation{Body: strings.TrimSpace(in.Body), Quote: strings.TrimSpace(in.Quote)}
	var val domain.Validation
	val.Check(n.Body != "" && utf8.RuneCountInString(n.Body) <= 8000, "body", "Write a comment of up to 8000 characters.")
	if in.ParentID != nil && *in.ParentID != "" {
		n.ParentID = *in.ParentID
		return s.recordAnnotation(c, v, n, val)
	}
	pages, err := s.pagesOf(ctx, v, false)
	if err != nil {
		return domain.Annotation{}, err
	}
	last := max(len(pages.Pages), v.Pages, 1)
	val.Check(in.Page >= 1 && in.Page <= last, "page", "Give a page of the piece, from 1 to "+strconv.Itoa(last)+".")
	val.Check(in.Rect != nil && validRect(*in.Rect), "rect",
		"Mark a region of the page: x, y, w and h are fractions of the page, with w and h above 0 and the region inside the page.")
	val.Check(utf8.RuneCountInString(n.Quote) <= 2000, "quote", "Quote at most 2000 characters.")
	if err := val.Err(); err != nil {
		return domain.Annotation{}, err
	}
	n.Page, n.Rect = in.Page, *in.Rect
	// A region of most of the page is a comment on the page, not on a
	// passage: it keeps no quote to follow.
	if n.Quote == "" && n.Rect.W*n.Rect.H < 0.5 {
		texts, err := s.store.PageTexts(ctx, v.SHA256)
		if err != nil {
			return domain.Annotation{}, err
		}
		if pt, ok := pageText(texts, n.Page); ok {
			n.Quote = textUnder(pt, n.Rect)
		}
	}
	return s.recordAnnotation(c, v, n, val)
}

func (s *Server) recordAnnotation(c echo.Context, v domain.Version, n domain.NewAnnotation, val domain.Validation) (domain.Annotation, error) {
	if err := val.Err(); err != nil {
		return domain.Annotation{}, err
	}
	a, err := s.store.AddAnnotation(c.Request().Context(), s.actor(c), v.ID, n)
	if err != nil {
		return a, err
	}
	return s.placed(c.Request().Context(), v, a)
}

// placed refines where a thread sits on v's page images.
func (s *Server) placed(ctx context.Context, v domain.Version, a domain.Annotation) (domain.Annotation, error) {
	all, err := s.annotationsOf(ctx, v)
	if err != nil {
		return a, err
	}
	for _, x := range all {
		if x.ID == a.ID {
			return x, nil
		}
	}
	return a, nil
}

// textUnder is the text of the page's characters whose centre lies in r,
// in reading order, with line breaks as spaces; "" without boxes.
func textUnder(pt domain.PageText, r domain.Rect) string {
	if len(pt.Boxes) == 0 {
		return ""
	}
	var b strings.Builder
	i, gap := 0, false
	for _, ch := range pt.Text {
		box := pt.Boxes[i]
		i++
		cx, cy := box.X+box.W/2, box.Y+box.H/2
		inside := box.W > 0 && cx >= r.X && cx <= r.X+r.W && cy >= r.Y && cy <= r.Y+r.H
		switch {
		case inside && ch != '\n' && ch != '\r':
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(ch)
		case b.Len() > 0:
			gap = gap || ch == '\n' || ch == ' ' || !inside
		}
		if b.Len() > 2000 {
			break
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func (s *Server) apiListAnnotations(c echo.Context) error {
	return versionJSON(s, c, "comment", "read", http.StatusOK, func(v domain.Version) (map[string]any, error) {
		out, err := s.annotationsOf(c.Request().Context(), v)
		return map[string]any{"annotations": out}, err
	})
}

func (s *Server) apiAddAnnotation(c echo.Context) error {
	return versionJSONBody(s, c, "comment", "create", http.StatusCreated, func(v domain.Version, in annotationRequest) (domain.Annotation, error) {
		return s.addAnnotation(c, v, in)
	})
}

func (s *Server) apiResolveAnnotation(c echo.Context) error { return s.setAnnotationState(c, true) }

func (s *Server) apiReopenAnnotation(c echo.Context) error { return s.setAnnotationState(c, false) }

// setAnnotationState resolves or reopens a thread on the newest version it
// sits on, for callers who may comment on that version's brand.
func (s *Server) setAnnotationState(c echo.Context, resolved bool) error {
	ctx := c.Request().Context()
	v, err := s.store.AnnotationVersion(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.allowed(c, v.Brand, "comment thread", "comment", "comment", "create"); err != nil {
		return err
	}
	a, err := s.store.SetAnnotationState(ctx, s.actor(c), c.Param("id"), resolved)
	if err != nil {
		return err
	}
	if a, err = s.placed(ctx, v, a); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
