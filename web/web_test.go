package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/fairshelf/fairshelf/web"
)

// These tests cover what is web's own: that every page parses with the
// layout, that static references resolve, the vendored files and the
// template functions. Rendering the pages with data is tested in
// internal/server, where the page types are.

// pages lists every page template and checks that the shell pages are
// among them.
func pages(t *testing.T) []string {
	t.Helper()
	out, err := web.Pages()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"login.html", "error.html", "home.html"} {
		if !slices.Contains(out, want) {
			t.Errorf("page %s is missing from web.Templates (have %v)", want, out)
		}
	}
	return out
}

// TestTemplatesParse parses the layout together with each page, the way the
// server does, and checks that the page defines the blocks the layout uses.
func TestTemplatesParse(t *testing.T) {
	for _, page := range pages(t) {
		tmpl, err := template.New("layout.html").Funcs(web.Funcs).ParseFS(web.Templates, "layout.html", page)
		if err != nil {
			t.Errorf("parse layout.html + %s: %v", page, err)
			continue
		}
		for _, name := range []string{"title", "content"} {
			if tmpl.Lookup(name) == nil {
				t.Errorf("%s does not define %q", page, name)
			}
		}
	}
}

// templateComment matches a template comment, {{/* ... */}} with optional trim markers.
var templateComment = regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)

// TestStaticReferences checks that every stylesheet and script a template
// loads is a /static/ URL that exists in web.Static, so that nothing loads
// from another origin, and that the stylesheet loads nothing either.
func TestStaticReferences(t *testing.T) {
	names, err := fs.Glob(web.Templates, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := 0
	for _, name := range names {
		src, err := fs.ReadFile(web.Templates, name)
		if err != nil {
			t.Fatal(err)
		}
		// Tokenize rather than parse: a template file is not a document.
		// Template comments go first: one that mentions <style> would
		// otherwise hide the tags after it.
		z := html.NewTokenizer(bytes.NewReader(templateComment.ReplaceAll(src, nil)))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			tok := z.Token()
			if (tt != html.StartTagToken && tt != html.SelfClosingTagToken) || (tok.Data != "link" && tok.Data != "script") {
				continue
			}
			u := tokenAttr(tok, "href") + tokenAttr(tok, "src")
			if !strings.HasPrefix(u, "/static/") {
				t.Errorf("%s: <%s> loads %q, not a /static/ asset", name, tok.Data, u)
				continue
			}
			refs++
			if _, err := fs.Stat(web.Static, strings.TrimPrefix(u, "/static/")); err != nil {
				t.Errorf("%s: <%s> refers to %s: %v", name, tok.Data, u, err)
			}
		}
	}
	if refs < 2 {
		t.Errorf("want app.css and htmx.min.js referenced, got %d static references", refs)
	}
	css, err := fs.ReadFile(web.Static, "app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"@import", "http://", "https://", "url("} {
		if bytes.Contains(css, []byte(bad)) {
			t.Errorf("app.css contains %q: no external resources allowed", bad)
		}
	}
}

func TestFuncs(t *testing.T) {
	dict := web.Funcs["dict"].(func(...any) (map[string]any, error))
	if m, err := dict("a", 1, "b", "x"); err != nil || m["a"] != 1 || m["b"] != "x" {
		t.Errorf("dict = %v, %v", m, err)
	}
	if _, err := dict("a"); err == nil {
		t.Error("dict with an odd number of arguments: no error")
	}
	if _, err := dict(1, 2); err == nil {
		t.Error("dict with a non-string key: no error")
	}
	if got := web.Funcs["add"].(func(int, int) int)(2, 3); got != 5 {
		t.Errorf("add(2, 3) = %d", got)
	}
	if got := web.Funcs["mul100"].(func(float64) float64)(0.25); got != 25 {
		t.Errorf("mul100(0.25) = %v", got)
	}
}

// vendoredRow matches a row of the table in static/VENDORED.md:
// | `file` | name | version | source | license | `sha256` |
var vendoredRow = regexp.MustCompile("(?m)^\\|\\s*`([^`]+)`\\s*\\|[^|]*\\|\\s*([^|\\s]+)\\s*\\|.*\\|\\s*`([0-9a-f]{64})`\\s*\\|\\s*$")

func TestVendoredChecksums(t *testing.T) {
	md, err := fs.ReadFile(web.Static, "VENDORED.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := vendoredRow.FindAllStringSubmatch(string(md), -1)
	seen := map[string]bool{}
	for _, row := range rows {
		file, version, want := row[1], row[2], row[3]
		seen[file] = true
		b, err := fs.ReadFile(web.Static, file)
		if err != nil {
			t.Errorf("%s listed in VENDORED.md: %v", file, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, VENDORED.md says %s", file, got, want)
		}
		if file == "htmx.min.js" {
			if !strings.HasPrefix(version, "2.") {
				t.Errorf("htmx.min.js: version %s, want 2.x", version)
			}
			if !bytes.Contains(b, []byte(`version:"`+version+`"`)) {
				t.Errorf("htmx.min.js does not report version %s", version)
			}
		}
	}
	if !seen["htmx.min.js"] {
		t.Errorf("htmx.min.js not listed in VENDORED.md (rows: %v)", rows)
	}
}

func tokenAttr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
