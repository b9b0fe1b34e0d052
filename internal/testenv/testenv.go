// Package testenv gives tests real backing services: a fresh PostgreSQL
// database per caller and a real MinIO server per test binary. On a developer
// machine a missing service skips the tests that need it; with CI=true it
// fails them, so nothing is silently left untested in CI.
package testenv

import (
	"os"
	"strconv"
	"testing"
)

// InCI reports whether the tests run in continuous integration, where every
// service must be present.
func InCI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Unavailable fails the test in CI and skips it elsewhere, naming the
// missing service and why it could not be reached.
func Unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("testenv: %s is required in CI: %v", service, err)
	}
	t.Skipf("testenv: %s not available: %v", service, err)
}
