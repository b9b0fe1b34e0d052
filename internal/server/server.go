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
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fairshelf/fairshelf/internal/authz"
	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Deps are the collaborators a Server needs; all are required except Now.
type Deps struct {
	Config      config.Config
	Store       *store.Store
	ObjectStore objectstore.Store
	Authz       *authz.Authorizer
	Objects     *object.Service
	Logger      *slog.Logger
	Version     string
	Now         func() time.Time
	// PasswordParams are the argon2id costs for new hashes; zero means
	// password.Default. Tests lower them.
	PasswordParams password.Params
	// AuditVerifier checks the audit trail against its checkpoints; nil
	// verifies the chain and signatures alone.
	AuditVerifier *checkpoint.Verifier
	// Renditions is this instance's rendition service, woken after each
	// upload; nil leaves new content to the service's poll.
	Renditions Kicker
}

// Server serves Fairshelf's HTTP interface.
type Server struct {
	cfg         config.Config
	store       *store.Store
	objectStore objectstore.Store
	authz       *authz.Authorizer
	objects     *object.Service
	log         *slog.Logger
	version     string
	now         func() time.Time

	auditVerifier *checkpoint.Verifier
	renditions    Kicker

	echo     *echo.Echo
	pages    *pages
	registry *prometheus.Registry
	metrics  *httpMetrics

	passwordParams password.Params
	dummyHash      string
	access         map[string]access
}

// New builds the server and registers every route.
func New(d Deps) (*Server, error) {
	s := &Server{
		cfg:            d.Config,
		store:          d.Store,
		objectStore:    d.ObjectStore,
		authz:          d.Authz,
		objects:        d.Objects,
		renditions:     d.Renditions,
		log:            d.Logger,
		version:        d.Version,
		now:            d.Now,
		passwordParams: d.PasswordParams,
		auditVerifier:  d.AuditVerifier,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.passwordParams == (password.Params{}) {
		s.passwordParams = password.Default
	}
	var err error
	// A fixed hash to verify against when an e-mail matches no account, so
	// that a failed sign-in takes as long whether or not the account exists.
	if s.dummyHash, err = password.Hash("no such account", s.passwordParams); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newHTTPMetrics(s.registry)
	s.registry.MustRegister(d.Objects.Collectors()...)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Logger.SetOutput(discard{}) // slog does the logging
	e.IPExtractor = ipExtractor(d.Config.TrustedProxies)
	s.echo = e
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler, for tests and for custom listeners.
func (s *Server) Handler() http.Handler { return s.echo }

// Serve accepts connections on l until ctx ends, then stops accepting and
// lets in-flight requests finish within the configured shutdown timeout.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	return s.serveHTTP(ctx, l, s.echo, "http")
}

// ServeMetrics serves MetricsHandler on l until ctx ends, like Serve.
func (s *Server) ServeMetrics(ctx context.Context, l net.Listener) error {
	return s.serveHTTP(ctx, l, s.MetricsHandler(), "metrics")
}

func (s *Server) serveHTTP(ctx context.Context, l net.Listener, h http.Handler, name string) error {
	srv := &http.Server{
		Handler:           h,
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
	s.log.Info(name+": shutting down", "timeout", s.cfg.ShutdownTimeout.String())
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

// ipExtractor returns how the client address is found: the connection's
// peer, unless it is one of the configured reverse proxies, whose
// X-Forwarded-For is then believed. Nothing is trusted by default, so a
// client cannot choose its own address (which throttling and the audit trail
// rely on) by sending a header.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
