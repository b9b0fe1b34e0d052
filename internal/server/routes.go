package server

import (
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/web"
)

// access declares who may call a route. Every route is registered with one;
// a test fails if any route lacks it, so nothing is left open by accident.
type access struct {
	public   bool   // no authentication (login, health, metrics, static files)
	signedIn bool   // any signed-in user (their own profile, logout)
	global   bool   // checked for all brands ("*"): administration, audit
	object   string // Casbin object, e.g. "audit"
	action   string // Casbin action, e.g. "verify"
}

var (
	publicAccess   = access{public: true}
	signedInAccess = access{signedIn: true}
)

// global is a permission that concerns no single brand.
func global(object, action string) access {
	return access{global: true, object: object, action: action}
}

// perBrand is a permission the caller must hold in the resource's brand; the
// route admits callers who hold it in some brand and the handler checks the
// brand of what it touches.
func perBrand(object, action string) access { return access{object: object, action: action} }

// routes registers every route in one place.
func (s *Server) routes() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(withRequestID, s.accessLog(), s.metrics.middleware, s.handleErrors, s.recoverPanics(), secureHeaders(s.cfg.SecureCookies), limitBody(s.cfg.MaxBodyBytes), s.csrf(), s.authenticate)
	s.access = map[string]access{}

	s.add(http.MethodGet, "/healthz", s.healthz, publicAccess)
	s.add(http.MethodGet, "/readyz", s.readyz, publicAccess)
	s.add(http.MethodGet, "/metrics", s.metricsHandler(), publicAccess)
	s.add(http.MethodGet, "/static/*", s.staticHandler(), publicAccess)

	// Web UI.
	s.add(http.MethodGet, "/login", s.loginPage, publicAccess)
	s.add(http.MethodPost, "/login", s.loginSubmit, publicAccess)
	s.add(http.MethodPost, "/logout", s.logoutSubmit, signedInAccess)
	s.add(http.MethodGet, "/", s.homePage, signedInAccess)
	s.add(http.MethodGet, "/admin/users", s.adminUsersPage, global("user", "read"))
	s.add(http.MethodGet, "/admin/users/new", s.adminUserNewPage, global("user", "create"))
	s.add(http.MethodPost, "/admin/users", s.adminUserCreate, global("user", "create"))
	s.add(http.MethodGet, "/admin/users/:id", s.adminUserPage, global("user", "read"))
	s.add(http.MethodPost, "/admin/users/:id", s.adminUserUpdate, global("user", "update"))

	// API v1.
	s.add(http.MethodPost, "/api/v1/auth/login", s.apiLogin, publicAccess)
	s.add(http.MethodPost, "/api/v1/auth/logout", s.apiLogout, signedInAccess)
	s.add(http.MethodGet, "/api/v1/me", s.apiMe, signedInAccess)
	s.add(http.MethodPut, "/api/v1/me/password", s.apiChangePassword, signedInAccess)
	s.add(http.MethodGet, "/api/v1/users", s.apiListUsers, global("user", "read"))
	s.add(http.MethodPost, "/api/v1/users", s.apiCreateUser, global("user", "create"))
	s.add(http.MethodGet, "/api/v1/users/:id", s.apiGetUser, global("user", "read"))
	s.add(http.MethodPatch, "/api/v1/users/:id", s.apiUpdateUser, global("user", "update"))
	s.add(http.MethodPut, "/api/v1/users/:id/roles", s.apiSetRoles, global("user", "update"))
	s.add(http.MethodGet, "/api/v1/audit/verify", s.verifyAudit, global("audit", "verify"))
}

// add registers one route with its access rule.
func (s *Server) add(method, path string, h echo.HandlerFunc, a access) {
	s.access[method+" "+path] = a
	if !a.public {
		h = s.authorize(a, h)
	}
	s.echo.Add(method, path, h)
}

// staticHandler serves the embedded web assets with caching; the files
// change only with a new binary. Names outside the folder are not found.
func (s *Server) staticHandler() echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.Param("*")
		if !fs.ValidPath(name) || name == "." {
			return domain.Errorf(domain.ENOTFOUND, "No such file.")
		}
		if _, err := fs.Stat(web.Static, name); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "No such file.")
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(c.Response(), c.Request(), web.Static, name)
		return nil
	}
}
