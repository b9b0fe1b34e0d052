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
	return versionJSONBody(s, c, "version", "publish", http.StatusOK, func(v domain.Version, in publishRequest) (domain.Version, error) {
		if in.ExpiresAt.IsZero() {
			return domain.Version{}, invalidField("expires_at", "Give the expiry as an RFC 3339 time, e.g. 2027-06-30T23:59:59Z.")
		}
		p := domain.PublishRequest{VersionID: v.ID, ExpiresAt: in.ExpiresAt}
		if in.AvailableFrom != nil {
			p.AvailableFrom = *in.AvailableFrom
		}
		return s.store.Publish(c.Request().Context(), s.actor(c), p)
	})
}

func (s *Server) webPublish(c echo.Context) error {
	return s.versionForm(c, "version", "publish", "published", func(v domain.Version) error {
		day, err := time.Parse(time.DateOnly, strings.TrimSpace(c.FormValue("expires_on")))
		if err != nil {
			return invalidField("expires_on", "Choose the expiry date.")
		}
		// The piece stays valid through the whole expiry day (UTC).
		exp := day.Add(24*time.Hour - time.Second)
		_, err = s.store.Publish(c.Request().Context(), s.actor(c), domain.PublishRequest{VersionID: v.ID, ExpiresAt: exp})
		return err
	})
}

type withdrawRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiWithdraw(c echo.Context) error {
	return versionJSONBody(s, c, "version", "withdraw", http.StatusOK, func(v domain.Version, in withdrawRequest) (domain.Version, error) {
		reason := strings.TrimSpace(in.Reason)
		if len(reason) < 5 || len(reason) > 1000 {
			return domain.Version{}, invalidField("reason", "Give the reason reps will see (5 to 1000 characters).")
		}
		return s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason)
	})
}

func (s *Server) webWithdraw(c echo.Context) error {
	return s.versionForm(c, "version", "withdraw", "withdrawn", func(v domain.Version) error {
		reason := strings.TrimSpace(c.FormValue("reason"))
		var val domain.Validation
		val.Check(len(reason) >= 5 && len(reason) <= 1000, "reason", "Give the reason reps will see (5 to 1000 characters).")
		val.Check(c.FormValue("confirm") == "on", "confirm", "Confirm that reps lose access at once.")
		if err := val.Err(); err != nil {
			return err
		}
		_, err := s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason)
		return err
	})
}
