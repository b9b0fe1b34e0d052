package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// result is one benchmark's line of `go test -bench` output.
type result struct {
	Name    string             // full name without the GOMAXPROCS suffix, e.g. "BenchmarkCan/allowed"
	Procs   int                // GOMAXPROCS the benchmark ran with (1 when the name has no suffix)
	N       int64              // iterations
	Metrics map[string]float64 // value by unit: "ns/op", "MB/s", "p99-ms", ...
	Printed [][2]string        // value and unit as printed, in order
	seq     int                // position in the output
}

var (
	// A benchmark's name, as printed before it runs; its figures follow on
	// the same line unless the benchmark wrote output of its own meanwhile.
	benchName = regexp.MustCompile(`^(Benchmark\S+?)(?:-(\d+))?(?:\s|$)`)
	// The figures: iterations, then value-unit pairs.
	benchFigures = regexp.MustCompile(`^\s*(\d+)((?:\s+[-+0-9.eE]+\s+\S+)+)\s*$`)
	// What `go test` prints when a benchmark or a package fails.
	benchFailure = regexp.MustCompile(`(?:^|\s)--- FAIL: |^FAIL(?:\s|$)|(?:^|\t)panic: `)
)

// parse reads `go test -bench` output (any number of packages' runs, one
// after the other) and returns each benchmark's result by name. It fails on
// a failed benchmark or package, on a benchmark whose figures never came
// and on a benchmark that appears twice, so that a broken run cannot turn
// into a document.
func parse(r io.Reader) (map[string]result, error) {
	out := make(map[string]result)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pending *result // named, figures not yet seen
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), " \t\r")
		if benchFailure.MatchString(line) {
			return nil, fmt.Errorf("line %d: a benchmark failed: %s", lineNo, line)
		}
		rest := line
		if m := benchName.FindStringSubmatch(line); m != nil {
			if pending != nil {
				return nil, fmt.Errorf("line %d: %s printed no figures before %s began", lineNo, pending.Name, m[1])
			}
			procs := 1
			if m[2] != "" {
				procs, _ = strconv.Atoi(m[2])
			}
			pending = &result{Name: m[1], Procs: procs}
			rest = line[len(m[0]):]
			if strings.TrimSpace(rest) == "" {
				continue
			}
		}
		if pending == nil {
			continue
		}
		m := benchFigures.FindStringSubmatch(rest)
		if m == nil {
			continue // the benchmark's own output between its name and figures
		}
		res := *pending
		pending = nil
		var err error
		if res.N, err = strconv.ParseInt(m[1], 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: iterations %q: %w", lineNo, m[1], err)
		}
		fields := strings.Fields(m[2])
		res.Metrics = make(map[string]float64, len(fields)/2)
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s %s: %w", lineNo, fields[i], fields[i+1], err)
			}
			res.Metrics[fields[i+1]] = v
			res.Printed = append(res.Printed, [2]string{fields[i], fields[i+1]})
		}
		if _, dup := out[res.Name]; dup {
			return nil, fmt.Errorf("line %d: %s appears twice; run each benchmark once", lineNo, res.Name)
		}
		res.seq = len(out)
		out[res.Name] = res
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if pending != nil {
		return nil, fmt.Errorf("%s printed no figures", pending.Name)
	}
	return out, nil
}

// printedName is the benchmark's name as `go test` prints it.
func (r result) printedName() string {
	if r.Procs == 1 {
		return r.Name
	}
	return r.Name + "-" + strconv.Itoa(r.Procs)
}
