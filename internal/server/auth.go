package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
)

const (
	sessionCookie = "fairshelf_session"
	principalKey  = "principal"
	tokenPrefix   = "fs_"
)

// principal is the authenticated caller of a request.
type principal struct {
	user    domain.User
	session domain.Session
}

func principalOf(c echo.Context) *principal {
	p, _ := c.Get(principalKey).(*principal)
	return p
}

// actor describes the caller for the audit trail.
func (s *Server) actor(c echo.Context) domain.Actor {
	a := domain.Actor{RequestID: requestID(c), ClientIP: c.RealIP()}
	if p := principalOf(c); p != nil {
		a.UserID, a.Name = p.user.ID, p.user.DisplayName
	}
	return a
}

// newToken returns a random secret and the hash stored for it.
func newToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// authenticate identifies the caller of every request. API paths accept
// only bearer tokens, the web UI only its session cookie, so that a browser's
// cookie can never drive the API without the UI's CSRF protection. A bad
// bearer token is rejected at once; a stale cookie is cleared and the request
// continues anonymously (the login page must stay reachable).
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := req.Context()
		now := s.now()
		isAPI := strings.HasPrefix(req.URL.Path, "/api/")
		var token string
		if isAPI {
			if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
				scheme, t, ok := strings.Cut(h, " ")
				if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(t, tokenPrefix) {
					return domain.Errorf(domain.EUNAUTH, "Use an Authorization: Bearer token from POST /api/v1/auth/login.")
				}
				token = strings.TrimSpace(t)
			}
		} else if ck, err := req.Cookie(sessionCookie); err == nil && ck.Value != "" {
			token = ck.Value
		}
		if token == "" {
			return next(c)
		}
		sess, user, err := s.store.SessionUser(ctx, hashToken(token), now)
		if err != nil {
			if domain.ErrorCode(err) != domain.EUNAUTH {
				return err
			}
			if isAPI {
				return domain.Errorf(domain.EUNAUTH, "The token is invalid, expired or revoked; sign in again.")
			}
			s.clearSessionCookie(c)
			return next(c)
		}
		if (isAPI && sess.Kind != store.SessionAPI) || (!isAPI && sess.Kind != store.SessionWeb) {
			return domain.Errorf(domain.EUNAUTH, "This credential is not valid here.")
		}
		if sess.Kind == store.SessionWeb && now.Sub(sess.LastSeenAt) > time.Minute {
			// Slide the idle timeout, but never past the absolute limit.
			exp := now.Add(s.cfg.SessionIdleTimeout)
			if limit := sess.CreatedAt.Add(s.cfg.SessionMaxAge); exp.After(limit) {
				exp = limit
			}
			if err := s.store.TouchSession(ctx, sess.TokenHash, now, exp); err != nil {
				return err
			}
		}
		if err := s.authz.SyncAt(ctx, sess.GrantsVersion); err != nil {
			return err
		}
		c.Set(principalKey, &principal{user: user, session: sess})
		return next(c)
	}
}

// authorize wraps a protected handler: anonymous callers get 401 (browsers
// are sent to the login page), callers who must change a password someone
// else set get 403 password_change_required on everything but
// passwordChangeRoutes (browsers are sent to the change-password page),
// callers without the route's permission 403.
// Brand-scoped routes are checked again by their handler against the brand
// of the resource they touch.
func (s *Server) authorize(a access, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principalOf(c)
		if p == nil {
			if req := c.Request(); req.Method == http.MethodGet && wantsHTML(req) {
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(req.URL.RequestURI()))
			}
			return domain.Errorf(domain.EUNAUTH, "Sign in to continue.")
		}
		if p.user.PasswordChangeRequired && !passwordChangeRoutes[c.Request().Method+" "+c.Path()] {
			if req := c.Request(); req.Method == http.MethodGet && wantsHTML(req) {
				return c.Redirect(http.StatusSeeOther, "/account/password")
			}
			return domain.ErrPasswordChangeRequired
		}
		switch {
		case a.signedIn:
		case a.global && !s.authz.Can(p.user, domain.AllBrands, a.object, a.action):
			return domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
		case !a.global && !s.authz.CanSomewhere(p.user, a.object, a.action):
			return domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
		}
		return next(c)
	}
}

// passwordChangeRoutes are all a user may use while they owe a change of a
// password someone else set (domain.PasswordSetByOther): changing it and
// signing out.
var passwordChangeRoutes = map[string]bool{
	"PUT /api/v1/me/password":  true,
	"POST /api/v1/auth/logout": true,
	"GET /account/password":    true,
	"POST /account/password":   true,
	"POST /logout":             true,
}

// can checks a brand-scoped permission inside a handler.
func (s *Server) can(c echo.Context, brand, object, action string) bool {
	p := principalOf(c)
	return p != nil && s.authz.Can(p.user, brand, object, action)
}

// errInvalidLogin is the one answer to every failed sign-in, so that it does
// not reveal which accounts exist or are disabled.
var errInvalidLogin = domain.Errorf(domain.EUNAUTH, "E-mail or password is incorrect.")

// signIn checks credentials with throttling per account and per address,
// records the attempt and its audit event, and on success creates a session
// of the given kind. It returns the session's secret token. The password
// check is reserved before it runs (store.BeginPasswordCheck), so parallel
// guesses cannot overrun the limits; throttled attempts are counted, not
// audited one by one.
func (s *Server) signIn(c echo.Context, email, pw, kind string) (string, domain.Session, domain.User, error) {
	ctx := c.Request().Context()
	now := s.now()
	ip := c.RealIP()
	outcome := domain.LoginOutcome{
		Email:     strings.TrimSpace(email),
		ClientIP:  ip,
		UserAgent: c.Request().UserAgent(),
		RequestID: requestID(c),
	}
	fail := func(reason string, user *domain.User, err error) (string, domain.Session, domain.User, error) {
		outcome.Reason, outcome.User = reason, user
		if rerr := s.store.RecordLogin(ctx, outcome); rerr != nil {
			return "", domain.Session{}, domain.User{}, rerr
		}
		return "", domain.Session{}, domain.User{}, err
	}
	attempt, err := s.store.BeginPasswordCheck(ctx, s.passwordCheck(c, email, false))
	if err != nil {
		return "", domain.Session{}, domain.User{}, err
	}
	outcome.AttemptID = attempt
	creds, err := s.store.CredentialsByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		_, _ = password.Verify(pw, s.dummyHash) // same work as for a real account
		return fail("unknown_user", nil, errInvalidLogin)
	} else if err != nil {
		return "", domain.Session{}, domain.User{}, err
	}
	ok, err := password.Verify(pw, creds.PasswordHash)
	if err != nil {
		s.log.Error("auth: stored password hash unreadable", "user_id", creds.User.ID, "err", err)
	}
	if !ok {
		return fail("bad_credentials", &creds.User, errInvalidLogin)
	}
	if creds.User.Disabled {
		return fail("disabled", &creds.User, errInvalidLogin)
	}
	token, hash := newToken()
	ttl := s.cfg.TokenTTL
	if kind == store.SessionWeb {
		ttl = s.cfg.SessionIdleTimeout
	}
	sess := domain.Session{TokenHash: hash, UserID: creds.User.ID, Kind: kind, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	outcome.Succeeded, outcome.User, outcome.Session = true, &creds.User, &sess
	if err := s.store.RecordLogin(ctx, outcome); err != nil {
		return "", domain.Session{}, domain.User{}, err
	}
	return token, sess, creds.User, nil
}

// passwordCheck describes a password check by the caller for throttling:
// sign-in (signature false) or the re-entry of a signed-in user's password.
func (s *Server) passwordCheck(c echo.Context, email string, signature bool) domain.PasswordCheck {
	a := s.actor(c)
	if a.UserID == "" {
		a.Name = strings.TrimSpace(email)
	}
	return domain.PasswordCheck{Email: email, ClientIP: c.RealIP(), Window: s.cfg.LoginWindow, Signature: signature, Actor: a,
		Limits: domain.ThrottleLimits{PerAccount: s.cfg.LoginMaxPerAccount, PerAddress: s.cfg.LoginMaxPerAddress}}
}

func (s *Server) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionMaxAge.Seconds()),
	})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(
		&http.Cookie{
			Name:     sessionCookie,
			Value:    "",
			Path:     "/",
			HttpOnly: true,
			Secure:   s.cfg.SecureCookies,
			SameSite: http.SameSiteLaxMode,
			MaxAge:   -1,
		},
	)
}

// safeNext returns next if it is a path on this site, else "/": a login link
// must not redirect to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
