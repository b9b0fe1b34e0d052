package objectstore_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

func TestNewKey(t *testing.T) {
	format := regexp.MustCompile(`^objects/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{32})$`)
	seen := map[string]bool{}
	for range 1000 {
		key := objectstore.NewKey()
		m := format.FindStringSubmatch(key)
		if m == nil {
			t.Fatalf("NewKey() = %q, want objects/ab/cd/<32 hex>", key)
		}
		if !strings.HasPrefix(m[3], m[1]+m[2]) {
			t.Errorf("NewKey() = %q: folders are not the id's first bytes", key)
		}
		if err := objectstore.ValidKey(key); err != nil {
			t.Errorf("ValidKey(NewKey()) = %v", err)
		}
		if seen[key] {
			t.Fatalf("NewKey() repeated %q", key)
		}
		seen[key] = true
	}
}

func TestValidKey(t *testing.T) {
	valid := []string{
		"a",
		"objects/ab/cd/0123456789abcdef0123456789abcdef",
		"a/b.c/d_e-f",
		"0/1/2",
		"file.v2.pdf",
		strings.Repeat("a", objectstore.MaxKeyLen),
	}
	for _, key := range valid {
		if err := objectstore.ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range invalidKeys {
		err := objectstore.ValidKey(key)
		if code := domain.ErrorCode(err); code != domain.EINVALID {
			t.Errorf("ValidKey(%q) = %v (code %q), want code %q", key, err, code, domain.EINVALID)
		}
	}
}

// FuzzValidKey checks the property the local store relies on: an accepted key,
// joined onto a folder, names something strictly inside that folder, and is
// the same path after cleaning (no aliases such as "a/./b").
func FuzzValidKey(f *testing.F) {
	for _, key := range append([]string{"a", "a/b", "objects/ab/cd/ef", "a.b/c-d_e"}, invalidKeys...) {
		f.Add(key)
	}
	root := filepath.FromSlash("/srv/fairshelf/data")
	f.Fuzz(func(t *testing.T, key string) {
		if objectstore.ValidKey(key) != nil {
			return
		}
		if strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.Contains(key, `\`) {
			t.Fatalf("ValidKey accepted %q", key)
		}
		p := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("key %q leaves the root: %s", key, p)
		}
		if rel, err := filepath.Rel(root, p); err != nil || filepath.ToSlash(rel) != key {
			t.Fatalf("key %q is not its own path below the root: %q, %v", key, rel, err)
		}
		if strings.HasPrefix(key, ".tmp") {
			t.Fatalf("key %q collides with the temp folder", key)
		}
	})
}
