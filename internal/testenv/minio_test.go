package testenv

import (
	"os"
	"regexp"
	"testing"
)

// The tests look for the binary that scripts/install-minio.sh builds, by
// version; the two places that name the version must agree.
func TestMinIOVersionMatchesInstallScript(t *testing.T) {
	script, err := os.ReadFile("../../scripts/install-minio.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^MINIO_VERSION="\$\{MINIO_VERSION:-([^}"]+)\}"$`).FindSubmatch(script)
	if m == nil {
		t.Fatal(`scripts/install-minio.sh has no line MINIO_VERSION="${MINIO_VERSION:-...}"`)
	}
	if got := string(m[1]); got != MinIOVersion {
		t.Errorf("scripts/install-minio.sh builds MinIO %s, testenv.MinIOVersion is %s", got, MinIOVersion)
	}
}
