package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := environ("FAIRSHELF_DATA_DIR", dir)
	_, stop := startServe(t, getenv, "--demo") // seeds the ZELTRA label
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "draft.txt")
	os.WriteFile(bad, []byte("ZELTRA is completely safe and guaranteed to work.\n"), 0o600)

	var out strings.Builder
	err := run(context.Background(), []string{"fairshelf", "check", bad, "--brand", "ZELTRA"}, getenv, nil, &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "FAIL") || !strings.Contains(out.String(), "error") {
		t.Fatalf("check of a violating draft: %v\n%s", err, out.String())
	}
	out.Reset()
	err = run(context.Background(), []string{"fairshelf", "check", "--brand", "ZELTRA", "--json", bad}, getenv, nil, &out, io.Discard)
	var report struct {
		Passed   bool
		Findings []struct {
			RuleID string `json:"rule_id"`
		}
	}
	if exitCode(err) != 1 || json.Unmarshal([]byte(out.String()), &report) != nil || report.Passed || len(report.Findings) == 0 {
		t.Fatalf("json report: %v %s", err, out.String())
	}
	for _, args := range [][]string{
		{"fairshelf", "check", bad},
		{"fairshelf", "check", filepath.Join(dir, "missing.txt"), "--brand", "ZELTRA"},
		{"fairshelf", "check", bad, "--brand", "NOSUCH"},
	} {
		if err := run(context.Background(), args, getenv, nil, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("%v: err = %v, want usage error", args[2:], err)
		}
	}
}
