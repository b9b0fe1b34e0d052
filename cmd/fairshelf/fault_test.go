package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// The fault tests break what Fairshelf depends on while it serves: the
// database goes away and comes back, the process dies in the middle of an
// upload, the disk fills up. Each one then checks the promises a regulated
// archive makes: no acknowledged write is lost, every version row has its
// object, the audit chain still verifies, and the service recovers without
// an operator restarting it.

// TestPostgresRestartWhileServing stops and starts the database under a
// running server: while it is down, requests get a 503 JSON answer and
// /readyz says which dependency failed; once it is back, requests succeed
// again without restarting Fairshelf, and every write acknowledged before
// the restart is still there.
func TestPostgresRestartWhileServing(t *testing.T) {
	pg := startPrivatePostgres(t)
	getenv := environ("FAIRSHELF_DATA_DIR", t.TempDir(), "FAIRSHELF_DATABASE_URL", pg.URL)
	base, stop := startServe(t, getenv, "--demo")
	token := apiLogin(t, base, "marketer@demo.test")

	// Acknowledged writes: assets and a version with its file.
	var assets []string
	for i := range 3 {
		assets = append(assets, createAsset(t, base, token, fmt.Sprintf("ZEL-PGR-%d", i), fmt.Sprintf("Before the restart %d", i)))
	}
	content := []byte("ZELTRA (zeltaparin) piece written before the database restarted.\n")
	status, body := postFile(t, base, token, assets[0], "before.txt", content)
	if status != http.StatusCreated {
		t.Fatalf("upload before the restart: %d %s", status, body)
	}
	var version struct{ ID string }
	if err := json.Unmarshal(body, &version); err != nil {
		t.Fatal(err)
	}

	pg.stop(t)
	ready := call(t, http.MethodGet, base+"/readyz", "", "")
	if ready.status != http.StatusServiceUnavailable || !strings.Contains(ready.body, `"database":"unreachable"`) {
		t.Fatalf("readyz with the database down: %d %s", ready.status, ready.body)
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/assets/" + assets[1], ""},
		{
			http.MethodPost, "/api/v1/assets",
			`{"job_code":"ZEL-PGR-DOWN","title":"During the outage","brand":"ZELTRA","audience":"hcp","channel":"email"}`,
		},
	} {
		got := call(t, r.method, base+r.path, token, r.body)
		got.wantError(t, http.StatusServiceUnavailable, domain.EUNAVAILABLE)
		if got.header.Get("Retry-After") == "" || !strings.Contains(got.body, "database") {
			t.Errorf("%s %s: want Retry-After and a message naming the database: %v %s", r.method, r.path, got.header, got.body)
		}
	}
	login := call(t, http.MethodPost, base+"/api/v1/auth/login", "", `{"email":"rep@demo.test","password":"fairshelf-demo"}`)
	login.wantError(t, http.StatusServiceUnavailable, domain.EUNAVAILABLE)

	pg.start(t)
	// The pool still holds connections to the old server process; each
	// one is discovered dead on first use. Every answer on the way back
	// must be a success or a clean 503, never a 500.
	recovered := false
	for attempt := 0; attempt < 100 && !recovered; attempt++ {
		got := call(t, http.MethodGet, base+"/api/v1/assets/"+assets[1], token, "")
		switch got.status {
		case http.StatusOK:
			recovered = true
		case http.StatusServiceUnavailable:
			got.wantError(t, http.StatusServiceUnavailable, domain.EUNAVAILABLE)
			time.Sleep(100 * time.Millisecond)
		default:
			t.Fatalf("while the database came back: %d %s", got.status, got.body)
		}
	}
	if !recovered {
		t.Fatal("requests did not succeed again after the database came back")
	}
	if got := call(t, http.MethodGet, base+"/readyz", "", ""); got.status != http.StatusOK {
		t.Fatalf("readyz after the database came back: %d %s", got.status, got.body)
	}
	// More requests at once than the pool had connections: none of them
	// may trip over a connection left from before the restart.
	var wg sync.WaitGroup
	results := make(chan response, 40)
	for range cap(results) {
		wg.Go(func() { results <- call(t, http.MethodGet, base+"/api/v1/assets?brand=ZELTRA", token, "") })
	}
	wg.Wait()
	close(results)
	for got := range results {
		if got.status != http.StatusOK {
			t.Fatalf("after recovery: %d %s", got.status, got.body)
		}
	}

	for i, id := range assets {
		got := call(t, http.MethodGet, base+"/api/v1/assets/"+id, token, "")
		if got.status != http.StatusOK || !strings.Contains(got.body, fmt.Sprintf(`"job_code":"ZEL-PGR-%d"`, i)) {
			t.Errorf("asset %s acknowledged before the restart: %d %s", id, got.status, got.body)
		}
	}
	if got := call(t, http.MethodGet, base+"/api/v1/versions/"+version.ID+"/content", token, ""); got.status != http.StatusOK ||
		got.body != string(content) {
		t.Errorf("version acknowledged before the restart: %d %q", got.status, got.body)
	}
	if got := call(t, http.MethodGet, base+"/api/v1/assets?brand=ZELTRA&limit=100", token, ""); got.status != http.StatusOK ||
		!strings.Contains(got.body, "ZEL-PGR-2") ||
		strings.Contains(got.body, "ZEL-PGR-DOWN") {
		t.Errorf("assets after the restart, want ZEL-PGR-2 and not the one refused with 503: %d %s", got.status, got.body)
	}
	createAsset(t, base, token, "ZEL-PGR-AFTER", "After the restart")
	apiLogin(t, base, "rep@demo.test")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	verifyIntegrity(t, getenv)
}

// TestKilledDuringUpload kills a real fairshelf process in the worst place
// of an upload: the object is stored and the version row not yet committed.
// A lock the test holds on the database stalls the commit, so the kill lands
// there every time. The client must not have been told the upload worked;
// no version row may lack its object; the orphaned object must survive
// garbage collection while an upload could still be in flight and be
// collected once it is older than the grace period.
func TestKilledDuringUpload(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) []string
		// lock blocks every write to the versions table until it is
		// released.
		lock func(t *testing.T, getenv func(string) string) writeLock
	}{
		{
			name: "SQLite and local files",
			env:  func(t *testing.T) []string { return []string{"FAIRSHELF_DATA_DIR", t.TempDir()} },
			lock: lockSQLite,
		},
		{
			name: "PostgreSQL and MinIO",
			env:  postgresMinIOEnv,
			lock: lockPostgres,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := tc.env(t)
			getenv := environ(kv...)
			ctx := context.Background()
			proc := startProcess(t, kv, "--demo")
			token := apiLogin(t, proc.base, "marketer@demo.test")
			assetID := createAsset(t, proc.base, token, "ZEL-KILL-1", "Killed upload")

			lib, blobs, st := openObjectServiceFromEnv(t, getenv)
			before := objectKeys(t, blobs)

			lock := tc.lock(t, getenv)
			content := []byte("ZELTRA (zeltaparin) piece whose upload was cut short.\n")
			type result struct {
				status int
				body   []byte
				err    error
			}
			uploaded := make(chan result, 1)
			go func() {
				status, body, err := tryPostFile(proc.base, token, assetID, "killed.txt", content)
				uploaded <- result{status, body, err}
			}()
			var orphan string
			for attempt := 0; orphan == "" && attempt < 300; attempt++ {
				select {
				case r := <-uploaded:
					t.Fatalf("the upload finished while the database was locked: %d %s %v", r.status, r.body, r.err)
				case <-time.After(20 * time.Millisecond):
				}
				for k := range objectKeys(t, blobs) {
					if !before[k] {
						orphan = k
					}
				}
			}
			if orphan == "" {
				t.Fatal("the upload's object never reached the object store")
			}
			lock.waitStalled(t)
			proc.kill(t)
			r := <-uploaded
			if r.err == nil {
				t.Fatalf("the client was answered although the process died before committing: %d %s", r.status, r.body)
			}
			lock.release(t)

			// The stalled transaction died with its connection: no row.
			if vs, err := st.Versions(ctx, assetID); err != nil || len(vs) != 0 {
				t.Fatalf("versions after the kill: %+v %v", vs, err)
			}
			if known, err := st.ObjectKnown(ctx, orphan); err != nil || known {
				t.Fatalf("orphaned object %s recorded: %v %v", orphan, known, err)
			}
			verifyIntegrity(t, getenv)

			// Restarted, the library takes the same file again as a new
			// upload; the session issued before the crash still works.
			base, stop := startServe(t, getenv)
			status, body := postFile(t, base, token, assetID, "killed.txt", content)
			if status != http.StatusCreated {
				t.Fatalf("upload after the restart: %d %s", status, body)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}

			// An object younger than the grace period may belong to an
			// upload in flight, so it stays; later it is collected, and
			// only it.
			if n, err := lib.CollectGarbage(ctx, time.Now(), object.GCGrace); err != nil || n != 0 {
				t.Fatalf("garbage collection within the grace period removed %d objects: %v", n, err)
			}
			if _, err := blobs.Stat(ctx, orphan); err != nil {
				t.Fatalf("orphan collected within the grace period: %v", err)
			}
			later := time.Now().Add(object.GCGrace + time.Minute)
			if n, err := lib.CollectGarbage(ctx, later, object.GCGrace); err != nil || n != 1 {
				t.Fatalf("garbage collection after the grace period removed %d objects, want 1: %v", n, err)
			}
			if _, err := blobs.Stat(ctx, orphan); !errors.Is(err, objectstore.ErrNotFound) {
				t.Fatalf("orphan %s still stored after garbage collection: %v", orphan, err)
			}
			// The killed process also left its spool file behind.
			if n, err := lib.RemoveStaleSpools(later.Add(24*time.Hour), 24*time.Hour); err != nil || n != 1 {
				t.Fatalf("stale spool files removed: %d %v", n, err)
			}
			if vs, err := st.Versions(ctx, assetID); err != nil || len(vs) != 1 {
				t.Fatalf("versions after the restart: %+v %v", vs, err)
			}
			verifyIntegrity(t, getenv)
		})
	}
}

// TestFullDiskUnderUploads fills the disk under the upload spool and under
// the local object store in turn: the upload is refused with a 503 JSON
// error, nothing is recorded, no partial file stays behind, and once space
// is freed the same upload works.
func TestFullDiskUnderUploads(t *testing.T) {
	dataDir := t.TempDir()
	objects := filepath.Join(dataDir, "objects")
	spool := filepath.Join(dataDir, "tmp")
	mountTmpfs(t, objects, "2m")
	mountTmpfs(t, spool, "2m")
	getenv := environ("FAIRSHELF_DATA_DIR", dataDir)
	base, stop := startServe(t, getenv, "--demo")
	token := apiLogin(t, base, "marketer@demo.test")
	// The demo's printed piece gets its page images in the background;
	// they are written before the disks are filled, so that what the
	// refused uploads leave behind is all the test sees.
	demoPagesMade(t, base, token)
	assetID := createAsset(t, base, token, "ZEL-FULL-1", "Full disk")

	for _, disk := range []struct{ name, dir string }{
		{"upload spool", spool},
		{"object store", objects},
	} {
		filesBefore := filesUnder(t, dataDir)
		filler := fillDisk(t, disk.dir, 256<<10)
		free := freeBytes(t, disk.dir)
		// Only a little more than fits, so the server reads nearly the
		// whole body before the disk refuses it and the client gets the
		// answer rather than a reset connection.
		content := textOfSize(int(free) + 64<<10)
		status, body := postFile(t, base, token, assetID, "big.txt", content)
		got := response{status: status, body: string(body)}
		got.wantError(t, http.StatusServiceUnavailable, domain.EUNAVAILABLE)
		if !strings.Contains(got.body, "no room") {
			t.Errorf("full %s: the answer does not say the server ran out of space: %s", disk.name, got.body)
		}
		if n := versionCount(t, base, token, assetID); n != 0 {
			t.Fatalf("full %s: %d versions recorded by a refused upload", disk.name, n)
		}
		if after := freeBytes(t, disk.dir); after != free {
			t.Errorf("full %s: %d bytes free before the upload, %d after: a partial file stayed behind", disk.name, free, after)
		}
		if diff := newFiles(filesBefore, filesUnder(t, dataDir)); len(diff) != 1 || diff[0] != filler {
			t.Errorf("full %s: files left by the refused upload: %v", disk.name, diff)
		}

		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		if status, body := postFile(t, base, token, assetID, "big.txt", content); status != http.StatusCreated {
			t.Fatalf("after freeing the %s: %d %s", disk.name, status, body)
		}
		if n := versionCount(t, base, token, assetID); n != 1 {
			t.Fatalf("after freeing the %s: %d versions, want 1", disk.name, n)
		}
		// Start the next round from an empty asset, so that its upload is
		// new bytes.
		assetID = createAsset(t, base, token, "ZEL-FULL-"+strings.ReplaceAll(disk.name, " ", "-"), "Full disk")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	verifyIntegrity(t, getenv)
}

// verifyIntegrity runs the operator's checks: the audit chain verifies and
// every recorded object is present with its recorded hash.
func verifyIntegrity(t *testing.T, getenv func(string) string) {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "audit", "verify"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("audit verify: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"fairshelf", "objects", "verify"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "objects match") {
		t.Fatalf("objects verify: %v %q", err, out.String())
	}
}

// response is an HTTP answer read whole.
type response struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, method, url, token, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return response{}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return response{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// wantError checks that r is the JSON error envelope with status and code.
func (r response) wantError(t *testing.T, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if r.status != status || json.Unmarshal([]byte(r.body), &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("got %d %s, want %d with a JSON error %q", r.status, r.body, status, code)
	}
}

// postFile uploads content as a new version of an asset.
func postFile(t *testing.T, base, token, assetID, name string, content []byte) (int, []byte) {
	t.Helper()
	status, body, err := tryPostFile(base, token, assetID, name, content)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return status, body
}

func tryPostFile(base, token, assetID, name string, content []byte) (int, []byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return 0, nil, err
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/assets/"+assetID+"/versions", &body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func versionCount(t *testing.T, base, token, assetID string) int {
	t.Helper()
	got := call(t, http.MethodGet, base+"/api/v1/assets/"+assetID, token, "")
	var a struct{ Versions []json.RawMessage }
	if got.status != http.StatusOK || json.Unmarshal([]byte(got.body), &a) != nil {
		t.Fatalf("asset %s: %d %s", assetID, got.status, got.body)
	}
	return len(a.Versions)
}

// textOfSize returns n bytes of plain text that no other call returns.
func textOfSize(n int) []byte {
	var b bytes.Buffer
	b.WriteString("ZELTRA (zeltaparin) " + rand.Text() + "\n")
	for b.Len() < n {
		b.WriteString("ZELTRA is taken once daily, with or without food.\n")
	}
	return b.Bytes()[:n]
}

// openObjectServiceFromEnv opens the store, object store and library that a
// fairshelf process with this environment uses, for the test to look
// behind the API.
func openObjectServiceFromEnv(t *testing.T, getenv func(string) string) (*object.Service, objectstore.Store, *store.Store) {
	t.Helper()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := openStore(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := openObjects(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := openObjectService(cfg, st, blobs, log)
	if err != nil {
		t.Fatal(err)
	}
	return lib, blobs, st
}

func objectKeys(t *testing.T, blobs objectstore.Store) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	if err := blobs.List(context.Background(), "objects/", func(i objectstore.Info) error {
		keys[i.Key] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// writeLock is a lock the test holds on the database that stalls every
// write to the versions table.
type writeLock struct {
	// waitStalled returns once a writer waits for the lock, where the
	// database can tell.
	waitStalled func(t *testing.T)
	// release gives the lock up and returns once the writers it stalled
	// have finished or died.
	release func(t *testing.T)
}

// lockSQLite takes SQLite's write lock on another connection, as a second
// writer would; readers go on under WAL. SQLite does not show who waits for
// its lock, so waitStalled returns at once: a writer that has not reached
// the lock yet cannot pass it either.
func lockSQLite(t *testing.T, getenv func(string) string) writeLock {
	t.Helper()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+cfg.SQLitePath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return writeLock{
		waitStalled: func(t *testing.T) {},
		release: func(t *testing.T) {
			t.Helper()
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
			conn.Close()
		},
	}
}

// lockPostgres locks the versions table against writers in an open
// transaction.
func lockPostgres(t *testing.T, getenv func(string) string) writeLock {
	t.Helper()
	db, err := sql.Open("pgx", getenv("FAIRSHELF_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE versions IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var stalled []int64
	return writeLock{
		waitStalled: func(t *testing.T) {
			t.Helper()
			for attempt := 0; len(stalled) == 0; attempt++ {
				if attempt == 300 {
					t.Fatal("no transaction waits for the lock on versions")
				}
				time.Sleep(20 * time.Millisecond)
				rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var pid int64
					if err := rows.Scan(&pid); err != nil {
						t.Fatal(err)
					}
					stalled = append(stalled, pid)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
			}
		},
		release: func(t *testing.T) {
			t.Helper()
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			// The server does not notice a dead client while its
			// backend waits for a lock; it does once the lock is free.
			for attempt := 0; ; attempt++ {
				var left int
				if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, stalled).Scan(&left); err != nil {
					t.Fatal(err)
				}
				if left == 0 {
					return
				}
				if attempt == 300 {
					t.Fatal("the stalled transaction of the killed process is still running")
				}
				time.Sleep(20 * time.Millisecond)
			}
		},
	}
}

// process is "fairshelf serve" running as its own process: the test
// binary, run as the fairshelf binary (see TestMain).
type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *testenv.SyncBuffer
	exited chan struct{}
}

// runAsBinaryEnv makes the test binary behave as the fairshelf binary.
const runAsBinaryEnv = "FAIRSHELF_TEST_RUN_AS_BINARY"

// startProcess runs "fairshelf serve" with the environment kv (and nothing
// else of Fairshelf's configuration) and waits until it listens.
func startProcess(t *testing.T, kv []string, args ...string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, args...)...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "FAIRSHELF_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, runAsBinaryEnv+"=1")
	for i := 0; i+1 < len(kv); i += 2 {
		cmd.Env = append(cmd.Env, kv[i]+"="+kv[i+1])
	}
	p := &process{cmd: cmd, stderr: &testenv.SyncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("fairshelf process log:\n%s", p.stderr.String())
		}
	})
	lines := announcedURL(stdout)
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatalf("fairshelf exited before listening:\n%s", p.stderr.String())
		}
		p.base = u.base
	case <-time.After(60 * time.Second):
		t.Fatalf("fairshelf did not listen within 60s:\n%s", p.stderr.String())
	}
	return p
}

// kill ends the process with SIGKILL, which it cannot catch, and waits
// until it is gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// privatePostgres is a PostgreSQL server of the test's own, which it may
// stop and start without disturbing the tests that share the machine's
// server.
type privatePostgres struct {
	URL     string
	bin     string
	dataDir string
	sockDir string
	port    int
	cred    *syscall.Credential // the server's user when the test runs as root
	cmd     *exec.Cmd
	exited  <-chan struct{}
	log     *testenv.SyncBuffer
}

// startPrivatePostgres creates a throwaway cluster with trust
// authentication and starts its server. The server binaries come from
// $FAIRSHELF_TEST_POSTGRES_BIN, else /usr/lib/postgresql/15/bin. PostgreSQL
// refuses to run as root, so as root the cluster belongs to the "postgres"
// user.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bin := os.Getenv("FAIRSHELF_TEST_POSTGRES_BIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		testenv.Unavailable(t, "PostgreSQL server binaries", err)
	}
	// Not t.TempDir: its parents are private to root.
	dir, err := os.MkdirTemp("", "fairshelf-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &privatePostgres{bin: bin, dataDir: filepath.Join(dir, "data"), sockDir: dir, log: &testenv.SyncBuffer{}}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Unavailable(t, "a postgres user to run PostgreSQL as", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	initdb := exec.Command(
		filepath.Join(bin, "initdb"),
		"-D",
		pg.dataDir,
		"-U",
		"postgres",
		"-A",
		"trust",
		"-E",
		"UTF8",
		"--no-sync",
		"--no-instructions",
	)
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	pg.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
	t.Cleanup(func() {
		if pg.cmd != nil {
			_ = pg.cmd.Process.Kill()
			<-pg.exited
		}
		if t.Failed() {
			t.Logf("private PostgreSQL log:\n%s", pg.log.String())
		}
	})
	pg.start(t)
	return pg
}

// start starts the server on the cluster and waits until it accepts
// connections. The server dies with the test binary (Pdeathsig).
func (pg *privatePostgres) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(filepath.Join(pg.bin, "postgres"), "-D", pg.dataDir, "-p", strconv.Itoa(pg.port), "-k", pg.sockDir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = pg.log, pg.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	exited, err := testenv.StartChild(cmd)
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	pg.cmd, pg.exited = cmd, exited
	db, err := sql.Open("pgx", pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("PostgreSQL exited at start-up:\n%s", pg.log.String())
		default:
		}
		if attempt == 300 {
			t.Fatalf("PostgreSQL not ready: %v\n%s", err, pg.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down the way "pg_ctl stop -m fast" does: open
// transactions are rolled back and clients disconnected.
func (pg *privatePostgres) stop(t *testing.T) {
	t.Helper()
	if err := pg.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pg.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("PostgreSQL did not stop within 30s")
	}
	pg.cmd = nil
}

// mountTmpfs mounts a tmpfs of the given size on dir (created if needed)
// until the test ends. Mounting needs root, which CI has.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0750"); err != nil {
		testenv.Unavailable(t, "tmpfs mount", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// fillDisk writes a file into dir that leaves about room bytes free and
// returns its name.
func fillDisk(t *testing.T, dir string, room int64) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	if err := os.WriteFile(name, make([]byte, freeBytes(t, dir)-room), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// filesUnder lists the regular files below dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), "fairshelf.db") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func newFiles(before, after []string) []string {
	seen := map[string]bool{}
	for _, f := range before {
		seen[f] = true
	}
	var out []string
	for _, f := range after {
		if !seen[f] {
			out = append(out, f)
		}
	}
	return out
}

// demoPagesMade waits until the demo's printed piece has its page images.
func demoPagesMade(t *testing.T, base, token string) {
	t.Helper()
	page := apiJSON(t, http.MethodGet, base+"/api/v1/assets?q=ZEL-DEMO-002", token, "")
	assets, _ := page["assets"].([]any)
	if len(assets) != 1 {
		t.Fatalf("demo printed piece: %v", page)
	}
	latest, _ := assets[0].(map[string]any)["latest_version"].(map[string]any)
	id, _ := latest["id"].(string)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		pages := apiJSON(t, http.MethodGet, base+"/api/v1/versions/"+id+"/pages", token, "")
		if pages["status"] == "ready" {
			return
		}
		if pages["status"] != "pending" || time.Now().After(deadline) {
			t.Fatalf("demo pages: %v", pages)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
