package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResults(t *testing.T) map[string]result {
	t.Helper()
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var sampleMachine = machine{CPU: "AMD EPYC", Cores: 2, MemoryGiB: 24, Go: "1.26.8", Postgres: "15.20", Date: "2026-11-25", Load: 0.42}

func TestParseReadsEveryBenchmarkLine(t *testing.T) {
	res := sampleResults(t)
	if len(res) != 23 {
		t.Errorf("parsed %d results, want 23", len(res))
	}
	for _, c := range []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkUpload1GiB", "peak-heap-growth-MiB", 34.80},
		{"BenchmarkUpload1GiB", "ns/op", 11719193352},
		{"BenchmarkDownload64MiB/through-app", "MB/s", 855.19},
		{"BenchmarkLibraryListingHTTP/clients=32/app", "p99-ms", 24.60},
		{"BenchmarkLibraryListingHTTP/clients=8/raw-pg", "req/s", 3320},
		{"BenchmarkLibraryListing/raw-sql", "p50-ms", 1.033},
		// Its figures follow a line of the benchmark's own output.
		{"BenchmarkExpireDue100k", "sweep-s", 13.44},
		{"BenchmarkCheck20Pages", "allocs/op", 6899},
		{"BenchmarkCan/parallel", "ns/op", 50.09},
	} {
		r, ok := res[c.name]
		if !ok {
			t.Errorf("%s: not parsed", c.name)
			continue
		}
		if got, ok := r.Metrics[c.unit]; !ok || got != c.want {
			t.Errorf("%s %s = %v (present %v), want %v", c.name, c.unit, got, ok, c.want)
		}
		if r.Procs != 2 {
			t.Errorf("%s: procs %d, want 2", c.name, r.Procs)
		}
	}
	up := res["BenchmarkUpload1GiB"]
	if up.N != 3 || len(up.Printed) != 3 || up.Printed[2] != [2]string{"34.80", "peak-heap-growth-MiB"} {
		t.Errorf("upload = %+v", up)
	}
}

func TestParseNameWithoutProcsSuffix(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkCan/allowed \t 100\t 67.2 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := res["BenchmarkCan/allowed"]
	if r.Procs != 1 || r.N != 100 || r.Metrics["ns/op"] != 67.2 || r.printedName() != "BenchmarkCan/allowed" {
		t.Fatalf("result = %+v", r)
	}
}

func TestParseRejectsBrokenRuns(t *testing.T) {
	for name, in := range map[string]string{
		"failed benchmark":           "BenchmarkX-2\t--- FAIL: BenchmarkX-2\n    x_test.go:1: boom\nBenchmarkY-2 \t 1\t 5 ns/op\n",
		"failed sub-benchmark":       "BenchmarkX/a-2 \t 1\t 5 ns/op\n--- FAIL: BenchmarkX/b\n",
		"failed package":             "BenchmarkX-2 \t 1\t 5 ns/op\nFAIL\tgithub.com/fairshelf/fairshelf/internal/x\t1.0s\n",
		"failed build":               "FAIL\tgithub.com/fairshelf/fairshelf/internal/x [build failed]\n",
		"panic":                      "BenchmarkX-2 \tpanic: runtime error\n",
		"no figures at end":          "BenchmarkX-2 \t\n",
		"no figures before the next": "BenchmarkX-2 \t\nBenchmarkY-2 \t 1\t 5 ns/op\n",
		"twice":                      "BenchmarkX-2 \t 1\t 5 ns/op\nBenchmarkX-2 \t 1\t 6 ns/op\n",
	} {
		if res, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: parsed %+v, want an error", name, res)
		}
	}
}

func TestRenderPutsFiguresBesideTargets(t *testing.T) {
	doc, err := render(sampleResults(t), sampleMachine)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	for _, want := range []string{
		"Figures measured on 2 cores (AMD EPYC), 24 GiB, PostgreSQL\n15.20 and MinIO",
		"Go 1.26.8, measured 2026-11-25",
		"| 1 GiB upload through the API: peak Go heap growth while it runs | 34.8 MiB | < 64 MiB | yes |",
		"| 64 MiB download through the app (authorization, audit event, every 1 MiB block read and checked " +
			"against its recorded BLAKE3 hash before it is sent) | 855 MB/s = 94.5 % of direct | ≥ 80 % | yes |",
		"| rep library, first page of 50 (store call, one client) | p50 1.27 ms, p99 7.78 ms " +
			"| p50 1.03 ms, p99 1.54 ms | p99 < 20 ms | yes |",
		"| rep library over HTTP, pages of 50, concurrent clients: 8 | p50 3.12 ms, p99 11.4 ms, 1,231 req/s " +
			"| p50 1.02 ms, p99 4.10 ms, 3,320 req/s | p99 < 20 ms | yes |",
		"| rep library over HTTP, pages of 50, concurrent clients: 32 | p50 12.8 ms, p99 24.6 ms, 1,266 req/s " +
			"| p50 4.30 ms, p99 9.90 ms, 3,448 req/s | p99 < 20 ms | **no** |",
		"| 13.4 s (7,442 versions/s) | < 5 s | **no** |",
		"| 8.76–10.1 µs | < 50 µs | yes |",
		"| 64.7–67.2 ns | < 50 µs | yes |",
		"about 548 pages/s (36.5 ms for 20 pages)",
		"BenchmarkExpireDue100k-2  1  13436555742 ns/op  13.44 sweep-s  7442 versions/s",
		// Lines of one block are aligned in columns.
		"BenchmarkDownload64MiB/direct-minio-2  3     74122844 ns/op  905.37 MB/s",
		"BenchmarkDownload64MiB/through-app-2   3     78472821 ns/op  855.19 MB/s",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	// A unit stands in the same column in every line of a block.
	var cols []int
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "BenchmarkExtractPDF20Pages-2 ") || strings.HasPrefix(line, "BenchmarkCheck20Pages-2 ") {
			cols = append(cols, strings.Index(line, "pages/s"), strings.Index(line, "allocs/op"))
		}
	}
	if len(cols) != 4 || cols[0] != cols[2] || cols[1] != cols[3] || cols[0] < 0 {
		t.Errorf("checker lines not aligned by unit: columns %v", cols)
	}
	if strings.Contains(s, "<no value>") {
		t.Errorf("document has an empty field:\n%s", s)
	}
}

func TestRenderFailsWhenAFigureIsMissing(t *testing.T) {
	for name := range sampleResults(t) {
		if name == "BenchmarkCan/parallel" {
			continue // shown in the output lines, not used in a figure
		}
		res := sampleResults(t)
		delete(res, name)
		_, err := render(res, sampleMachine)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: err = %v, want one naming it", name, err)
		}
	}
}

// The commands the document shows are the ones make bench runs.
func TestDocumentShowsTheCommandsMakeRuns(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(docTemplate, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "go test ") {
			continue
		}
		n++
		want := "$(GO) test " + strings.ReplaceAll(strings.TrimPrefix(line, "go test "), "$", "$$")
		if !strings.Contains(string(mk), want) {
			t.Errorf("the Makefile does not run %q (looked for %q)", line, want)
		}
	}
	if n != 11 {
		t.Errorf("the template shows %d go test commands, want 11", n)
	}
}

func TestFormatNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 0.05009: "0.0501", 1.273: "1.27", 13.44: "13.4", 94.46: "94.5", 905.37: "905",
		1488: "1,488", 7442.4: "7,442", 11719193352: "11,719,193,352", -2.5: "-2.50",
	} {
		if got := formatNum(v); got != want {
			t.Errorf("formatNum(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestCPUInfoAndMemory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cpuinfo")
	cpuinfo := "processor\t: 0\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\n"
	if err := os.WriteFile(p, []byte(cpuinfo), 0o644); err != nil {
		t.Fatal(err)
	}
	model, cores, err := cpuInfo(p)
	if err != nil || model != "AMD EPYC" || cores != 2 {
		t.Errorf("cpuInfo = %q, %d, %v", model, cores, err)
	}
	if got := memTotalGiB("MemTotal:       24683620 kB\nMemFree: 1 kB\n"); got != 24 {
		t.Errorf("memTotalGiB = %d, want 24", got)
	}
}
