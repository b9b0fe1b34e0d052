// Command benchdoc writes docs/benchmarks.md from the output of the
// benchmark runs that `make bench` makes: it parses the `go test -bench`
// lines, puts each figure beside its baseline and the product's quality bar,
// decides from the numbers whether the bar is met, and describes the
// machine the runs were made on. It exits non-zero, writing nothing, if a
// run failed or a figure the document needs is missing.
//
// Usage:
//
//	go run ./scripts/benchdoc [-out docs/benchmarks.md] bench-output.txt...
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/template"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/fairshelf/fairshelf/internal/testenv"
)

//go:embed benchmarks.md.tmpl
var docTemplate string

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchdoc", flag.ContinueOnError)
	out := fs.String("out", "docs/benchmarks.md", "the document to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("name the files holding the benchmark output")
	}
	var input bytes.Buffer
	for _, name := range fs.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		input.Write(b)
		input.WriteString("\n")
	}
	results, err := parse(&input)
	if err != nil {
		return err
	}
	m, err := describeMachine(context.Background())
	if err != nil {
		return err
	}
	doc, err := render(results, m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "benchdoc: wrote %s from %d benchmark results\n", *out, len(results))
	return nil
}

// render builds the report and fills the template with it.
func render(results map[string]result, m machine) ([]byte, error) {
	r, err := build(results, m)
	if err != nil {
		return nil, err
	}
	t, err := template.New("benchmarks.md").Option("missingkey=error").Funcs(template.FuncMap{
		"num": formatNum,
		"met": func(ok bool) string {
			if ok {
				return "yes"
			}
			return "**no**"
		},
	}).Parse(docTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// formatNum shows a figure to about three significant digits, with
// thousands separated by commas: 0.0501, 1.27, 13.4, 905, 1,488.
func formatNum(v float64) string {
	a := math.Abs(v)
	var s string
	switch {
	case a >= 1000 || a == 0:
		s = strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// machine describes where the benchmarks ran.
type machine struct {
	CPU       string // model name from /proc/cpuinfo
	Cores     int
	MemoryGiB int
	Go        string
	Postgres  string
	Date      string  // UTC, YYYY-MM-DD
	Load      float64 // one-minute load average when the document was written
}

// describeMachine reads the machine's description from /proc, the Go
// toolchain and the PostgreSQL server the benchmarks used.
func describeMachine(ctx context.Context) (machine, error) {
	m := machine{Go: strings.TrimPrefix(runtime.Version(), "go"), Date: time.Now().UTC().Format("2006-01-02")}
	var err error
	if m.CPU, m.Cores, err = cpuInfo("/proc/cpuinfo"); err != nil {
		return m, err
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryGiB = memTotalGiB(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.Load, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	if m.Postgres, err = postgresVersion(ctx, testenv.PostgresAdminURL()); err != nil {
		return m, err
	}
	return m, nil
}

// cpuInfo returns the processor model and the number of logical cores.
func cpuInfo(path string) (model string, cores int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("cpu model: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "processor":
			cores++
		case "model name":
			if model == "" {
				model = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", 0, fmt.Errorf("cpu model: %w", err)
	}
	if model == "" || cores == 0 {
		return "", 0, fmt.Errorf("cpu model: no model name or processors in %s", path)
	}
	return model, cores, nil
}

// memTotalGiB returns MemTotal from /proc/meminfo, rounded to GiB.
func memTotalGiB(meminfo string) int {
	for _, line := range strings.Split(meminfo, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return int(math.Round(kb / (1 << 20)))
		}
	}
	return 0
}

// postgresVersion asks the server for its version, e.g. "15.20".
func postgresVersion(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", fmt.Errorf("postgresql version: %w", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", fmt.Errorf("postgresql version: %w", err)
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	return v, nil
}
