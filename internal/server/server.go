// Package server is Fairshelf's HTTP adapter: the JSON API under /api/v1,
// the server-rendered web UI, health and metrics. Handlers stay thin: they
// parse input, call the store and domain, and hand every error to one error
// handler that chooses the status code.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fairshelf/fairshelf/internal/blob"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Deps are the collaborators a Server needs; all are required except Now.
type Deps struct {
	Config  config.Config
	Store   *store.Store
	Blobs   blob.Store
	Logger  *slog.Logger
	Version string
	Now     func() time.Time
}

// Server serves Fairshelf's HTTP interface.
type Server struct {
	cfg     config.Config
	store   *store.Store
	blobs   blob.Store
	log     *slog.Logger
	version string
	now     func() time.Time

	echo     *echo.Echo
	pages    *pages
	registry *prometheus.Registry
	metrics  *httpMetrics
	access   map[string]access
}

// New builds the server and registers every route.
func New(d Deps) (*Server, error) {
	s := &Server{cfg: d.Config, store: d.Store, blobs: d.Blobs, log: d.Logger, version: d.Version, now: d.Now}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newHTTPMetrics(s.registry)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Logger.SetOutput(discard{}) // slog does the logging
	s.echo = e
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler, for tests and for custom listeners.
func (s *Server) Handler() http.Handler { return s.echo }

// Serve accepts connections on l until ctx ends, then stops accepting and
// lets in-flight requests finish within the configured shutdown timeout.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("http: shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
