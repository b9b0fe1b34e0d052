package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

// verifyAudit re-computes the whole audit hash chain and reports the first
// broken link, if any.
func (s *Server) verifyAudit(c echo.Context) error {
	r, err := s.store.VerifyAudit(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// apiListAudit returns audit events filtered by object, user, action and
// time, in sequence order with a keyset cursor (after=seq), for auditors.
func (s *Server) apiListAudit(c echo.Context) error {
	f := store.AuditFilter{ObjectType: c.QueryParam("object_type"), ObjectID: c.QueryParam("object_id"), ActorID: c.QueryParam("user_id"), Action: c.QueryParam("action")}
	var v domain.Validation
	parseTime := func(name string, dst *time.Time) {
		if q := c.QueryParam(name); q != "" {
			t, err := time.Parse(time.RFC3339, q)
			v.Check(err == nil, name, "Use an RFC 3339 time, e.g. 2026-11-25T00:00:00Z.")
			*dst = t
		}
	}
	parseTime("from", &f.From)
	parseTime("to", &f.To)
	if a := c.QueryParam("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		v.Check(err == nil && n >= 0, "after", "Give the seq of the last event you have.")
		f.AfterSeq = n
	}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		v.Check(err == nil && n >= 1 && n <= 1000, "limit", "Use a number from 1 to 1000.")
		f.Limit = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	events, err := s.store.ListAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if events == nil {
		events = []domain.AuditEvent{}
	}
	return c.JSON(http.StatusOK, map[string]any{"events": events})
}
