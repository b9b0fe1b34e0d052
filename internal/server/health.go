package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fairshelf/fairshelf/internal/domain"
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
	if err := s.objectStore.Ping(ctx); err != nil {
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

// metricsOnMainPort answers GET /metrics on the public port. Metrics tell
// who uses which routes how often, so they are not public: the main port
// answers 404 unless a metrics token is configured, and then only to a
// caller that sends it as a bearer token. Scrapers inside the network use
// the separate listener (MetricsHandler) instead.
func (s *Server) metricsOnMainPort() echo.HandlerFunc {
	metrics := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	return func(c echo.Context) error {
		if s.cfg.MetricsToken == "" {
			return domain.Errorf(domain.ENOTFOUND, "No such page or resource.")
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bearer") ||
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.MetricsToken)) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return domain.Errorf(domain.EUNAUTH, "Send the metrics token as Authorization: Bearer.")
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		metrics.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// MetricsHandler serves GET /metrics, without authentication, for the
// separate metrics listener (FAIRSHELF_METRICS_LISTEN), which is meant to be
// reachable only from inside the network; every other path is 404.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return mux
}

// openAPI serves the OpenAPI 3 document of the public API.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapi.Document())
}
