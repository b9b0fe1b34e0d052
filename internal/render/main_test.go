package render_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/render"
)

// engine is shared by the tests of this binary, so PDFium is compiled once.
var engine *render.Engine

func TestMain(m *testing.M) {
	engine = render.New(render.Config{CacheDir: cacheDir()}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	err := engine.Wait(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "render: PDFium did not start:", err)
		os.Exit(1)
	}
	code := m.Run()
	engine.Close()
	os.Exit(code)
}

// cacheDir is where tests keep PDFium's compiled code between runs.
func cacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "fairshelf", "pdfium")
}

// renderAll renders pdf with the shared engine and returns its pages.
func renderAll(t testing.TB, pdf []byte) []render.Page {
	t.Helper()
	var pages []render.Page
	n, err := engine.RenderPDF(context.Background(), pdf, func(p render.Page) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	if n != len(pages) {
		t.Fatalf("RenderPDF returned %d pages, called back %d times", n, len(pages))
	}
	for _, p := range pages {
		checkPage(t, p)
	}
	return pages
}

// checkPage checks what holds for every page.
func checkPage(t testing.TB, p render.Page) {
	t.Helper()
	if got := len([]rune(p.Text)); got != len(p.Boxes) {
		t.Fatalf("page %d: %d runes of text, %d boxes", p.Number, got, len(p.Boxes))
	}
	for i, r := range []rune(p.Text) {
		b := p.Boxes[i]
		if b.X < 0 || b.Y < 0 || b.W < 0 || b.H < 0 || b.X+b.W > 1.000001 || b.Y+b.H > 1.000001 {
			t.Fatalf("page %d: box %d (%q) out of the page: %+v", p.Number, i, r, b)
		}
		if r == '\n' && b != (render.Box{}) {
			t.Fatalf("page %d: box of a line break is %+v", p.Number, b)
		}
	}
	if strings.Contains(p.Text, "\r") {
		t.Fatalf("page %d: text has a carriage return", p.Number)
	}
	for _, im := range []render.Image{p.Screen, p.Thumb} {
		if im.MediaType != "image/jpeg" {
			t.Fatalf("page %d: media type %q", p.Number, im.MediaType)
		}
		c, err := jpeg.DecodeConfig(bytes.NewReader(im.Data))
		if err != nil {
			t.Fatalf("page %d: image: %v", p.Number, err)
		}
		if c.Width != im.Width || c.Height != im.Height {
			t.Fatalf("page %d: image is %d×%d, says %d×%d", p.Number, c.Width, c.Height, im.Width, im.Height)
		}
	}
	if long := max(p.Screen.Width, p.Screen.Height); long < 1590 || long > 1601 {
		t.Fatalf("page %d: screen image is %d×%d", p.Number, p.Screen.Width, p.Screen.Height)
	}
	if long := max(p.Thumb.Width, p.Thumb.Height); long < 235 || long > 241 {
		t.Fatalf("page %d: thumbnail is %d×%d", p.Number, p.Thumb.Width, p.Thumb.Height)
	}
	// The image has the shape of the displayed page.
	if pr, ir := p.Width/p.Height, float64(p.Screen.Width)/float64(p.Screen.Height); pr/ir < 0.99 || pr/ir > 1.01 {
		t.Fatalf("page %d: page %.0f×%.0f pt, image %d×%d px", p.Number, p.Width, p.Height, p.Screen.Width, p.Screen.Height)
	}
}

// phrase returns the union of the boxes of the first occurrence of s in the
// page text; it fails the test when s is missing.
func phrase(t testing.TB, p render.Page, s string) render.Box {
	t.Helper()
	i := strings.Index(p.Text, s)
	if i < 0 {
		t.Fatalf("page %d: %q not in text %q", p.Number, s, p.Text)
	}
	start := len([]rune(p.Text[:i]))
	n := len([]rune(s))
	x0, y0, x1, y1 := 2.0, 2.0, -1.0, -1.0
	for _, b := range p.Boxes[start : start+n] {
		if b.W == 0 && b.H == 0 {
			continue
		}
		x0, y0 = min(x0, b.X), min(y0, b.Y)
		x1, y1 = max(x1, b.X+b.W), max(y1, b.Y+b.H)
	}
	if x1 < x0 {
		t.Fatalf("page %d: %q has no boxes", p.Number, s)
	}
	return render.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// darkShare returns the share of dark pixels of the screen image inside box b.
func darkShare(t testing.TB, p render.Page, b render.Box) float64 {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(p.Screen.Data))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	w, h := float64(r.Dx()), float64(r.Dy())
	area := image.Rect(int(b.X*w), int(b.Y*h), int((b.X+b.W)*w+0.5), int((b.Y+b.H)*h+0.5)).Intersect(r)
	if area.Empty() {
		return 0
	}
	dark := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			c, g, bl, _ := img.At(x, y).RGBA()
			if (c+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(area.Dx()*area.Dy())
}

// checkOnInk checks that the boxes of phrase s lie on ink: the share of dark
// pixels inside them is well above that of the whole page.
func checkOnInk(t testing.TB, p render.Page, s string) {
	t.Helper()
	b := phrase(t, p, s)
	inside := darkShare(t, p, b)
	page := darkShare(t, p, render.Box{W: 1, H: 1})
	if inside < 0.08 || inside < 3*page {
		t.Errorf("page %d: box of %q at %+v covers %.1f%% dark pixels, the page %.1f%%", p.Number, s, b, inside*100, page*100)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
