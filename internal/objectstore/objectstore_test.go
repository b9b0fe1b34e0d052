package objectstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// runConformance is the behaviour every Store must have; each backend's test
// runs it with a constructor that returns a fresh, empty store per subtest.
func runConformance(t *testing.T, newStore func(t *testing.T) objectstore.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		data := []byte("Fairshelf keeps promotional content honest.")
		key := objectstore.NewKey()
		info, err := s.Put(ctx, key, readerOnly(bytes.NewReader(data)), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		want := objectstore.Info{Key: key, Size: int64(len(data)), SHA256: sha256Hex(data)}
		if info.Key != want.Key || info.Size != want.Size || info.SHA256 != want.SHA256 {
			t.Errorf("Put = %+v, want %+v", info, want)
		}
		if info.ModTime.IsZero() {
			t.Error("Put returned a zero ModTime")
		}
		if got := getAll(t, s, key, 0, -1); !bytes.Equal(got, data) {
			t.Errorf("Get = %q, want %q", got, data)
		}
		st, err := s.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if st.Key != key || st.Size != int64(len(data)) || st.ModTime.IsZero() {
			t.Errorf("Stat = %+v, want key %s and size %d", st, key, len(data))
		}
	})

	t.Run("UnknownSize", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		data := []byte("streamed without a Content-Length")
		key := objectstore.NewKey()
		info, err := s.Put(ctx, key, readerOnly(bytes.NewReader(data)), -1)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.SHA256 != sha256Hex(data) {
			t.Errorf("Put = %+v, want size %d and sha256 %s", info, len(data), sha256Hex(data))
		}
		if got := getAll(t, s, key, 0, -1); !bytes.Equal(got, data) {
			t.Errorf("Get = %q, want %q", got, data)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		for _, size := range []int64{0, -1} {
			t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
				s, ctx := newStore(t), t.Context()
				key := objectstore.NewKey()
				info, err := s.Put(ctx, key, readerOnly(strings.NewReader("")), size)
				if err != nil {
					t.Fatal(err)
				}
				if info.Size != 0 || info.SHA256 != sha256Hex(nil) {
					t.Errorf("Put = %+v, want size 0 and sha256 %s", info, sha256Hex(nil))
				}
				if got := getAll(t, s, key, 0, -1); len(got) != 0 {
					t.Errorf("Get = %q, want nothing", got)
				}
				if got := getAll(t, s, key, 0, 0); len(got) != 0 {
					t.Errorf("Get(0, 0) = %q, want nothing", got)
				}
				_, err = s.Get(ctx, key, 0, 1)
				wantCode(t, err, domain.EINVALID)
				st, err := s.Stat(ctx, key)
				if err != nil || st.Size != 0 {
					t.Errorf("Stat = %+v, %v; want size 0", st, err)
				}
			})
		}
	})

	t.Run("WrongSize", func(t *testing.T) {
		tests := []struct {
			name     string
			data     string
			declared int64
		}{
			{"short", "12345", 10},
			{"long", "1234567890", 5},
			{"empty but declared", "", 3},
			{"declared empty", "x", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, ctx := newStore(t), t.Context()
				key := objectstore.NewKey()
				_, err := s.Put(ctx, key, readerOnly(strings.NewReader(tt.data)), tt.declared)
				wantCode(t, err, domain.EINVALID)
				wantNotFound(t, s, key)
			})
		}
	})

	t.Run("Ranges", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		data := readAll(t, pseudoRandom(1, 1000))
		key := objectstore.NewKey()
		if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		valid := []struct {
			offset, length int64
			want           []byte
		}{
			{0, -1, data},
			{10, 20, data[10:30]},
			{0, 1, data[:1]},
			{500, -1, data[500:]},
			{999, 1, data[999:]},
			{999, -1, data[999:]},
			{990, 100, data[990:]}, // cut at the end, like an HTTP range
			{0, 1000, data},
			{0, 5000, data},
			{0, 0, nil},
			{1000, 0, nil},
		}
		for _, tt := range valid {
			if got := getAll(t, s, key, tt.offset, tt.length); !bytes.Equal(got, tt.want) {
				t.Errorf("Get(%d, %d) = %d bytes, want %d", tt.offset, tt.length, len(got), len(tt.want))
			}
		}
		invalid := []struct{ offset, length int64 }{
			{-1, 5},
			{-1, -1},
			{1000, -1},
			{1000, 1},
			{5000, 10},
			{1001, 0},
		}
		for _, tt := range invalid {
			rc, err := s.Get(ctx, key, tt.offset, tt.length)
			if err == nil {
				rc.Close()
			}
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("Get(%d, %d) = %v, want code %s", tt.offset, tt.length, err, domain.EINVALID)
			}
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		key := objectstore.NewKey()
		wantNotFound(t, s, key)
		for _, r := range [][2]int64{{0, -1}, {5, 10}, {0, 0}} {
			rc, err := s.Get(ctx, key, r[0], r[1])
			if err == nil {
				rc.Close()
			}
			if !errors.Is(err, objectstore.ErrNotFound) || domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Errorf("Get(%d, %d) of a missing key = %v, want ErrNotFound", r[0], r[1], err)
			}
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete of a missing key = %v, want nil", err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		key := objectstore.NewKey()
		put(t, s, key, []byte("the first, longer content"))
		second := []byte("the second")
		info := put(t, s, key, second)
		if info.SHA256 != sha256Hex(second) {
			t.Errorf("Put SHA256 = %s, want %s", info.SHA256, sha256Hex(second))
		}
		if got := getAll(t, s, key, 0, -1); !bytes.Equal(got, second) {
			t.Errorf("Get = %q, want %q", got, second)
		}
		if st, err := s.Stat(ctx, key); err != nil || st.Size != int64(len(second)) {
			t.Errorf("Stat = %+v, %v; want size %d", st, err, len(second))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		key := objectstore.NewKey()
		put(t, s, key, []byte("soon gone"))
		other := objectstore.NewKey()
		put(t, s, other, []byte("stays"))
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, s, key)
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("second Delete = %v, want nil", err)
		}
		if got := getAll(t, s, other, 0, -1); string(got) != "stays" {
			t.Errorf("other object = %q after Delete", got)
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		base := "list/" + randomSegment() + "/"
		keys := []string{base + "a1", base + "a2/x", base + "a2/y/z", base + "b"}
		for i, k := range keys {
			put(t, s, k, bytes.Repeat([]byte("x"), i+1))
		}
		outside := "list/" + randomSegment() + "/a1"
		put(t, s, outside, []byte("outside"))

		tests := []struct {
			prefix string
			want   []string
		}{
			{base, keys},
			{base + "a", keys[:3]}, // a prefix need not end at a "/"
			{base + "a2/", keys[1:3]},
			{base + "b", keys[3:]},
			{base + "c", nil},
			{"nothing/here/", nil},
		}
		for _, tt := range tests {
			got := list(t, s, tt.prefix)
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		}
		all := list(t, s, "")
		for _, k := range append(keys, outside) {
			if !slices.Contains(all, k) {
				t.Errorf(`List("") misses %s`, k)
			}
		}

		// Sizes come with the keys, for garbage collection reports.
		err := s.List(ctx, base+"b", func(info objectstore.Info) error {
			if info.Size != 4 {
				t.Errorf("List: %s has size %d, want 4", info.Key, info.Size)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// fn's error stops the listing and comes back unchanged.
		stop := errors.New("stop")
		calls := 0
		err = s.List(ctx, base, func(objectstore.Info) error {
			calls++
			return stop
		})
		if err != stop || calls != 1 {
			t.Errorf("List with failing fn = %v after %d calls, want %v after 1", err, calls, stop)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		s, ctx := newStore(t), t.Context()
		for _, key := range invalidKeys {
			_, err := s.Put(ctx, key, strings.NewReader("x"), 1)
			wantCodeFor(t, "Put", key, err, domain.EINVALID)
			rc, err := s.Get(ctx, key, 0, -1)
			if err == nil {
				rc.Close()
			}
			wantCodeFor(t, "Get", key, err, domain.EINVALID)
			_, err = s.Stat(ctx, key)
			wantCodeFor(t, "Stat", key, err, domain.EINVALID)
			err = s.Delete(ctx, key)
			wantCodeFor(t, "Delete", key, err, domain.EINVALID)
		}
		for _, prefix := range []string{"../", "/abs", "a//", "A", "a/../", ".tmp/", "a\x00"} {
			err := s.List(ctx, prefix, func(objectstore.Info) error { return nil })
			wantCodeFor(t, "List", prefix, err, domain.EINVALID)
		}
	})

	t.Run("Ping", func(t *testing.T) {
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	})

	// 20 MiB is more than one 16 MiB part, so S3 uploads it in parts. The
	// data is generated while streaming and hashed while reading back, so
	// the test holds no copy of it.
	t.Run("Multipart", func(t *testing.T) {
		const size = 20 << 20
		for _, declared := range []int64{size, -1} {
			t.Run(fmt.Sprint("size=", declared), func(t *testing.T) {
				s, ctx := newStore(t), t.Context()
				want := sha256Hex(readAll(t, pseudoRandom(7, size)))
				key := objectstore.NewKey()
				info, err := s.Put(ctx, key, pseudoRandom(7, size), declared)
				if err != nil {
					t.Fatal(err)
				}
				if info.Size != size || info.SHA256 != want {
					t.Errorf("Put = %+v, want size %d and sha256 %s", info, size, want)
				}
				rc, err := s.Get(ctx, key, 0, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				h := sha256.New()
				n, err := io.Copy(h, rc)
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(h.Sum(nil)); n != size || got != want {
					t.Errorf("Get = %d bytes with sha256 %s, want %d with %s", n, got, size, want)
				}
				// A range across the part boundary.
				const off = 16<<20 - 100
				got := getAll(t, s, key, off, 200)
				if wantPart := readAll(t, pseudoRandom(7, size))[off : off+200]; !bytes.Equal(got, wantPart) {
					t.Error("range across the part boundary differs")
				}
			})
		}
	})

	t.Run("CancelMidPut", func(t *testing.T) {
		const size = 20 << 20
		for _, declared := range []int64{size, -1} {
			t.Run(fmt.Sprint("size=", declared), func(t *testing.T) {
				s := newStore(t)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				key := objectstore.NewKey()
				r := &cancelAfter{r: pseudoRandom(3, size), n: 1 << 20, cancel: cancel}
				_, err := s.Put(ctx, key, r, declared)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Put = %v, want context.Canceled", err)
				}
				wantNotFound(t, s, key)
			})
		}
	})

	t.Run("FailingReader", func(t *testing.T) {
		s := newStore(t)
		key := objectstore.NewKey()
		boom := errors.New("client went away")
		r := io.MultiReader(pseudoRandom(5, 1<<20), failingReader{boom})
		_, err := s.Put(t.Context(), key, r, 2<<20)
		if !errors.Is(err, boom) {
			t.Errorf("Put = %v, want it to wrap the reader's error", err)
		}
		// The client's stream failed, not the store: no 503, no 422.
		wantCode(t, err, domain.EINTERNAL)
		wantNotFound(t, s, key)
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		// Keys in one new folder, so that Local's folder creation races.
		base := "concurrent/" + randomSegment() + "/"
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				key := fmt.Sprintf("%sk%d", base, i)
				data := []byte(key)
				if _, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
					t.Errorf("Put %s: %v", key, err)
				}
			})
		}
		wg.Wait()
		if got := list(t, s, base); len(got) != 8 {
			t.Errorf("List = %q, want 8 keys", got)
		}
	})
}

// invalidKeys are keys that every method of every store must reject.
var invalidKeys = []string{
	"",
	"../x",
	"/abs",
	"a//b",
	"a/",
	"A B",
	"Upper",
	"a/../b",
	"a/./b",
	".tmp/x",
	".hidden",
	"a\x00b",
	"a\\b",
	"a b",
	"ä",
	strings.Repeat("a", objectstore.MaxKeyLen+1),
}

// put stores data under key or fails the test.
func put(t *testing.T, s objectstore.Store, key string, data []byte) objectstore.Info {
	t.Helper()
	info, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
	return info
}

// getAll reads a range of key or fails the test.
func getAll(t *testing.T, s objectstore.Store, key string, offset, length int64) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key, offset, length)
	if err != nil {
		t.Fatalf("Get(%s, %d, %d): %v", key, offset, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%s, %d, %d): read: %v", key, offset, length, err)
	}
	return b
}

// list returns the sorted keys under prefix or fails the test.
func list(t *testing.T, s objectstore.Store, prefix string) []string {
	t.Helper()
	var keys []string
	err := s.List(t.Context(), prefix, func(info objectstore.Info) error {
		keys = append(keys, info.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	slices.Sort(keys)
	return keys
}

// wantNotFound checks that key has no object.
func wantNotFound(t *testing.T, s objectstore.Store, key string) {
	t.Helper()
	// A fresh context: the test's own may be the one that was cancelled.
	_, err := s.Stat(context.Background(), key)
	if !errors.Is(err, objectstore.ErrNotFound) {
		t.Errorf("Stat(%s) = %v, want ErrNotFound", key, err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("error %v has code %q, want %q", err, got, code)
	}
}

func wantCodeFor(t *testing.T, op, key string, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("%s(%q) = %v (code %q), want code %q", op, key, err, got, code)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pseudoRandom returns n deterministic bytes that do not compress, generated
// as they are read.
func pseudoRandom(seed byte, n int64) io.Reader {
	var s [32]byte
	s[0] = seed
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// randomSegment returns a fresh key segment, so that tests sharing a store
// do not see each other's objects.
func randomSegment() string {
	return objectstore.NewKey()[len("objects/ab/cd/"):]
}

// readerOnly hides every method but Read, like an HTTP request body, so
// that stores cannot take a shortcut through Seek or ReadAt.
func readerOnly(r io.Reader) io.Reader { return struct{ io.Reader }{r} }

// cancelAfter reads from r and calls cancel once n bytes have been read,
// then keeps delivering data: the store must notice the context itself.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
