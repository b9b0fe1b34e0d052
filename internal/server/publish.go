package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type publishRequest struct {
	ExpiresAt     time.Time  `json:"expires_at"`
	AvailableFrom *time.Time `json:"available_from"`
}

func (s *Server) apiPublish(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "publish")
	if err != nil {
		return err
	}
	var in publishRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.ExpiresAt.IsZero() {
		return &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"expires_at": "Give the expiry as an RFC 3339 time, e.g. 2027-06-30T23:59:59Z."}}
	}
	p := domain.PublishRequest{VersionID: v.ID, ExpiresAt: in.ExpiresAt}
	if in.AvailableFrom != nil {
		p.AvailableFrom = *in.AvailableFrom
	}
	out, err := s.store.Publish(c.Request().Context(), s.actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type withdrawRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiWithdraw(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "withdraw")
	if err != nil {
		return err
	}
	var in withdrawRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	reason := strings.TrimSpace(in.Reason)
	if len(reason) < 5 || len(reason) > 1000 {
		return &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"reason": "Give the reason reps will see (5 to 1000 characters)."}}
	}
	out, err := s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiLibrary(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "read")
	f := domain.LibraryFilter{AllBrands: all, Brands: brands, Brand: c.QueryParam("brand"), Audience: domain.Audience(c.QueryParam("audience")), Channel: domain.Channel(c.QueryParam("channel")), Query: c.QueryParam("q"), Cursor: c.QueryParam("cursor")}
	var val domain.Validation
	val.Check(f.Audience == "" || slices.Contains(domain.Audiences, f.Audience), "audience", "Choose hcp, patient or payer.")
	val.Check(f.Channel == "" || slices.Contains(domain.Channels, f.Channel), "channel", "Unknown channel.")
	val.Check(len(f.Query) <= 200, "q", "Use at most 200 characters.")
	if err := val.Err(); err != nil {
		return err
	}
	page, err := s.store.Library(c.Request().Context(), f, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// apiLibraryContent streams the asset's current piece to a rep and records
// the usage. Expired or withdrawn material is 410 with the reason; the time
// is read now, so nothing is served after its expiry.
func (s *Server) apiLibraryContent(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "download")
	_, v, err := s.store.CurrentPiece(c.Request().Context(), c.Param("asset_id"), all, brands, s.now())
	if err != nil {
		return err
	}
	return s.serveVersion(c, v, wantsInline(c, v.MediaType), func() error {
		return s.store.RecordUsage(c.Request().Context(), s.actor(c), v, "download")
	})
}

func (s *Server) apiNotices(c echo.Context) error {
	ns, err := s.store.Notices(c.Request().Context(), principalOf(c).user.ID, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"notices": ns})
}

func (s *Server) apiAckNotice(c echo.Context) error {
	if err := s.store.AckNotice(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiNoticeReport lists notices reps have not acknowledged after days
// (default 3), for marketing and regulatory follow-up.
func (s *Server) apiNoticeReport(c echo.Context) error {
	days := 3
	if d := c.QueryParam("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 365 {
			return &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"days": "Use a number of days from 0 to 365."}}
		}
		days = n
	}
	all, brands := s.authz.Brands(principalOf(c).user, "notice", "report")
	list, err := s.store.UnackedNotices(c.Request().Context(), all, brands, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"days": days, "unacknowledged": list})
}
