package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The product's quality bars, as the product brief states them.
const (
	targetUploadHeapMiB  = 64   // peak heap growth while a 1 GiB upload runs
	targetDownloadPct    = 80   // download through the app, % of direct MinIO throughput
	targetListingP99Ms   = 20   // rep library page of 50 over 100k assets, p99
	targetSweepSeconds   = 5    // expiry sweep of 100k due versions
	targetAuthzMicros    = 50   // one authorization decision
	targetRenderPagesSec = 10   // page images at screen size, on 2 cores
	targetFirstPageMs    = 2000 // first page image of a 20-page PDF after the upload's response
	targetWorkbenchMs    = 200  // the workbench page's HTML for a 20-page piece, p99
	targetPageImageMs    = 100  // a rendered page image, p99
	httpListingBenchmark = "BenchmarkLibraryListingHTTP"
)

// report is everything the document shows, computed from one set of runs.
type report struct {
	Machine machine
	results map[string]result

	UploadHeapMiB, UploadMBps       float64
	DownloadDirectMBps, DownloadApp float64 // MB/s
	DownloadPct                     float64 // app as % of direct

	ExtractPagesPerSec, ExtractMs float64
	CheckPagesPerSec, CheckMs     float64
	BothPagesPerSec, BothMs       float64 // extraction then checking, as on upload

	AuthzUncachedMinUs, AuthzUncachedMaxUs float64
	AuthzCachedMinNs, AuthzCachedMaxNs     float64

	StoreListingApp, StoreListingRaw latency
	HTTPListing                      []httpListing

	SweepSeconds, SweepVersionsPerSec float64

	RenderPagesPerSec, RenderFirstMs    float64
	CompileColdS, CompileCachedS        float64
	UploadFirstPageMs, UploadAllMs      float64
	CompareMs                           float64
	WorkbenchHTMLP99, WorkbenchImageP99 float64
	WorkbenchHTMLP50, WorkbenchImageP50 float64

	Targets targets
}

// latency is one listing measurement; RPS is zero where not measured.
type latency struct{ P50, P99, RPS float64 }

// httpListing is the HTTP listing at one concurrency, with its baseline.
type httpListing struct {
	Clients  int
	App, Raw latency
}

type targets struct {
	UploadHeapMiB, DownloadPct, ListingP99Ms, SweepSeconds, AuthzMicros int
	RenderPagesSec, FirstPageMs, WorkbenchMs, PageImageMs               int
}

// RenderMet reports whether PDFium rendered fast enough.
func (r report) RenderMet() bool { return r.RenderPagesPerSec >= targetRenderPagesSec }

// FirstPageMet reports whether the first page image came soon enough.
func (r report) FirstPageMet() bool { return r.UploadFirstPageMs < targetFirstPageMs }

// WorkbenchMet reports whether the workbench page opened fast enough.
func (r report) WorkbenchMet() bool { return r.WorkbenchHTMLP99 < targetWorkbenchMs }

// PageImageMet reports whether page images were served fast enough.
func (r report) PageImageMet() bool { return r.WorkbenchImageP99 < targetPageImageMs }

// UploadMet reports whether the 1 GiB upload's heap growth met the bar.
func (r report) UploadMet() bool { return r.UploadHeapMiB < targetUploadHeapMiB }

// DownloadMet reports whether downloads through the app met the bar.
func (r report) DownloadMet() bool { return r.DownloadPct >= targetDownloadPct }

// StoreListingMet reports whether the store's listing call met the bar.
func (r report) StoreListingMet() bool { return r.StoreListingApp.P99 < targetListingP99Ms }

// SweepMet reports whether the expiry sweep met the bar.
func (r report) SweepMet() bool { return r.SweepSeconds < targetSweepSeconds }

// AuthzUncachedMet reports whether decisions Casbin evaluates met the bar.
func (r report) AuthzUncachedMet() bool { return r.AuthzUncachedMaxUs < targetAuthzMicros }

// AuthzCachedMet reports whether remembered decisions met the bar.
func (r report) AuthzCachedMet() bool { return r.AuthzCachedMaxNs/1000 < targetAuthzMicros }

// Met reports whether the app's p99 at this concurrency meets the bar.
func (h httpListing) Met() bool { return h.App.P99 < targetListingP99Ms }

// HTTPListingMet reports whether every concurrency met the listing bar.
func (r report) HTTPListingMet() bool {
	for _, h := range r.HTTPListing {
		if !h.Met() {
			return false
		}
	}
	return true
}

// need collects the figures the document needs and remembers every one
// that the runs did not produce, so that all of them are reported at once.
type need struct {
	results map[string]result
	missing []string
}

func (n *need) get(name, unit string) float64 {
	r, ok := n.results[name]
	if !ok {
		if !slices.Contains(n.missing, name) {
			n.missing = append(n.missing, name)
		}
		return 0
	}
	v, ok := r.Metrics[unit]
	if !ok {
		n.missing = append(n.missing, name+" "+unit)
	}
	return v
}

var clientsName = regexp.MustCompile(`^` + httpListingBenchmark + `/clients=(\d+)/(app|raw-pg)$`)

// build computes the report. It fails, naming them, if any benchmark line
// or figure the document needs is missing.
func build(results map[string]result, m machine) (report, error) {
	n := &need{results: results}
	r := report{Machine: m, results: results, Targets: targets{
		UploadHeapMiB: targetUploadHeapMiB, DownloadPct: targetDownloadPct, ListingP99Ms: targetListingP99Ms,
		SweepSeconds: targetSweepSeconds, AuthzMicros: targetAuthzMicros,
		RenderPagesSec: targetRenderPagesSec, FirstPageMs: targetFirstPageMs, WorkbenchMs: targetWorkbenchMs, PageImageMs: targetPageImageMs,
	}}

	r.UploadHeapMiB = n.get("BenchmarkUpload1GiB", "peak-heap-growth-MiB")
	r.UploadMBps = n.get("BenchmarkUpload1GiB", "MB/s")
	r.DownloadDirectMBps = n.get("BenchmarkDownload64MiB/direct-minio", "MB/s")
	r.DownloadApp = n.get("BenchmarkDownload64MiB/through-app", "MB/s")
	if r.DownloadDirectMBps > 0 {
		r.DownloadPct = 100 * r.DownloadApp / r.DownloadDirectMBps
	}

	r.ExtractPagesPerSec = n.get("BenchmarkExtractPDF20Pages", "pages/s")
	r.ExtractMs = n.get("BenchmarkExtractPDF20Pages", "ns/op") / 1e6
	r.CheckPagesPerSec = n.get("BenchmarkCheck20Pages", "pages/s")
	r.CheckMs = n.get("BenchmarkCheck20Pages", "ns/op") / 1e6
	if r.ExtractPagesPerSec > 0 && r.CheckPagesPerSec > 0 {
		r.BothPagesPerSec = 1 / (1/r.ExtractPagesPerSec + 1/r.CheckPagesPerSec)
	}
	r.BothMs = r.ExtractMs + r.CheckMs

	ua, ud := n.get("BenchmarkCan/uncached_allowed", "ns/op"), n.get("BenchmarkCan/uncached_denied", "ns/op")
	ca, cd := n.get("BenchmarkCan/allowed", "ns/op"), n.get("BenchmarkCan/denied", "ns/op")
	r.AuthzUncachedMinUs, r.AuthzUncachedMaxUs = min(ua, ud)/1000, max(ua, ud)/1000
	r.AuthzCachedMinNs, r.AuthzCachedMaxNs = min(ca, cd), max(ca, cd)

	r.StoreListingApp = latency{P50: n.get("BenchmarkLibraryListing/app", "p50-ms"), P99: n.get("BenchmarkLibraryListing/app", "p99-ms")}
	r.StoreListingRaw = latency{
		P50: n.get("BenchmarkLibraryListing/raw-sql", "p50-ms"),
		P99: n.get("BenchmarkLibraryListing/raw-sql", "p99-ms"),
	}

	var clients []int
	for name := range results {
		if m := clientsName.FindStringSubmatch(name); m != nil {
			c, _ := strconv.Atoi(m[1])
			if !slices.Contains(clients, c) {
				clients = append(clients, c)
			}
		}
	}
	if len(clients) == 0 {
		n.missing = append(n.missing, httpListingBenchmark+"/clients=N/app and raw-pg")
	}
	sort.Ints(clients)
	for _, c := range clients {
		h := httpListing{Clients: c}
		for _, side := range []struct {
			name string
			l    *latency
		}{{"app", &h.App}, {"raw-pg", &h.Raw}} {
			name := fmt.Sprintf("%s/clients=%d/%s", httpListingBenchmark, c, side.name)
			*side.l = latency{P50: n.get(name, "p50-ms"), P99: n.get(name, "p99-ms"), RPS: n.get(name, "req/s")}
		}
		r.HTTPListing = append(r.HTTPListing, h)
	}

	r.SweepSeconds = n.get("BenchmarkExpireDue100k", "sweep-s")
	r.SweepVersionsPerSec = n.get("BenchmarkExpireDue100k", "versions/s")

	r.RenderPagesPerSec = n.get("BenchmarkRenderPDF20Pages", "pages/s")
	r.RenderFirstMs = n.get("BenchmarkRenderPDF20Pages", "ms-first-page")
	r.CompileColdS = n.get("BenchmarkCompile/cold", "ns/op") / 1e9
	r.CompileCachedS = n.get("BenchmarkCompile/cached", "ns/op") / 1e9
	r.UploadFirstPageMs = n.get("BenchmarkFirstPageAfterUpload", "ms-to-first-page")
	r.UploadAllMs = n.get("BenchmarkFirstPageAfterUpload", "ms-to-all-20-pages")
	r.CompareMs = n.get("BenchmarkCompare20Pages", "ns/op") / 1e6
	r.WorkbenchHTMLP50 = n.get("BenchmarkWorkbenchOpen", "html-p50-ms")
	r.WorkbenchHTMLP99 = n.get("BenchmarkWorkbenchOpen", "html-p99-ms")
	r.WorkbenchImageP50 = n.get("BenchmarkWorkbenchOpen", "image-p50-ms")
	r.WorkbenchImageP99 = n.get("BenchmarkWorkbenchOpen", "image-p99-ms")

	if len(n.missing) > 0 {
		return report{}, errors.New("missing benchmark results: " + strings.Join(n.missing, ", "))
	}
	return r, nil
}

// Lines returns the output lines of the benchmarks whose names start with
// one of the prefixes, in the order go test runs them, aligned in columns.
func (r report) Lines(prefixes ...string) (string, error) {
	var rows []result
	for _, res := range r.results {
		for _, p := range prefixes {
			if strings.HasPrefix(res.Name, p) {
				rows = append(rows, res)
				break
			}
		}
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("no benchmark lines for %s", strings.Join(prefixes, ", "))
	}
	order := func(res result) int {
		for i, p := range prefixes {
			if strings.HasPrefix(res.Name, p) {
				return i
			}
		}
		return len(prefixes)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if oi, oj := order(rows[i]), order(rows[j]); oi != oj {
			return oi < oj
		}
		return rows[i].seq < rows[j].seq
	})
	return alignLines(rows), nil
}

// alignLines lays the lines out in columns, one column per unit, so that a
// figure stands under the same unit in every line: the name left-aligned,
// iterations and values right-aligned.
func alignLines(rows []result) string {
	var units []string
	nameW, nW := 0, 0
	valueW, unitW := map[string]int{}, map[string]int{}
	for _, res := range rows {
		nameW = max(nameW, len(res.printedName()))
		nW = max(nW, len(strconv.FormatInt(res.N, 10)))
		for _, f := range res.Printed {
			if !slices.Contains(units, f[1]) {
				units = append(units, f[1])
			}
			valueW[f[1]] = max(valueW[f[1]], len(f[0]))
			unitW[f[1]] = len(f[1])
		}
	}
	var b strings.Builder
	for _, res := range rows {
		var line strings.Builder
		fmt.Fprintf(&line, "%-*s  %*d", nameW, res.printedName(), nW, res.N)
		for _, u := range units {
			i := slices.IndexFunc(res.Printed, func(f [2]string) bool { return f[1] == u })
			if i < 0 {
				fmt.Fprintf(&line, "  %*s %*s", valueW[u], "", unitW[u], "")
				continue
			}
			fmt.Fprintf(&line, "  %*s %-*s", valueW[u], res.Printed[i][0], unitW[u], u)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
