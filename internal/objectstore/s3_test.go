package objectstore_test

import (
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestS3(t *testing.T) {
	runConformance(t, func(t *testing.T) objectstore.Store {
		srv := testenv.MinIO(t)
		return srv.Store(t, srv.NewBucket(t))
	})
}

func TestNewS3Config(t *testing.T) {
	good := objectstore.S3Config{Endpoint: "127.0.0.1:9000", Bucket: "b", AccessKey: "a", SecretKey: "s"}
	if _, err := objectstore.NewS3(good); err != nil {
		t.Fatalf("NewS3(%+v) = %v", good, err)
	}
	bad := map[string]func(*objectstore.S3Config){
		"no endpoint":    func(c *objectstore.S3Config) { c.Endpoint = "" },
		"scheme":         func(c *objectstore.S3Config) { c.Endpoint = "http://127.0.0.1:9000" },
		"no bucket":      func(c *objectstore.S3Config) { c.Bucket = "" },
		"no access key":  func(c *objectstore.S3Config) { c.AccessKey = "" },
		"no secret key":  func(c *objectstore.S3Config) { c.SecretKey = "" },
		"part too small": func(c *objectstore.S3Config) { c.PartSize = 1 << 20 },
		"part too large": func(c *objectstore.S3Config) { c.PartSize = 6 << 30 },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		if _, err := objectstore.NewS3(cfg); err == nil {
			t.Errorf("%s: NewS3(%+v) succeeded", name, cfg)
		}
	}
}

// A store that cannot be reached answers EUNAVAILABLE, so that the HTTP
// layer says 503 and /readyz fails, never 500.
func TestS3Unreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens here any more

	s, err := objectstore.NewS3(objectstore.S3Config{
		Endpoint: addr, Bucket: "fairshelf", AccessKey: "a", SecretKey: "secret-key",
		MaxRetries: 1, // the point is the error, not minio-go's patience
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	key := objectstore.NewKey()
	_, err = s.Put(ctx, key, strings.NewReader("data"), 4)
	wantCodeFor(t, "Put", key, err, domain.EUNAVAILABLE)
	_, err = s.Put(ctx, key, strings.NewReader("data"), -1)
	wantCodeFor(t, "Put", key, err, domain.EUNAVAILABLE)
	_, err = s.Get(ctx, key, 0, -1)
	wantCodeFor(t, "Get", key, err, domain.EUNAVAILABLE)
	_, err = s.Get(ctx, key, 1, 2)
	wantCodeFor(t, "Get", key, err, domain.EUNAVAILABLE)
	_, err = s.Stat(ctx, key)
	wantCodeFor(t, "Stat", key, err, domain.EUNAVAILABLE)
	err = s.Delete(ctx, key)
	wantCodeFor(t, "Delete", key, err, domain.EUNAVAILABLE)
	err = s.List(ctx, "", func(objectstore.Info) error { return nil })
	wantCodeFor(t, "List", "", err, domain.EUNAVAILABLE)
	err = s.Ping(ctx)
	wantCodeFor(t, "Ping", "", err, domain.EUNAVAILABLE)

	// The cause stays in the chain for the logs.
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("Ping error %v does not wrap the network error", err)
	}
}

// A missing bucket is a set-up problem: EUNAVAILABLE until EnsureBucket runs.
func TestS3EnsureBucket(t *testing.T) {
	srv := testenv.MinIO(t)
	s := srv.Store(t, srv.UnusedBucket(t))
	ctx := t.Context()
	wantCode(t, s.Ping(ctx), domain.EUNAVAILABLE)
	_, err := s.Put(ctx, objectstore.NewKey(), strings.NewReader("x"), 1)
	wantCode(t, err, domain.EUNAVAILABLE)
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, s, objectstore.NewKey(), []byte("x"))
}

func TestS3WrongCredentials(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	srv.SecretKey += "-wrong"
	s := srv.Store(t, bucket)
	ctx := t.Context()
	wantCode(t, s.Ping(ctx), domain.EUNAVAILABLE)
	_, err := s.Put(ctx, objectstore.NewKey(), strings.NewReader("x"), 1)
	wantCode(t, err, domain.EUNAVAILABLE)
	_, err = s.Get(ctx, objectstore.NewKey(), 0, -1)
	wantCode(t, err, domain.EUNAVAILABLE)
}

// An upload holds one part in memory, whatever the object's size: the
// product requires a 1 GiB upload to grow the heap by less than 64 MiB.
func TestS3PutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 256 MiB")
	}
	srv := testenv.MinIO(t)
	s := srv.Store(t, srv.NewBucket(t))
	const size = 256 << 20
	for _, declared := range []int64{size, -1} {
		peak := measureHeap(t, func() {
			info, err := s.Put(t.Context(), objectstore.NewKey(), pseudoRandom(9, size), declared)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != size {
				t.Errorf("Put size = %d, want %d", info.Size, size)
			}
		})
		t.Logf("size %d: heap grew by at most %d MiB", declared, peak>>20)
		if peak >= 64<<20 {
			t.Errorf("size %d: heap grew by %d MiB during a %d MiB upload", declared, peak>>20, size>>20)
		}
	}
}

// measureHeap runs f and returns the largest growth of the live heap seen
// while it ran, sampled every few milliseconds.
func measureHeap(t *testing.T, f func()) uint64 {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
				peak = ms.HeapAlloc - base
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peak
}

// Keys in a shared bucket that Fairshelf could not have written are left
// alone by List, so garbage collection never deletes them.
func TestS3ListSkipsForeignKeys(t *testing.T) {
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	s := srv.Store(t, bucket)
	put(t, s, "mine/a", []byte("a"))
	client, err := minio.New(srv.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		Secure: srv.UseSSL,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"mine/Report.PDF", "mine/with space"} {
		_, err := client.PutObject(t.Context(), bucket, key, strings.NewReader("x"), 1, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := list(t, s, "mine/"); len(got) != 1 || got[0] != "mine/a" {
		t.Errorf("List = %q, want [mine/a]", got)
	}
}
