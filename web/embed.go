// Package web holds Fairshelf's server-rendered user interface: the
// html/template files and the static assets (stylesheet, vendored htmx).
//
// The files are embedded into the binary, so a single executable serves the
// whole UI with no files to deploy next to it, and tests read exactly the same
// bytes production does. The package has no logic of its own; the server
// parses the templates and serves the static files.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates is the template folder, rooted so that names are bare file names
// such as "layout.html" and "login.html". The server parses layout.html
// together with one page file per render; every page defines the "title" and
// "content" templates that the layout calls.
var Templates fs.FS = mustSub(files, "templates")

// Pages lists the page templates: every file in Templates but the layout,
// which each of them is parsed with. It fails only if the embedded folder
// cannot be listed, which no build that compiles can cause.
func Pages() ([]string, error) {
	names, err := fs.Glob(Templates, "*.html")
	if err != nil {
		return nil, err
	}
	pages := names[:0]
	for _, n := range names {
		if n != "layout.html" {
			pages = append(pages, n)
		}
	}
	return pages, nil
}

// Static is the static asset folder, rooted so that "app.css" and
// "htmx.min.js" are served under /static/. Its contents never depend on the
// request, so the server may cache them aggressively.
var Static fs.FS = mustSub(files, "static")

// mustSub returns the sub-tree dir of fsys. It panics only if dir is not a
// valid path, which is a programming error caught by any test that imports
// this package, never a run-time condition.
func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic("web: " + err.Error())
	}
	return sub
}
