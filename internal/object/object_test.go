package object

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // "sqlite" driver for fault injection
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for fault injection

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one backend pair under test.
type env struct {
	lib     *Service
	st      *store.Store
	blobs   objectstore.Store
	raw     *sql.DB // a second connection, to inject faults behind the store's back
	dialect store.Dialect
	actor   domain.Actor
	asset   domain.Asset
}

// backends runs fn against SQLite with local files and against PostgreSQL
// with MinIO: the library's conformance suite.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite+local", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "fairshelf.db")
		bs, err := objectstore.NewLocal(filepath.Join(dir, "objects"))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		fn(t, setup(t, store.Options{SQLitePath: path}, bs, raw))
	})
	t.Run("postgres+minio", func(t *testing.T) {
		srv := testenv.MinIO(t)
		bs, err := objectstore.NewS3(
			objectstore.S3Config{Endpoint: srv.Endpoint, Bucket: srv.NewBucket(t), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
		)
		if err != nil {
			t.Fatal(err)
		}
		url := testenv.PostgresURL(t)
		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		fn(t, setup(t, store.Options{DatabaseURL: url}, bs, raw))
	})
}

func setup(t *testing.T, opts store.Options, bs objectstore.Store, raw *sql.DB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	lib, err := New(st, bs, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{TempDir: t.TempDir(), MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{lib: lib, st: st, blobs: bs, raw: raw, dialect: st.Dialect()}
	b := domain.NewBrand{
		Code: "ZELTRA",
		Name: "Zeltra",
		Label: domain.Label{
			ProprietaryName: "ZELTRA",
			EstablishedName: "zeltaparin",
			Indication:      "X.",
			ISIStatements:   []string{"Bleeding."},
			PIReference:     "See PI.",
		},
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateBrand(ctx, domain.Actor{Name: "test"}, b); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, domain.Actor{Name: "test"}, domain.NewUser{Email: "mira@example.com", DisplayName: "Mira Marketer"}, "h")
	if err != nil {
		t.Fatal(err)
	}
	e.actor = domain.Actor{UserID: u.ID, Name: u.DisplayName}
	e.asset = e.newAsset(t, "ZEL-0001")
	return e
}

func (e *env) newAsset(t *testing.T, job string) domain.Asset {
	t.Helper()
	in := domain.NewAsset{JobCode: job, Title: "Detail aid " + job, Brand: "ZELTRA", Audience: "hcp", Channel: "detail_aid"}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := e.st.CreateAsset(context.Background(), e.actor, in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// objects lists every stored object key.
func (e *env) objects(t *testing.T) []string {
	t.Helper()
	var keys []string
	if err := e.blobs.List(context.Background(), "objects/",
		func(i objectstore.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

func (e *env) versionCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.raw.QueryRow("SELECT COUNT(*) FROM versions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const piece = "ZELTRA (zeltaparin) reduces the risk of stroke.\nImportant Safety Information: Bleeding.\n"

func TestUploadStoresBytesHashAndText(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		v, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "../../Detail Aid.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(piece))
		if v.SHA256 != hex.EncodeToString(sum[:]) || v.Size != int64(len(piece)) || v.MediaType != "text/plain" ||
			v.Filename != "Detail Aid.txt" ||
			v.Number != 1 ||
			v.State != domain.StateDraft ||
			v.TextStatus != domain.TextOK {
			t.Fatalf("version = %+v", v)
		}
		text, lines, err := e.st.VersionText(ctx, v.ID)
		if err != nil || !strings.Contains(text, "reduces the risk") || !bytes.Contains(lines, []byte(`"line":2`)) {
			t.Fatalf("text %q lines %s err %v", text, lines, err)
		}
		c, err := e.lib.Open(ctx, v.ObjectKey)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != piece {
			t.Fatalf("stored bytes %q, %v", got, err)
		}
		// Ranged reads through the seeker.
		if _, err := c.Seek(7, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 12)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != piece[7:19] {
			t.Fatalf("range read %q, %v", buf, err)
		}
		v2, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "v2.txt", strings.NewReader(piece+"more\n"))
		if err != nil || v2.Number != 2 {
			t.Fatalf("second version: %+v %v", v2, err)
		}
		a, err := e.st.Asset(ctx, e.asset.ID)
		if err != nil || a.LatestVersion == nil || a.LatestVersion.ID != v2.ID {
			t.Fatalf("latest version not moved: %+v", a.LatestVersion)
		}
		if r, err := e.st.VerifyAudit(ctx); err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

func TestIdenticalContentIsStoredOnce(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		other := e.newAsset(t, "ZEL-0002")
		v1, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		v2, err := e.lib.Upload(ctx, e.actor, other.ID, "b.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		if v1.ObjectKey != v2.ObjectKey || len(e.objects(t)) != 1 {
			t.Fatalf("keys %s %s, objects %v", v1.ObjectKey, v2.ObjectKey, e.objects(t))
		}
		// Concurrent uploads of new identical content also end with one object.
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.lib.Upload(ctx, e.actor, other.ID, "c.txt", strings.NewReader("same new content\n"))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.objects(t)); n != 2 {
			t.Fatalf("%d objects after concurrent identical uploads, want 2", n)
		}
	})
}

func TestRejectedUploadsLeaveNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for name, tc := range map[string]struct {
			body string
			code string
		}{
			"unsupported": {"\x7fELF\x02\x01\x01\x00\x00\x00binary", domain.EUNSUPPORTED},
			"empty":       {"", domain.EINVALID},
			"too large":   {strings.Repeat("a", 1<<20+1), domain.ETOOLARGE},
		} {
			_, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "x", strings.NewReader(tc.body))
			if domain.ErrorCode(err) != tc.code {
				t.Errorf("%s: err = %v, want %s", name, err, tc.code)
			}
		}
		if n := e.versionCount(t); n != 0 || len(e.objects(t)) != 0 {
			t.Fatalf("rejected uploads left %d versions and objects %v", n, e.objects(t))
		}
	})
}

// failingPut is an object store whose writes fail, as when the store is
// down or full.
type failingPut struct{ objectstore.Store }

func (failingPut) Put(context.Context, string, io.Reader, int64) (objectstore.Info, error) {
	return objectstore.Info{}, domain.Errorf(domain.EUNAVAILABLE, "The object store is not reachable.")
}

func TestFailingObjectStoreRecordsNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.lib.blobs = failingPut{e.blobs}
		_, err := e.lib.Upload(context.Background(), e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if domain.ErrorCode(err) != domain.EUNAVAILABLE {
			t.Fatalf("err = %v, want unavailable", err)
		}
		if n := e.versionCount(t); n != 0 {
			t.Fatalf("%d version rows without an object", n)
		}
		if r, err := e.st.VerifyAudit(context.Background()); err != nil || !r.OK || r.Checked == 0 {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

func TestFailingCommitRemovesTheObject(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		// Make the database refuse new versions, as a failed commit would.
		var stmts []string
		if e.dialect == store.Postgres {
			stmts = []string{
				`CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
				`CREATE TRIGGER fail_versions BEFORE INSERT ON versions FOR EACH ROW EXECUTE FUNCTION fail_insert()`,
			}
		} else {
			stmts = []string{`CREATE TRIGGER fail_versions BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
		}
		for _, q := range stmts {
			if _, err := e.raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		_, err := e.lib.Upload(context.Background(), e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("err = %v", err)
		}
		if objs := e.objects(t); len(objs) != 0 {
			t.Fatalf("objects left after a failed commit: %v", objs)
		}
		var blobs int
		if err := e.raw.QueryRow("SELECT COUNT(*) FROM blobs").Scan(&blobs); err != nil || blobs != 0 {
			t.Fatalf("blob rows %d, %v", blobs, err)
		}
	})
}

func TestGarbageCollectionRemovesOnlyOrphans(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		v, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		// An orphan: an object stored by an upload whose process died
		// before its row was committed.
		orphan := objectstore.NewKey()
		if _, err := e.blobs.Put(ctx, orphan, strings.NewReader("orphaned bytes"), -1); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if n, err := e.lib.CollectGarbage(ctx, now, GCGrace); err != nil || n != 0 {
			t.Fatalf("young orphan collected: %d, %v", n, err)
		}
		n, err := e.lib.CollectGarbage(ctx, now.Add(GCGrace+time.Hour), GCGrace)
		if err != nil || n != 1 {
			t.Fatalf("CollectGarbage = %d, %v", n, err)
		}
		objs := e.objects(t)
		if len(objs) != 1 || objs[0] != v.ObjectKey {
			t.Fatalf("objects after GC: %v, want only %s", objs, v.ObjectKey)
		}
	})
}

func TestVerifyObjects(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "a.txt", strings.NewReader(piece))
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.lib.Upload(ctx, e.actor, e.asset.ID, "b.txt", strings.NewReader("another piece\n"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.lib.VerifyObjects(ctx)
		if err != nil || r.Checked != 2 || len(r.Problems) != 0 {
			t.Fatalf("clean verify: %+v %v", r, err)
		}
		// Alter one object's bytes and lose the other.
		if _, err := e.blobs.Put(ctx, a.ObjectKey, strings.NewReader(strings.ToUpper(piece)), -1); err != nil {
			t.Fatal(err)
		}
		if err := e.blobs.Delete(ctx, b.ObjectKey); err != nil {
			t.Fatal(err)
		}
		r, err = e.lib.VerifyObjects(ctx)
		if err != nil || len(r.Problems) != 2 {
			t.Fatalf("verify after tampering: %+v %v", r, err)
		}
		got := r.Problems[0].Problem + " / " + r.Problems[1].Problem
		if !strings.Contains(got, "SHA-256") || !strings.Contains(got, "missing") {
			t.Fatalf("problems: %s", got)
		}
	})
}

func TestUploadIntoUnknownAsset(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		_, err := e.lib.Upload(context.Background(), e.actor, "no-such-asset", "a.txt", strings.NewReader(piece))
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("err = %v", err)
		}
		if objs := e.objects(t); len(objs) != 0 {
			t.Fatalf("objects left: %v", objs)
		}
	})
}

func TestSpoolLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	l := &Service{tempDir: dir, maxUpload: 10}
	for _, body := range []string{"0123456789abc", "", "ok"} {
		if sp, err := l.spool(strings.NewReader(body)); err == nil {
			sp.close()
		}
	}
	_, err := l.spool(io.MultiReader(strings.NewReader("abc"), errReader{}))
	if err == nil {
		t.Fatal("read error not reported")
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestRemoveStaleSpools(t *testing.T) {
	dir := t.TempDir()
	l := &Service{tempDir: dir}
	old := filepath.Join(dir, "upload-old")
	fresh := filepath.Join(dir, "upload-fresh")
	other := filepath.Join(dir, "keep-me")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-48 * time.Hour)
	os.Chtimes(old, past, past)
	os.Chtimes(other, past, past)
	n, err := l.RemoveStaleSpools(time.Now(), 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists=%v, want %v", p, err == nil, want)
		}
	}
}
