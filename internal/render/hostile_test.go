package render_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/fairshelf/fairshelf/internal/render"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// wantFailure renders pdf and checks that it fails with a *render.Error whose
// reason contains want.
func wantFailure(t *testing.T, pdf []byte, want string) {
	t.Helper()
	calls := 0
	_, err := engine.RenderPDF(context.Background(), pdf, func(render.Page) error {
		calls++
		return nil
	})
	var re *render.Error
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *render.Error", err)
	}
	if !strings.Contains(re.Reason, want) {
		t.Fatalf("reason %q, want it to say %q", re.Reason, want)
	}
}

func TestBrokenPDFs(t *testing.T) {
	good := fpdfDocument(t)
	tests := []struct {
		name string
		pdf  []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"garbage", []byte("this is not a PDF at all, just words"), "not a readable PDF"},
		{"header only", []byte("%PDF-1.7\n"), "not a readable PDF"},
		{"truncated", good[:len(good)/3], "PDF"},
		{"no pages", testenv.PDFObjects("%PDF-1.4\n", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
		}), "no pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantFailure(t, tt.pdf, tt.want) })
	}
}

func TestEncryptedPDF(t *testing.T) {
	conf := model.NewAESConfiguration("user-secret", "owner-secret", 256)
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(fpdfDocument(t)), &out, conf); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, out.Bytes(), "password-protected")
}

func TestTooManyPages(t *testing.T) {
	e := render.New(render.Config{CacheDir: cacheDir(), MaxPages: 2}, nil)
	defer e.Close()
	_, err := e.RenderPDF(context.Background(), fpdfDocument(t), func(render.Page) error { return nil })
	var re *render.Error
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "3 pages") {
		t.Fatalf("err = %v, want a *render.Error about 3 pages", err)
	}
}

// TestGiganticPage draws a page that claims to be 200 by 200 metres (with
// /UserUnit) at the normal screen size.
func TestGiganticPage(t *testing.T) {
	content := "BT /F1 9000 Tf 1000 500000 Td (Huge) Tj ET 0 0 1000 1000 re f\n"
	pdf := testenv.PDFObjects("%PDF-1.6\n", []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /UserUnit 40 " +
			"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Length " + itoa(len(content)) + " >>\nstream\n" + content + "endstream",
	})
	pages := renderAll(t, pdf)
	if p := pages[0]; p.Screen.Width != 1600 || p.Screen.Height != 1600 {
		t.Fatalf("screen image %d×%d, want 1600×1600", p.Screen.Width, p.Screen.Height)
	}
}

// TestFnError checks that an error from the callback stops rendering and is
// returned as is.
func TestFnError(t *testing.T) {
	stop := errors.New("stop here")
	calls := 0
	_, err := engine.RenderPDF(context.Background(), fpdfDocument(t), func(render.Page) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err = %v after %d calls, want %v after 1", err, calls, stop)
	}
	// The engine still works afterwards.
	renderAll(t, fpdfDocument(t))
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, err := engine.RenderPDF(ctx, fpdfDocument(t), func(render.Page) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestJavaScript renders a PDF that runs a script when opened: the page is
// drawn, and nothing of the script happens.
func TestJavaScript(t *testing.T) {
	pdf := testenv.ScriptedPDF([]string{"Scripted piece"}, `app.alert("hello"); this.print();`)
	pages := renderAll(t, pdf)
	if len(pages) != 1 {
		t.Fatalf("%d pages", len(pages))
	}
	checkOnInk(t, pages[0], "Scripted piece")
}

func FuzzRenderPDF(f *testing.F) {
	f.Add(testenv.ScriptedPDF([]string{"Fuzz seed"}, ""))
	f.Add(testenv.ScriptedPDF([]string{"Fuzz seed"}, "app.alert(1)"))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		n, err := engine.RenderPDF(context.Background(), pdf, func(p render.Page) error {
			checkPage(t, p)
			return nil
		})
		var re *render.Error
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("err = %v, want a *render.Error", err)
		}
		if n < 0 {
			t.Fatalf("%d pages", n)
		}
	})
}

func TestRenderImage(t *testing.T) {
	picture := func(w, h int) *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
			}
		}
		return img
	}
	var small, large bytes.Buffer
	if err := png.Encode(&small, picture(400, 300)); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&large, picture(3200, 1000), nil); err != nil {
		t.Fatal(err)
	}

	screen, thumb, err := render.RenderImage(small.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(screen.Data, small.Bytes()) || screen.MediaType != "image/png" || screen.Width != 400 || screen.Height != 300 {
		t.Errorf("small picture not kept: %s %d×%d", screen.MediaType, screen.Width, screen.Height)
	}
	if thumb.MediaType != "image/jpeg" || thumb.Width != 240 || thumb.Height != 180 {
		t.Errorf("thumbnail %s %d×%d, want image/jpeg 240×180", thumb.MediaType, thumb.Width, thumb.Height)
	}

	screen, _, err = render.RenderImage(large.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c, err := jpeg.DecodeConfig(bytes.NewReader(screen.Data))
	if err != nil || screen.Width != 1600 || screen.Height != 500 || c.Width != 1600 || c.Height != 500 {
		t.Errorf("large picture scaled to %d×%d (%v), want 1600×500", screen.Width, screen.Height, err)
	}

	for _, bad := range [][]byte{nil, []byte("GIF89a"), small.Bytes()[:100]} {
		if _, _, err := render.RenderImage(bad); !errors.As(err, new(*render.Error)) {
			t.Errorf("RenderImage(%q...) err = %v, want a *render.Error", bad[:min(len(bad), 8)], err)
		}
	}
}

// TestPageTimeout gives pages no time at all: rendering stops with a reason,
// and the stopped instance is replaced, so the engine keeps working.
func TestPageTimeout(t *testing.T) {
	e := render.New(render.Config{CacheDir: cacheDir(), Instances: 1, PageTimeout: time.Nanosecond}, nil)
	defer e.Close()
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := e.RenderPDF(ctx, fpdfDocument(t), func(render.Page) error { return nil })
		cancel()
		var re *render.Error
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "too long") {
			t.Fatalf("err = %v, want a *render.Error about time", err)
		}
	}
}

// TestMemoryLimit renders with too little memory for the screen image: the
// failure is an error, not a crash.
func TestMemoryLimit(t *testing.T) {
	e := render.New(render.Config{CacheDir: cacheDir(), MemoryLimitMiB: 64, ScreenLongEdge: 8000}, nil)
	defer e.Close()
	_, err := e.RenderPDF(context.Background(), fpdfDocument(t), func(render.Page) error { return nil })
	var re *render.Error
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "memory") {
		t.Fatalf("err = %v, want a *render.Error about memory", err)
	}
}
