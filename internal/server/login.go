package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// loginForm is the login page's form.
type loginForm struct {
	Email string
	Next  string
}

func (s *Server) loginPage(c echo.Context) error {
	data := s.pageData(c, "Sign in")
	data.Form = loginForm{Next: c.QueryParam("next")}
	return s.renderPage(c, http.StatusOK, "login.html", data)
}
