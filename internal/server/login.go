package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

// loginForm is the login page's form.
type loginForm struct {
	Email string
	Next  string
}

// loginView is what login.html shows.
type loginView struct {
	*pageData
	Form loginForm
}

func (loginView) templateName() string { return "login.html" }

// homeView is what home.html shows: the layout only, for a user without a
// landing page.
type homeView struct{ *pageData }

func (homeView) templateName() string { return "home.html" }

func (s *Server) loginPage(c echo.Context) error {
	if principalOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	data := loginView{pageData: s.pageData(c, "Sign in"), Form: loginForm{Next: safeNext(c.QueryParam("next"))}}
	data.Flash = s.flashMessage(c)
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) loginSubmit(c echo.Context) error {
	form := loginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	pw := c.FormValue("password")
	data := loginView{pageData: s.pageData(c, "Sign in"), Form: form}
	var v domain.Validation
	v.Check(form.Email != "", "email", "Enter your e-mail address.")
	v.Check(pw != "", "password", "Enter your password.")
	if err := v.Err(); err != nil {
		data.Errors = domain.ErrorFields(err)
		return s.renderPage(c, http.StatusUnprocessableEntity, data)
	}
	token, _, _, err := s.signIn(c, form.Email, pw, store.SessionWeb)
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EUNAUTH:
			data.FlashError = domain.ErrorMessage(err)
			return s.renderPage(c, http.StatusUnauthorized, data)
		case domain.ETOOMANY:
			data.FlashError = domain.ErrorMessage(err)
			return s.renderPage(c, http.StatusTooManyRequests, data)
		}
		return err
	}
	s.setSessionCookie(c, token)
	return c.Redirect(http.StatusSeeOther, form.Next)
}

func (s *Server) logoutSubmit(c echo.Context) error {
	p := principalOf(c)
	if err := s.store.EndSession(c.Request().Context(), s.actor(c), p.session.TokenHash); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	s.setFlash(c, "signed_out")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) homePage(c echo.Context) error {
	if path := s.landingPath(c); path != "" {
		return c.Redirect(http.StatusSeeOther, path)
	}
	data := homeView{s.pageData(c, "Home")}
	data.Flash = s.flashMessage(c)
	return s.renderPage(c, http.StatusOK, data)
}

// Flash messages travel as a key in a short-lived cookie across the
// redirect of post-redirect-get; only known keys are shown, so the cookie
// cannot be used to put arbitrary text on a page.
var flashes = map[string]string{
	"signed_out":       "You have signed out.",
	"password_changed": "Your password was changed. Sign in with the new password.",
	"user_created":     "The user was created.",
	"user_saved":       "The changes were saved.",
	"checked":          "The piece was checked again.",
	"waived":           "The finding was waived and your signature recorded.",
	"label_saved":      "The label was saved as a new version.",
	"claim_added":      "The claim was added to the claims library.",
	"submitted":        "The version was submitted for MLR review; the reviewers were notified.",
	"decided":          "Your decision and signature were recorded.",
	"commented":        "Your comment was added.",
	"published":        "The version was published to the field.",
	"withdrawn":        "The version was withdrawn; reps who had it were notified.",
	"feedback_sent":    "Thank you: your feedback was sent to marketing.",
	"notice_acked":     "Notice acknowledged.",
}

const flashCookie = "fairshelf_flash"

func (s *Server) setFlash(c echo.Context, key string) {
	c.SetCookie(s.flashCookie(key, 60))
}

func (s *Server) flashMessage(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(s.flashCookie("", -1))
	return flashes[ck.Value]
}

// flashCookie is the flash cookie with value, kept for maxAge seconds
// (negative: deleted). It is Secure whenever the session cookie is.
func (s *Server) flashCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     flashCookie,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
		MaxAge:   maxAge,
	}
}

// landingPath is where each role starts its work.
func (s *Server) landingPath(c echo.Context) string {
	u := principalOf(c).user
	switch {
	case s.authz.CanSomewhere(u, "version", "upload"):
		return "/assets"
	case s.authz.CanSomewhere(u, "review", "read"):
		return "/reviews"
	case s.authz.CanSomewhere(u, "library", "download"):
		return "/library"
	case s.authz.Can(u, domain.AllBrands, "audit", "read"):
		return "/audit"
	case s.authz.CanSomewhere(u, "user", "read"):
		return "/admin/users"
	}
	return ""
}
