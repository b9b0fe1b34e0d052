package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/web"
)

// pages holds one parsed template set per page: the layout plus that page,
// so that pages can define the same block names without clashing.
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	names, err := fs.Glob(web.Templates, "*.html")
	if err != nil {
		return nil, fmt.Errorf("server: list templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if n == "layout.html" {
			continue
		}
		t, err := template.New(n).Funcs(templateFuncs).ParseFS(web.Templates, "layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("server: parse %s: %w", n, err)
		}
		p.byName[n] = t
	}
	return p, nil
}

var templateFuncs = web.Funcs

// render executes a page into w. Callers render into a buffer first so that a
// template error becomes a clean error response rather than half a page.
func (p *pages) render(w io.Writer, name string, data *pageData) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("server: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout.html", data)
}

// pageUser is what the layout shows of the signed-in user.
type pageUser struct {
	DisplayName string
	Email       string
	IsAdmin     bool
}

// pageError is the error page's subject.
type pageError struct {
	Code, Message, RequestID string
	Status                   int
}

// pageData is passed to every page.
type pageData struct {
	Title      string
	User       *pageUser
	CSRFToken  string
	Flash      string
	FlashError string
	Form       any
	Errors     map[string]string
	Error      *pageError
	Version    string
	Data       any
}

func (s *Server) pageData(c echo.Context, title string) *pageData {
	d := &pageData{Title: title, Version: s.version, CSRFToken: csrfToken(c)}
	if p := principalOf(c); p != nil {
		d.User = &pageUser{DisplayName: p.user.DisplayName, Email: p.user.Email, IsAdmin: s.authz.Can(p.user, domain.AllBrands, "user", "read")}
	}
	return d
}

// renderPage renders name with data and writes it with status.
func (s *Server) renderPage(c echo.Context, status int, name string, data *pageData) error {
	var buf bytes.Buffer
	if err := s.pages.render(&buf, name, data); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// csrfToken returns the CSRF token the csrf middleware stored for this
// request, or "" on routes without it.
func csrfToken(c echo.Context) string {
	if v, ok := c.Get(csrfKey).(string); ok {
		return v
	}
	return ""
}
