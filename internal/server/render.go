package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io"

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
	names, err := web.Pages()
	if err != nil {
		return nil, fmt.Errorf("server: list templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.New(n).Funcs(templateFuncs).ParseFS(web.Templates, "layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("server: parse %s: %w", n, err)
		}
		p.byName[n] = t
	}
	return p, nil
}

var templateFuncs = web.Funcs

// render executes the page of v into w. Callers render into a buffer first
// so that a template error becomes a clean error response rather than half
// a page.
func (p *pages) render(w io.Writer, v view) error {
	name := v.templateName()
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("server: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout.html", v)
}

// view is the data of one page template. Each template has its own view
// type, which embeds *pageData for the layout and adds the page's typed Form
// and Data, and names its template: a handler cannot pass a page the data
// of another, and the page tests render every template with its real type.
type view interface {
	templateName() string
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

// pageData is what the layout shows on every page; each page's view embeds
// it. Errors are the field messages of a form re-shown with the user's input.
type pageData struct {
	Title      string
	User       *pageUser
	CSRFToken  string
	Flash      string
	FlashError string
	Errors     map[string]string
	Version    string
}

func (s *Server) pageData(c echo.Context, title string) *pageData {
	d := &pageData{Title: title, Version: s.version, CSRFToken: csrfToken(c)}
	if p := principalOf(c); p != nil {
		d.User = &pageUser{
			DisplayName: p.user.DisplayName,
			Email:       p.user.Email,
			IsAdmin:     s.authz.Can(p.user, domain.AllBrands, "user", "read"),
		}
	}
	return d
}

// renderPage renders the page of v and writes it with status.
func (s *Server) renderPage(c echo.Context, status int, v view) error {
	var buf bytes.Buffer
	if err := s.pages.render(&buf, v); err != nil {
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
