package render_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fairshelf/fairshelf/internal/render"
)

// textDocument returns a PDF of n letter pages full of text.
func textDocument(b testing.TB, n int) []byte {
	f := fpdf.New("P", "pt", "Letter", "")
	f.SetFont("Times", "", 11)
	for i := 1; i <= n; i++ {
		f.AddPage()
		f.SetXY(72, 72)
		for j := 0; j < 12; j++ {
			f.MultiCell(468, 14, fmt.Sprintf("Page %d, paragraph %d. Patients treated with the study drug showed "+
				"a reduction in symptoms compared with placebo; adverse events were mild and transient, and "+
				"prescribers should consult the full prescribing information before use.", i, j+1), "", "J", false)
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkRenderPDF20Pages(b *testing.B) {
	pdf := textDocument(b, 20)
	var first, total time.Duration
	chars := 0
	for b.Loop() {
		start := time.Now()
		n, err := engine.RenderPDF(context.Background(), pdf, func(p render.Page) error {
			if p.Number == 1 {
				first += time.Since(start)
			}
			chars += len(p.Boxes)
			return nil
		})
		if err != nil || n != 20 {
			b.Fatalf("%d pages: %v", n, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(20*b.N)/total.Seconds(), "pages/s")
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms-first-page")
	b.ReportMetric(float64(chars)/float64(20*b.N), "chars/page")
}

// BenchmarkCompile measures starting PDFium without (cold) and with the
// compilation cache.
func BenchmarkCompile(b *testing.B) {
	for _, bc := range []struct {
		name string
		dir  func() string
	}{
		{"cold", func() string { return "" }},
		{"cached", cacheDir},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				e := render.New(render.Config{CacheDir: bc.dir()}, slog.New(slog.DiscardHandler))
				if err := e.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
				e.Close()
			}
		})
	}
}
