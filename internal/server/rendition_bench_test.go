package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/rendition"
)

// BenchmarkFirstPageAfterUpload measures, for a 20-page PDF, the time from
// the upload's response to the first page image being recorded, and to
// the whole rendition, with the rendition service woken by the upload as
// in production (PDFium already compiled).
func BenchmarkFirstPageAfterUpload(b *testing.B) {
	t := &testing.T{}
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-BENCH-R", "ZELTRA")
	svc := rendition.New(f.store, f.objects, testEngine(b), f.log, rendition.Options{Office: "-"})
	f.renditions = svc
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-svc.Wake():
				if err := svc.Work(ctx, time.Now()); err != nil && ctx.Err() == nil {
					panic(err)
				}
			}
		}
	}()
	var first, all time.Duration
	for i := 0; b.Loop(); i++ {
		pages := make([]string, 20)
		for p := range pages {
			pages[p] = fmt.Sprintf("Run %d, page %d. ", i, p+1) + claimV1 + " " + isiText + " " + isiText
		}
		pdf := promoPDF(b, pages...)
		rec := f.upload(t, f.marketer, a.ID, "bench.pdf", pdf)
		start := time.Now()
		if rec.Code != http.StatusCreated {
			b.Fatalf("upload = %d %s", rec.Code, rec.Body)
		}
		v := decode[domain.Version](t, rec, http.StatusCreated)
		seenFirst := false
		for {
			r, err := f.store.Rendition(context.Background(), v.SHA256, v.MediaType, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if !seenFirst && len(r.Pages) > 0 {
				first += time.Since(start)
				seenFirst = true
			}
			if r.Status == domain.RenditionReady {
				all += time.Since(start)
				break
			}
			if r.Status == domain.RenditionFailed {
				b.Fatalf("rendition failed: %s", r.Reason)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	cancel()
	<-done
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms-to-first-page")
	b.ReportMetric(float64(all.Microseconds())/1000/float64(b.N), "ms-to-all-20-pages")
	b.ReportMetric(float64(20*b.N)/all.Seconds(), "pages/s")
}

// BenchmarkWorkbenchOpen measures opening the review workbench of a
// rendered 20-page piece as a signed-in reviewer: the page's HTML, and the
// first page image once it is made (in process, without the network).
func BenchmarkWorkbenchOpen(b *testing.B) {
	t := &testing.T{}
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-BENCH-W", "ZELTRA")
	pages := make([]string, 20)
	for p := range pages {
		pages[p] = fmt.Sprintf("Page %d. ", p+1) + claimV1 + " " + isiText
	}
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "bench.pdf", promoPDF(b, pages...)), http.StatusCreated)
	f.makePages(b)
	w := webSignIn(t, f.testServer, "medical@example.com")
	var htmlTimes, imageTimes []time.Duration
	for b.Loop() {
		start := time.Now()
		rec := w.do(t, http.MethodGet, "/versions/"+v.ID, nil)
		htmlTimes = append(htmlTimes, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("workbench = %d", rec.Code)
		}
		start = time.Now()
		rec = w.do(t, http.MethodGet, "/versions/"+v.ID+"/pages/1/image", nil)
		imageTimes = append(imageTimes, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("first page image = %d", rec.Code)
		}
	}
	b.ReportMetric(percentileMs(htmlTimes, 50), "html-p50-ms")
	b.ReportMetric(percentileMs(htmlTimes, 99), "html-p99-ms")
	b.ReportMetric(percentileMs(imageTimes, 50), "image-p50-ms")
	b.ReportMetric(percentileMs(imageTimes, 99), "image-p99-ms")
}

func percentileMs(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}
