package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOVersion is the MinIO server version the tests run against. It must
// equal the MINIO_VERSION default in scripts/install-minio.sh, which builds
// the binary; TestMinIOVersionMatchesInstallScript checks that.
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// minioStartTimeout bounds how long a fresh server may take to become ready.
const minioStartTimeout = 60 * time.Second

// S3Server is an S3-compatible server that tests may use. testenv does not
// import the blob package (whose tests import testenv), so this is its own
// small struct: enough to build a blob.S3Config.
type S3Server struct {
	// Endpoint is host:port, without a scheme.
	Endpoint  string
	AccessKey string
	SecretKey string
	UseSSL    bool
}

// minioProcess is the server shared by all tests of one test binary: starting
// MinIO takes a second or two, a bucket takes milliseconds, so tests get a
// bucket each (NewBucket) instead of a server each. It is the package's only
// mutable global, guarded by once and mu.
var minioProcess struct {
	once sync.Once
	srv  S3Server
	// missing is set when no server can be had (no binary, unreachable
	// external server): tests skip, or fail in CI.
	missing error
	// broken is set when the server was there but did not start: that is a
	// failure everywhere.
	broken error

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  <-chan struct{} // closed when cmd has exited
	tempDir string          // data folder and log, outside the repository
}

// MinIO returns the test S3 server. By default it is a MinIO server started
// once per test binary from $FAIRSHELF_TEST_MINIO_BIN, or from the cache
// folder that scripts/install-minio.sh builds into; TestMain should call Main
// (or StopMinIO) so that the server stops with the tests. If
// FAIRSHELF_TEST_S3_ENDPOINT is set, that server is used instead, with
// FAIRSHELF_TEST_S3_ACCESS_KEY, FAIRSHELF_TEST_S3_SECRET_KEY and
// FAIRSHELF_TEST_S3_USE_SSL.
//
// Without a binary or a reachable server, the test is skipped (failed in CI).
func MinIO(t testing.TB) S3Server {
	t.Helper()
	p := &minioProcess
	p.once.Do(func() {
		if ep := os.Getenv("FAIRSHELF_TEST_S3_ENDPOINT"); ep != "" {
			p.srv, p.missing = externalS3(ep)
			return
		}
		p.srv, p.missing, p.broken = startMinIO()
	})
	if p.missing != nil {
		Unavailable(t, "MinIO", p.missing)
	}
	if p.broken != nil {
		t.Fatalf("testenv: %v", p.broken)
	}
	return p.srv
}

// Main runs the tests of a package that uses MinIO and stops the server
// afterwards. Call it from TestMain: func TestMain(m *testing.M) { testenv.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	StopMinIO()
	os.Exit(code)
}

// StopMinIO kills the server that MinIO started, if any, and removes its
// data. It is for TestMain, after m.Run; MinIO must not be called afterwards.
// On Linux the server also dies with the test binary if StopMinIO never runs.
func StopMinIO() {
	p := &minioProcess
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		// A throwaway server holds nothing worth a graceful shutdown.
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.cmd = nil
	}
	if p.tempDir != "" {
		_ = os.RemoveAll(p.tempDir)
		p.tempDir = ""
	}
}

// MinIOBinary returns where the MinIO server binary is expected:
// $FAIRSHELF_TEST_MINIO_BIN, else the path scripts/install-minio.sh prints,
// ${FAIRSHELF_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fairshelf}/minio-<version>/minio.
func MinIOBinary() string {
	if bin := os.Getenv("FAIRSHELF_TEST_MINIO_BIN"); bin != "" {
		return bin
	}
	cache := os.Getenv("FAIRSHELF_TOOLS_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			base = filepath.Join(os.Getenv("HOME"), ".cache")
		}
		cache = filepath.Join(base, "fairshelf")
	}
	// The script lets MINIO_VERSION override its default; so does this.
	version := os.Getenv("MINIO_VERSION")
	if version == "" {
		version = MinIOVersion
	}
	return filepath.Join(cache, "minio-"+version, "minio")
}

// externalS3 checks and returns the server named by the environment.
func externalS3(endpoint string) (S3Server, error) {
	srv := S3Server{
		Endpoint:  endpoint,
		AccessKey: os.Getenv("FAIRSHELF_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("FAIRSHELF_TEST_S3_SECRET_KEY"),
	}
	srv.UseSSL, _ = strconv.ParseBool(os.Getenv("FAIRSHELF_TEST_S3_USE_SSL"))
	client, err := srv.client()
	if err != nil {
		return S3Server{}, fmt.Errorf("FAIRSHELF_TEST_S3_ENDPOINT=%s: %w", endpoint, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.ListBuckets(ctx); err != nil {
		return S3Server{}, fmt.Errorf("FAIRSHELF_TEST_S3_ENDPOINT=%s: %w", endpoint, err)
	}
	return srv, nil
}

// startMinIO starts the local server. It returns missing when there is no
// binary to run and broken when the binary did not give a working server.
func startMinIO() (srv S3Server, missing, broken error) {
	bin := MinIOBinary()
	if _, err := os.Stat(bin); err != nil {
		return S3Server{}, fmt.Errorf("no MinIO server binary (%w); run scripts/install-minio.sh or set FAIRSHELF_TEST_MINIO_BIN", err), nil
	}
	// The address is picked before the server binds it, so another process
	// may take it in between; a second try with new ports settles that.
	for attempt := 1; ; attempt++ {
		srv, err := startMinIOOnce(bin)
		if err == nil {
			return srv, nil, nil
		}
		if attempt == 2 {
			return S3Server{}, nil, err
		}
	}
}

func startMinIOOnce(bin string) (S3Server, error) {
	p := &minioProcess
	dir, err := os.MkdirTemp("", "fairshelf-minio-")
	if err != nil {
		return S3Server{}, fmt.Errorf("start MinIO: %w", err)
	}
	logPath := filepath.Join(dir, "minio.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		_ = os.RemoveAll(dir)
		return S3Server{}, fmt.Errorf("start MinIO: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	addr, err := freeAddr()
	if err != nil {
		_ = os.RemoveAll(dir)
		return S3Server{}, fmt.Errorf("start MinIO: %w", err)
	}
	consoleAddr, err := freeAddr()
	if err != nil {
		_ = os.RemoveAll(dir)
		return S3Server{}, fmt.Errorf("start MinIO: %w", err)
	}
	srv := S3Server{Endpoint: addr, AccessKey: "fairshelf-" + randomSuffix(), SecretKey: randomHex(16)}

	cmd := exec.Command(bin, "server",
		"--address", addr, "--console-address", consoleAddr, "--quiet",
		filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+srv.AccessKey,
		"MINIO_ROOT_PASSWORD="+srv.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	exited, err := StartChild(cmd)
	if err != nil {
		_ = os.RemoveAll(dir)
		return S3Server{}, fmt.Errorf("start MinIO %s: %w", bin, err)
	}

	p.mu.Lock()
	p.cmd, p.exited, p.tempDir = cmd, exited, dir
	p.mu.Unlock()

	if err := waitReady(addr, exited); err != nil {
		tail := logTail(logPath) // before StopMinIO removes the log
		StopMinIO()
		return S3Server{}, fmt.Errorf("start MinIO %s: %w\n--- server log (tail) ---\n%s", bin, err, tail)
	}
	return srv, nil
}

// waitReady polls MinIO's readiness endpoint until it answers 200.
func waitReady(addr string, exited <-chan struct{}) error {
	u := "http://" + addr + "/minio/health/ready"
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(minioStartTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("server exited before it was ready")
		default:
		}
		resp, err := client.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %w", minioStartTimeout, lastErr)
}

// Store returns an object store on bucket of this server, for tests of code
// that writes through objectstore.S3.
func (s S3Server) Store(t testing.TB, bucket string) *objectstore.S3 {
	t.Helper()
	st, err := objectstore.NewS3(objectstore.S3Config{
		Endpoint:  s.Endpoint,
		Bucket:    bucket,
		AccessKey: s.AccessKey,
		SecretKey: s.SecretKey,
		UseSSL:    s.UseSSL,
	})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return st
}

// NewBucket creates an empty bucket with a random name for the calling test
// and returns its name. The bucket and its objects are removed when the test
// ends, which matters for an external server; the local one is thrown away
// anyway.
func (s S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := s.UnusedBucket(t)
	client, err := s.client()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	// A server that has just become ready may still refuse bucket
	// operations for a moment while it initialises.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err = client.MakeBucket(ctx, name, minio.MakeBucketOptions{})
		if err == nil {
			return name
		}
		if minio.ToErrorResponse(err).Code != "XMinioServerNotInitialized" || ctx.Err() != nil {
			t.Fatalf("testenv: create bucket %s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// UnusedBucket returns a random bucket name that does not exist, for tests
// of code that must create a bucket or notice that it is missing. If the
// bucket exists when the test ends, it is removed with its objects.
func (s S3Server) UnusedBucket(t testing.TB) string {
	t.Helper()
	name := "fairshelf-test-" + randomSuffix()
	t.Cleanup(func() {
		if err := s.removeBucket(name); err != nil {
			t.Errorf("testenv: remove bucket %s: %v", name, err)
		}
	})
	return name
}

// removeBucket deletes a bucket and everything in it; a missing bucket is
// fine.
func (s S3Server) removeBucket(name string) error {
	client, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ok, err := client.BucketExists(ctx, name)
	if err != nil || !ok {
		return err
	}
	objects := client.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true})
	for res := range client.RemoveObjects(ctx, name, objects, minio.RemoveObjectsOptions{}) {
		if res.Err != nil {
			return res.Err
		}
	}
	return client.RemoveBucket(ctx, name)
}

// client returns a minio-go client for the server.
func (s S3Server) client() (*minio.Client, error) {
	return minio.New(s.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure: s.UseSSL,
	})
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// logTail returns the end of the server's log for a failure message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const max = 4 << 10
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "(empty)"
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testenv: random: %v", err))
	}
	return hex.EncodeToString(b)
}
