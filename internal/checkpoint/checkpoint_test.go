package checkpoint_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/store/storetest"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sealedStore returns a SQLite store sealing its events with key's seal key.
func sealedStore(t *testing.T, key ed25519.PrivateKey, now func() time.Time) *store.Store {
	t.Helper()
	return storetest.Open(t, store.Options{SQLitePath: filepath.Join(t.TempDir(), "f.db"), AuditSealKey: domain.SealKey(key), Now: now})
}

func appendEvents(t *testing.T, st *store.Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		e := domain.AuditEntry{Actor: domain.SystemActor, Action: "test.event", ObjectType: "x", ObjectID: "y"}
		if err := st.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// checkpointNow runs one round of the checkpoint job.
func checkpointNow(t *testing.T, st *store.Store, w *checkpoint.Writer, now time.Time) (domain.Checkpoint, bool) {
	t.Helper()
	head, err := st.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, written, err := w.Checkpoint(context.Background(), head, now)
	if err != nil {
		t.Fatal(err)
	}
	return c, written
}

// Checkpoints land as files on local disk, one per new head, and the trail
// verifies against them until someone cuts it or edits a checkpoint file.
func TestCheckpointsOnLocalDisk(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	root := t.TempDir()
	blobs, err := objectstore.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := sealedStore(t, key, func() time.Time { return now })
	w := checkpoint.NewWriter(blobs, key, "test-instance", checkpoint.DefaultRetention, nil)

	if _, written := checkpointNow(t, st, w, now); written {
		t.Fatal("checkpoint of an empty trail")
	}
	appendEvents(t, st, 5)
	c, written := checkpointNow(t, st, w, now.Add(time.Minute))
	if !written || c.Seq != 5 || !strings.HasPrefix(c.Object, checkpoint.Prefix) || objectstore.ValidKey(c.Object) != nil {
		t.Fatalf("checkpoint = %+v, written %v", c, written)
	}
	path := filepath.Join(root, filepath.FromSlash(c.Object))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("checkpoint not on disk: %v", err)
	}
	var onDisk domain.Checkpoint
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.Verify(key.Public().(ed25519.PublicKey)) != nil || onDisk.Seq != 5 {
		t.Fatalf("checkpoint file %s: %v", b, err)
	}
	if _, written := checkpointNow(t, st, w, now.Add(2*time.Minute)); written {
		t.Fatal("second checkpoint without new events")
	}
	// A head that moved back is an alarm, not a quiet skip.
	if _, _, err := w.Checkpoint(ctx, domain.AuditEvent{Seq: 3, Hash: "x"}, now.Add(2*time.Minute)); err == nil ||
		!strings.Contains(err.Error(), "removed") {
		t.Fatalf("head moved back: %v", err)
	}
	// A fresh writer (another instance taking over the job) does not
	// repeat a checkpoint that exists.
	if _, written := checkpointNow(t, st, checkpoint.NewWriter(blobs, key, "other", 0, nil), now.Add(2*time.Minute)); written {
		t.Fatal("another instance repeated the checkpoint")
	}

	v := checkpoint.NewVerifier(st, checkpoint.NewReader(blobs), key)
	if r, err := v.Verify(ctx); err != nil || !r.OK || r.Checkpoints != 1 || r.AnchoredSeq != 5 {
		t.Fatalf("verify = %+v, %v", r, err)
	}

	// An edited checkpoint file is noticed by the same (caching) reader.
	onDisk.Seq = 4
	b, _ = json.Marshal(onDisk)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	_ = os.Chtimes(path, later, later)
	r, err := v.Verify(ctx)
	if err != nil || r.OK || r.Findings[0].Kind != domain.FindingBadCheckpoint {
		t.Fatalf("edited checkpoint: %+v, %v", r, err)
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(path, later.Add(time.Hour), later.Add(time.Hour))
	if r, err := v.Verify(ctx); err != nil || r.OK || r.Findings[0].Kind != domain.FindingUnreadableCheckpoint {
		t.Fatalf("garbled checkpoint: %+v, %v", r, err)
	}

	// An auditor who pins another public key than the signer's is told so.
	good, _ := json.Marshal(c)
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	other := checkpoint.NewVerifier(st, checkpoint.NewReader(blobs), key)
	other.PublicKey = newKey(t).Public().(ed25519.PublicKey)
	if r, err := other.Verify(ctx); err != nil || r.OK || r.Findings[0].Kind != domain.FindingForeignCheckpoint {
		t.Fatalf("pinned other key: %+v, %v", r, err)
	}
	// Restored, the checkpoint verifies again.
	if r, err := v.Verify(ctx); err != nil || !r.OK {
		t.Fatalf("restored checkpoint: %+v, %v", r, err)
	}
}

// Checkpoints land in a real S3 store; when the bucket was created with
// object lock they are under compliance retention, so not even the account
// that wrote them can delete them.
func TestCheckpointsInMinIO(t *testing.T) {
	srv := testenv.MinIO(t)
	key := newKey(t)
	now := time.Now().UTC()
	st := sealedStore(t, key, time.Now)
	appendEvents(t, st, 3)

	t.Run("plain bucket", func(t *testing.T) {
		s3 := srv.Store(t, srv.NewBucket(t))
		c, written := checkpointNow(t, st, checkpoint.NewWriter(s3, key, "i", time.Hour, nil), now)
		if !written {
			t.Fatal("not written")
		}
		if mode, _, err := s3.Retention(context.Background(), c.Object); err != nil || mode != "" {
			t.Fatalf("retention on a bucket without object lock: %q, %v", mode, err)
		}
		if r, err := checkpoint.NewVerifier(st, checkpoint.NewReader(s3), key).Verify(context.Background()); err != nil || !r.OK ||
			r.Checkpoints != 1 {
			t.Fatalf("verify = %+v, %v", r, err)
		}
	})

	t.Run("object lock", func(t *testing.T) {
		bucket := lockedBucket(t, srv)
		s3 := srv.Store(t, bucket)
		const retention = 3 * time.Second
		c, written := checkpointNow(t, st, checkpoint.NewWriter(s3, key, "i", retention, nil), time.Now())
		if !written {
			t.Fatal("not written")
		}
		mode, until, err := s3.Retention(context.Background(), c.Object)
		if err != nil || mode != "COMPLIANCE" || until.Before(time.Now()) || until.After(time.Now().Add(retention+time.Minute)) {
			t.Fatalf("retention = %q until %v, %v", mode, until, err)
		}
		cl := client(t, srv)
		info, err := cl.StatObject(context.Background(), bucket, c.Object, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		retained := minio.RemoveObjectOptions{VersionID: info.VersionID}
		if err := cl.RemoveObject(context.Background(), bucket, c.Object, retained); err == nil {
			t.Fatal("a retained checkpoint was deleted")
		}
		_, err = cl.PutObject(context.Background(), bucket, c.Object, bytes.NewReader([]byte("{}")), 2, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err) // a new version; the retained one stays
		}
		if r, err := checkpoint.NewVerifier(st, checkpoint.NewReader(s3), key).Verify(context.Background()); err != nil || r.OK {
			t.Fatalf("overwritten checkpoint goes unnoticed: %+v, %v", r, err)
		}
	})
}

func client(t *testing.T, srv testenv.S3Server) *minio.Client {
	t.Helper()
	cl, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Secure: srv.UseSSL})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// lockedBucket creates a bucket with object lock; at the end of the test it
// waits for the short retentions to pass and removes every version.
func lockedBucket(t *testing.T, srv testenv.S3Server) string {
	t.Helper()
	name := srv.UnusedBucket(t)
	cl := client(t, srv)
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cl.MakeBucket(ctx, name, minio.MakeBucketOptions{ObjectLocking: true})
		if err == nil {
			break
		}
		if minio.ToErrorResponse(err).Code != "XMinioServerNotInitialized" || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(30 * time.Second)
		for {
			failed := false
			for o := range cl.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
				if o.Err != nil {
					t.Error(o.Err)
					return
				}
				if err := cl.RemoveObject(ctx, name, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID}); err != nil {
					failed = true
				}
			}
			if !failed {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("locked objects still there after 30s")
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err := cl.RemoveBucket(ctx, name); err != nil {
			t.Error(err)
		}
	})
	return name
}

func TestSigningKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "audit-signing-key.pem")
	k1, created, err := checkpoint.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi.Mode(), err)
	}
	k2, created, err := checkpoint.LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("second load: created %v, same %v, %v", created, k1.Equal(k2), err)
	}
	pub, err := checkpoint.ParsePublicKey(checkpoint.PublicKeyPEM(k1.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(k1.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	// A key in the format openssl writes (genpkey -algorithm ed25519).
	const opensslKey = "-----BEGIN PRIVATE KEY-----\n" +
		"MC4CAQAwBQYDK2VwBCIEIHc3Bq2pPnCM41C6xFCiB5KHFSqh7UDrO2ZD4zIzPIz0\n" +
		"-----END PRIVATE KEY-----\n"
	if _, err := checkpoint.ParseKey([]byte(opensslKey)); err != nil {
		t.Fatalf("openssl key: %v", err)
	}
	for _, bad := range []string{"", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n", "not pem"} {
		if _, err := checkpoint.ParseKey([]byte(bad)); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

// countingStore counts Get calls.
type countingStore struct {
	objectstore.Store
	gets atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	c.gets.Add(1)
	return c.Store.Get(ctx, key, offset, length)
}

// The reader fetches each checkpoint once: an auditor's page reloading the
// report reads only the checkpoints written since.
func TestReaderReadsEachCheckpointOnce(t *testing.T) {
	key := newKey(t)
	local, err := objectstore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobs := &countingStore{Store: local}
	st := sealedStore(t, key, time.Now)
	w := checkpoint.NewWriter(blobs, key, "i", 0, nil)
	for i := 0; i < 40; i++ {
		appendEvents(t, st, 1)
		checkpointNow(t, st, w, time.Now())
	}
	r := checkpoint.NewReader(blobs)
	cps, problems, err := r.ReadAll(context.Background())
	if err != nil || len(cps) != 40 || len(problems) != 0 || blobs.gets.Load() != 40 {
		t.Fatalf("first read: %d checkpoints, %v, %v, %d gets", len(cps), problems, err, blobs.gets.Load())
	}
	appendEvents(t, st, 1)
	checkpointNow(t, st, w, time.Now())
	cps, _, err = r.ReadAll(context.Background())
	if err != nil || len(cps) != 41 || blobs.gets.Load() != 41 {
		t.Fatalf("second read: %d checkpoints, %v, %d gets", len(cps), err, blobs.gets.Load())
	}
	if rep, err := checkpoint.NewVerifier(st, r, key).Verify(context.Background()); err != nil || !rep.OK || rep.Checkpoints != 41 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}
