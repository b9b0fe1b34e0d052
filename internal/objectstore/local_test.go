package objectstore_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

func TestLocal(t *testing.T) {
	runConformance(t, func(t *testing.T) objectstore.Store {
		return newLocal(t, t.TempDir())
	})
}

func newLocal(t *testing.T, root string) *objectstore.Local {
	t.Helper()
	s, err := objectstore.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tempFiles returns the names in the store's temp folder.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestLocalLayout(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, filepath.Join(root, "new", "objects"))
	key := objectstore.NewKey()
	put(t, s, key, []byte("on disk"))
	b, err := os.ReadFile(filepath.Join(root, "new", "objects", filepath.FromSlash(key)))
	if err != nil || string(b) != "on disk" {
		t.Errorf("file for %s = %q, %v", key, b, err)
	}
}

func TestLocalNoTempLeftovers(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, root)
	ctx := t.Context()
	failures := map[string]func(key string) error{
		"short": func(key string) error {
			_, err := s.Put(ctx, key, bytes.NewReader([]byte("abc")), 10)
			return err
		},
		"long": func(key string) error {
			_, err := s.Put(ctx, key, bytes.NewReader([]byte("abcdef")), 2)
			return err
		},
		"reader error": func(key string) error {
			_, err := s.Put(ctx, key, io.MultiReader(pseudoRandom(1, 100<<10), failingReader{errors.New("boom")}), -1)
			return err
		},
	}
	for name, fail := range failures {
		key := objectstore.NewKey()
		if err := fail(key); err == nil {
			t.Errorf("%s: Put succeeded", name)
		}
		wantNotFound(t, s, key)
	}
	if names := tempFiles(t, root); len(names) != 0 {
		t.Errorf("temp folder holds %q after failed uploads", names)
	}
	put(t, s, objectstore.NewKey(), []byte("ok"))
	if names := tempFiles(t, root); len(names) != 0 {
		t.Errorf("temp folder holds %q after an upload", names)
	}
}

// An object becomes visible only when it is complete: while Put is still
// reading, neither Stat nor the file system shows anything under the key.
func TestLocalVisibleOnlyWhenComplete(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, root)
	key := objectstore.NewKey()
	path := filepath.Join(root, filepath.FromSlash(key))
	checked := false
	probe := readerFunc(func([]byte) (int, error) {
		checked = true
		wantNotFound(t, s, key)
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("file for %s exists while Put is reading: %v", key, err)
		}
		if names := tempFiles(t, root); len(names) != 1 {
			t.Errorf("temp folder holds %q while Put is reading, want one file", names)
		}
		return 0, errors.New("crash")
	})
	_, err := s.Put(t.Context(), key, io.MultiReader(pseudoRandom(2, 1<<20), probe), 2<<20)
	if err == nil {
		t.Fatal("Put succeeded")
	}
	if !checked {
		t.Fatal("probe never ran")
	}
	wantNotFound(t, s, key)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file for %s exists after a failed Put: %v", key, err)
	}
}

// Folders on the way to objects are not objects.
func TestLocalFoldersAreNotObjects(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, root)
	ctx := t.Context()
	put(t, s, "a/b/c", []byte("c"))
	for _, key := range []string{"a", "a/b"} {
		if _, err := s.Stat(ctx, key); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("Stat(%s) = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Get(ctx, key, 0, -1); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", key, err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%s) = %v, want nil", key, err)
		}
	}
	// A key "through" an object is missing, not an error.
	if _, err := s.Stat(ctx, "a/b/c/d"); !errors.Is(err, objectstore.ErrNotFound) {
		t.Errorf("Stat(a/b/c/d) = %v, want ErrNotFound", err)
	}
	if got := getAll(t, s, "a/b/c", 0, -1); string(got) != "c" {
		t.Errorf("Get(a/b/c) = %q after deleting its folders", got)
	}
}

func TestLocalListSkipsTemp(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, root)
	put(t, s, "x/y", []byte("y"))
	if err := os.WriteFile(filepath.Join(root, ".tmp", "put-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "x", "Not A Key"), []byte("foreign"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, ""); len(got) != 1 || got[0] != "x/y" {
		t.Errorf(`List("") = %q, want [x/y]`, got)
	}
}

func TestLocalPingFailsWithoutRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	s := newLocal(t, root)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Ping(t.Context()), domain.EUNAVAILABLE)
}

func TestNewLocalOnFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := objectstore.NewLocal(file); err == nil {
		t.Error("NewLocal on a file succeeded")
	}
}

func TestLocalRemoveTemp(t *testing.T) {
	root := t.TempDir()
	s := newLocal(t, root)
	now := time.Now()
	old := filepath.Join(root, ".tmp", "put-old")
	fresh := filepath.Join(root, ".tmp", "put-fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, now.Add(-48*time.Hour), now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveTemp(t.Context(), now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}
}

// readerFunc turns a function into an io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
