package server

import (
	"net/http"
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
		return &domain.Error{
			Code:    domain.EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{"expires_at": "Give the expiry as an RFC 3339 time, e.g. 2027-06-30T23:59:59Z."},
		}
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

func (s *Server) webPublish(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "publish")
	if err != nil {
		return err
	}
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(c.FormValue("expires_on")))
	if err != nil {
		return s.showAssetError(
			c,
			v,
			&domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"expires_on": "Choose the expiry date."},
			},
		)
	}
	// The piece stays valid through the whole expiry day (UTC).
	exp := day.Add(24*time.Hour - time.Second)
	if _, err := s.store.Publish(c.Request().Context(), s.actor(c), domain.PublishRequest{VersionID: v.ID, ExpiresAt: exp}); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "published")
	return backToVersion(c, v)
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
		return &domain.Error{
			Code:    domain.EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{"reason": "Give the reason reps will see (5 to 1000 characters)."},
		}
	}
	out, err := s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) webWithdraw(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "withdraw")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	var val domain.Validation
	val.Check(len(reason) >= 5 && len(reason) <= 1000, "reason", "Give the reason reps will see (5 to 1000 characters).")
	val.Check(c.FormValue("confirm") == "on", "confirm", "Confirm that reps lose access at once.")
	if err := val.Err(); err != nil {
		return s.showAssetError(c, v, err)
	}
	if _, err := s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "withdrawn")
	return backToVersion(c, v)
}
