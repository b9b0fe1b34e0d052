package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fairshelf/fairshelf/internal/authz"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// benchServer is the whole application over real TCP on PostgreSQL and
// MinIO, as in production.
type benchServer struct {
	url     string
	token   string
	assetID string
	s3      testenv.S3Server
	bucket  string
}

// benchApp is the application wired as in production on a fresh
// PostgreSQL database and MinIO bucket, not yet serving.
type benchApp struct {
	server *Server
	ts     *testServer
	store  *store.Store
	dbURL  string
	s3     testenv.S3Server
	bucket string
}

func newBenchApp(b *testing.B, maxUpload int64) benchApp {
	b.Helper()
	ctx := context.Background()
	srv := testenv.MinIO(b)
	bucket := srv.NewBucket(b)
	bs, err := objectstore.NewS3(
		objectstore.S3Config{Endpoint: srv.Endpoint, Bucket: bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
	)
	if err != nil {
		b.Fatal(err)
	}
	dbURL := testenv.PostgresURL(b)
	st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lib, err := object.New(st, bs, log, object.Options{TempDir: b.TempDir(), MaxUpload: maxUpload})
	if err != nil {
		b.Fatal(err)
	}
	az, err := authz.New(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(
		Deps{
			Config:         config.Default(),
			Store:          st,
			ObjectStore:    bs,
			Authz:          az,
			Objects:        lib,
			Logger:         log,
			Version:        "bench",
			PasswordParams: testPasswordParams,
		},
	)
	if err != nil {
		b.Fatal(err)
	}
	return benchApp{server: s, ts: &testServer{Server: s, store: st}, store: st, dbURL: dbURL, s3: srv, bucket: bucket}
}

// addBrand creates a brand with a minimal valid label.
func (a benchApp) addBrand(b *testing.B, code string) {
	b.Helper()
	brand := domain.NewBrand{
		Code: code,
		Name: code,
		Label: domain.Label{
			ProprietaryName: code,
			EstablishedName: "zeltaparin",
			Indication:      "X.",
			ISIStatements:   []string{"Bleeding."},
			PIReference:     "See PI.",
		},
	}
	if err := brand.Validate(); err != nil {
		b.Fatal(err)
	}
	if _, err := a.store.CreateBrand(context.Background(), domain.Actor{Name: "bench"}, brand); err != nil {
		b.Fatal(err)
	}
}

func newBenchServer(b *testing.B, maxUpload int64) *benchServer {
	b.Helper()
	ctx := context.Background()
	app := newBenchApp(b, maxUpload)
	st, ts := app.store, app.ts
	hs := httptest.NewServer(app.server.Handler())
	b.Cleanup(hs.Close)
	app.addBrand(b, "ZELTRA")
	u := ts.addUserB(b, "marketer@example.com", "marketer:ZELTRA")
	in := domain.NewAsset{JobCode: "ZEL-BENCH-1", Title: "Bench", Brand: "ZELTRA", Audience: "hcp", Channel: "video"}
	if err := in.Validate(); err != nil {
		b.Fatal(err)
	}
	a, err := st.CreateAsset(ctx, domain.Actor{UserID: u.ID, Name: u.DisplayName}, in)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.Post(
		hs.URL+"/api/v1/auth/login",
		"application/json",
		strings.NewReader(`{"email":"marketer@example.com","password":"`+testPassword+`"}`),
	)
	if err != nil {
		b.Fatal(err)
	}
	var lr struct{ Token string }
	if err := jsonDecode(resp.Body, &lr); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	return &benchServer{url: hs.URL, token: lr.Token, assetID: a.ID, s3: app.s3, bucket: app.bucket}
}

// mp4Reader yields size bytes that start like an MP4 file, so that type
// detection accepts them and no text extraction runs.
func mp4Reader(size int64) io.Reader {
	head := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	return io.MultiReader(strings.NewReader(string(head)), io.LimitReader(rand.Reader, size-int64(len(head))))
}

// upload streams a multipart upload of size bytes through the app.
func (bs *benchServer) upload(b *testing.B, size int64) string {
	b.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "bench.mp4")
		if err == nil {
			_, err = io.Copy(fw, mp4Reader(size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, bs.url+"/api/v1/assets/"+bs.assetID+"/versions", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+bs.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var v domain.Version
	if err := jsonDecode(resp.Body, &v); err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return v.ID
}

// BenchmarkUpload1GiB uploads 1 GiB through the HTTP API into MinIO and
// reports the peak growth of the Go heap while it runs (target: < 64 MiB).
func BenchmarkUpload1GiB(b *testing.B) {
	const size = 1 << 30
	bs := newBenchServer(b, 2<<30)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
				}
			}
		}()
		bs.upload(b, size)
		close(done)
		growth := float64(peak.Load()) - float64(base.HeapInuse)
		b.ReportMetric(growth/(1<<20), "peak-heap-growth-MiB")
	}
}

// BenchmarkDownload64MiB compares downloading a 64 MiB version through the
// app with a direct GET of the same object from MinIO.
func BenchmarkDownload64MiB(b *testing.B) {
	const size = 64 << 20
	bs := newBenchServer(b, 128<<20)
	id := bs.upload(b, size)
	client, err := minio.New(bs.s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(bs.s3.AccessKey, bs.s3.SecretKey, "")})
	if err != nil {
		b.Fatal(err)
	}
	var key string
	for obj := range client.ListObjects(context.Background(), bs.bucket, minio.ListObjectsOptions{Recursive: true}) {
		key = obj.Key
	}
	b.Run("direct-minio", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			obj, err := client.GetObject(context.Background(), bs.bucket, key, minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, obj)
			obj.Close()
			if err != nil || n != size {
				b.Fatalf("read %d, %v", n, err)
			}
		}
	})
	b.Run("through-app", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/versions/%s/content", bs.url, id), nil)
			req.Header.Set("Authorization", "Bearer "+bs.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != size {
				b.Fatalf("read %d, %v (status %d)", n, err, resp.StatusCode)
			}
		}
	})
}
