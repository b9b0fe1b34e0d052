package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fairshelf/fairshelf/internal/openapi"
)

// healthz answers 200 while the process runs; it checks nothing else, so an
// orchestrator restarts the process only when it is truly stuck.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyz answers 200 when the database and the object store both answer,
// else 503 naming the failing dependency (never its error text, which is
// logged).
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	r := readiness{Status: "ready", Checks: map[string]string{"database": "ok", "objects": "ok"}}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: database", "err", err)
		r.Status, r.Checks["database"] = "unavailable", "unreachable"
	}
	if err := s.blobs.Ping(ctx); err != nil {
		s.log.Warn("readyz: object store", "err", err)
		r.Status, r.Checks["objects"] = "unavailable", "unreachable"
	}
	status := http.StatusOK
	if r.Status != "ready" {
		status = http.StatusServiceUnavailable
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, r)
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
}

// openAPI serves the OpenAPI 3 document of the public API.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapi.Document())
}
