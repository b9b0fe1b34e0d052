package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// verifyAudit checks the whole audit trail against its signed checkpoints
// and the signatures table, and names every problem found.
func (s *Server) verifyAudit(c echo.Context) error {
	r, err := s.auditReport(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// auditReport verifies the trail with the checkpoint verifier when the
// server has one (always in production wiring).
func (s *Server) auditReport(ctx context.Context) (domain.ChainReport, error) {
	if s.auditVerifier != nil {
		return s.auditVerifier.Verify(ctx)
	}
	return s.store.VerifyAudit(ctx)
}

// apiListAudit returns audit events filtered by object, user, action and
// time, in sequence order with a keyset cursor (after=seq), for auditors.
func (s *Server) apiListAudit(c echo.Context) error {
	f := domain.AuditFilter{
		ObjectType: c.QueryParam("object_type"),
		ObjectID:   c.QueryParam("object_id"),
		ActorID:    c.QueryParam("user_id"),
		Action:     c.QueryParam("action"),
		AssetID:    c.QueryParam("asset_id"),
	}
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
	if c.QueryParam("format") == "csv" {
		return writeAuditCSV(c, events)
	}
	return c.JSON(http.StatusOK, map[string]any{"events": events})
}

// writeAuditCSV sends events as CSV with a header row, for spreadsheets and
// inspection packages. The hashes are included so that a copy can be
// checked against the live chain.
func writeAuditCSV(c echo.Context, events []domain.AuditEvent) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(
		[]string{
			"seq",
			"occurred_at",
			"actor_id",
			"actor",
			"action",
			"object_type",
			"object_id",
			"brand",
			"details",
			"request_id",
			"client_ip",
			"prev_hash",
			"hash",
		},
	)
	for _, e := range events {
		_ = w.Write(
			[]string{
				strconv.FormatInt(e.Seq, 10),
				e.OccurredAt.UTC().Format(time.RFC3339Nano),
				e.ActorID,
				csvSafe(e.Actor),
				e.Action,
				e.ObjectType,
				e.ObjectID,
				e.Brand,
				csvSafe(e.Details),
				e.RequestID,
				e.ClientIP,
				e.PrevHash,
				e.Hash,
			},
		)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="fairshelf-audit.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvSafe defuses values a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditView is what audit.html shows: the filter form, the chain report
// and a page of events.
type auditView struct {
	*pageData
	Form auditForm
	Data auditData
}

func (auditView) templateName() string { return "audit.html" }

type auditForm struct{ Action, ObjectID string }

type auditData struct {
	Report  domain.ChainReport
	Events  []domain.AuditEvent
	NextURL string
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	report, err := s.auditReport(ctx)
	if err != nil {
		return err
	}
	var after int64
	if a, err := strconv.ParseInt(c.QueryParam("after"), 10, 64); err == nil && a > 0 {
		after = a
	}
	f := domain.AuditFilter{Action: c.QueryParam("action"), ObjectID: c.QueryParam("object_id"), AfterSeq: after, Limit: 100}
	events, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	next := ""
	if len(events) == 100 {
		q := c.QueryParams()
		q.Set("after", strconv.FormatInt(events[len(events)-1].Seq, 10))
		next = "/audit?" + q.Encode()
	}
	data := auditView{pageData: s.pageData(c, "Audit trail"), Form: auditForm{Action: f.Action, ObjectID: f.ObjectID},
		Data: auditData{Report: report, Events: events, NextURL: next}}
	return s.renderPage(c, http.StatusOK, data)
}
