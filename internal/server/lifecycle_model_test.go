package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/testenv"
	"github.com/fairshelf/fairshelf/internal/webhook"
)

// modelSequences is how many generated sequences run per database, and
// modelSteps how long each is. FAIRSHELF_MODEL_SEQUENCES multiplies the
// number of sequences (make soak sets it to 10).
const (
	modelSequences = 200
	modelSteps     = 50
)

func modelSequenceCount(t *testing.T) int {
	n := modelSequences
	if m := os.Getenv("FAIRSHELF_MODEL_SEQUENCES"); m != "" {
		k, err := strconv.Atoi(m)
		if err != nil || k < 1 {
			t.Fatalf("FAIRSHELF_MODEL_SEQUENCES=%q: want a positive multiplier", m)
		}
		n *= k
	}
	switch {
	case modelRace:
		// The race detector looks for unsynchronized access, which a few
		// sequences exercise as well as many; the full count runs without it.
		n = max(n/40, 5)
	case testing.Short():
		n = max(n/10, 10)
	}
	return n
}

// TestLifecycleModel drives the API with random sequences of operations by
// random actors (create, upload, submit, decide with signatures, waive,
// publish with and without embargo, withdraw, recertify, rep downloads and
// acknowledgements, clock jumps, expiry sweeps, webhook receiver outages
// and deliveries, and steps that must be refused) and compares the server
// with a small reference model after every step:
//
//   - I1: each rep's listing, search, downloads (the visible bytes, 410 once
//     a piece they could see left, else 404) and the feed, replayed from
//     the start and consumed with the cursor, agree with the visible set.
//   - I2: every version that left the field gave each rep who downloaded
//     it exactly one notice, with the reason.
//   - I3: once the receiver is up, each asset's webhooks arrived in
//     asset_sequence order from 1 with no gap, of the kinds the model says.
//   - I4: each step wrote exactly the audit events the model expects, and
//     the chain verifies (once per database).
//   - I5: a refused request (4xx) left every table as it was (see
//     modelUncountedTables).
//
// Each sequence has a brand and users of its own in a server shared by
// modelSequencesPerDatabase sequences, on a fresh database, with one clock
// that only moves forward. A failing sequence is shrunk to a minimal replay
// and printed with its seed; FAIRSHELF_MODEL_SEED runs only that seed.
func TestLifecycleModel(t *testing.T) {
	// The variants run at once, whatever -parallel says: PostgreSQL's
	// mostly wait for round trips while SQLite's keep a core busy.
	variants := []struct {
		name               string
		backend            string
		instances, seqsDiv int
	}{
		{"sqlite", "sqlite", 1, 1},
		{"postgres", "postgres", 1, 1},
		// Two instances on one PostgreSQL database and one MinIO bucket,
		// each step on either: sessions, jobs and webhook order must not
		// depend on which instance serves.
		{"postgres-two-instances", "postgres", 2, 20},
	}
	var wg sync.WaitGroup
	for _, v := range variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(v.name, func(t *testing.T) {
				runModel(t, v.backend, v.instances, max(modelSequenceCount(t)/v.seqsDiv, 5))
			})
		}()
	}
	wg.Wait()
}

// modelSequencesPerDatabase is how many sequences share one database
// before the next batch starts on a fresh one: I5 counts the rows of
// every table before and after each refused request, which must stay
// cheap.
const modelSequencesPerDatabase = 20

// runModel runs count sequences in batches, each batch on fresh servers
// over a fresh database.
func runModel(t *testing.T, backend string, instances, count int) {
	start := time.Now()
	seeds := make([]uint64, count)
	for i := range seeds {
		seeds[i] = uint64(i)*1000 + uint64(instances)
	}
	if s := os.Getenv("FAIRSHELF_MODEL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FAIRSHELF_MODEL_SEED=%q: %v", s, err)
		}
		seeds = []uint64{seed}
	}
	// PostgreSQL spends most of a step waiting for round trips, so two
	// databases run at once there.
	parallel := 1
	if backend == "postgres" {
		parallel = 2
	}
	var (
		outcomes modelOutcomes
		mu       sync.Mutex
		steps    int
		failed   bool
		wg       sync.WaitGroup
		slots    = make(chan struct{}, parallel)
	)
	for from := 0; from < len(seeds); from += modelSequencesPerDatabase {
		batch := seeds[from:min(from+modelSequencesPerDatabase, len(seeds))]
		slots <- struct{}{}
		mu.Lock()
		stop := failed
		mu.Unlock()
		if stop {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			w := newModelWorld(t, backend, instances)
			w.outcomes = &outcomes
			defer w.close()
			n, ok := w.run(t, batch)
			mu.Lock()
			steps += n
			failed = failed || !ok
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("%s, %d instance(s): %d sequences, %d steps in %s; requests the model expected to succeed and to be refused, by step kind: %s",
		backend, instances, len(seeds), steps, time.Since(start).Round(time.Millisecond), outcomes.summary())
}

// modelWorld is the servers under test and what the sequences share.
type modelWorld struct {
	backend   string
	instances []*testServer
	clock     *testClock
	senders   []*webhook.Sender
	rcv       *modelReceiver
	db        *sql.DB
	tables    []string
	counts    *sql.Stmt // rowCounts' query, prepared once
	closers   []func()
	outcomes  *modelOutcomes
	nseq      int // sequences begun, for unique brand codes
}

// newModelWorld builds n server instances on one database and one object
// store (n > 1 needs PostgreSQL and MinIO), each with its webhook sender to
// one receiver.
func newModelWorld(t *testing.T, backend string, n int) *modelWorld {
	t.Helper()
	ctx := context.Background()
	dir := modelTempDir(t)
	clock := &testClock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	w := &modelWorld{backend: backend, clock: clock, rcv: &modelReceiver{byAsset: map[string][]modelHook{}}}
	hook := httptest.NewServer(w.rcv)
	w.closers = append(w.closers, hook.Close)

	var dbURL, bucket string
	var minio testenv.S3Server
	sqlitePath := filepath.Join(dir, "fairshelf.db")
	driver, dsn := "sqlite", "file:"+sqlitePath+"?_pragma=busy_timeout(10000)"
	if backend == "postgres" {
		// Commits do not wait for the WAL to reach the disk: durability
		// is not under test here, and the wait was most of the run time.
		dbURL = testenv.PostgresURL(t) + "&synchronous_commit=off"
		driver, dsn = "pgx", dbURL
		minio = testenv.MinIO(t)
		bucket = minio.NewBucket(t)
	} else if n > 1 {
		t.Fatal("several instances need PostgreSQL")
	}
	for i := range n {
		opts := store.Options{SQLitePath: sqlitePath, DatabaseURL: dbURL, Now: clock.Now, Outbox: true}
		st, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		w.closers = append(w.closers, func() { st.Close() })
		if i == 0 {
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var blobs objectstore.Store
		if backend == "postgres" {
			blobs, err = objectstore.NewS3(
				objectstore.S3Config{Endpoint: minio.Endpoint, Bucket: bucket, AccessKey: minio.AccessKey, SecretKey: minio.SecretKey},
			)
		} else {
			blobs, err = objectstore.NewLocal(filepath.Join(dir, "objects"))
		}
		if err != nil {
			t.Fatal(err)
		}
		logs := &testenv.SyncBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		cfg := config.Default()
		cfg.MaxBodyBytes = 1024
		// Sequences jump the clock by months; a token that outlives them
		// saves signing every actor in again after each jump.
		cfg.TokenTTL = 100 * 365 * 24 * time.Hour
		s := wireTestServer(t, cfg, st, blobs, log, clock, filepath.Join(dir, fmt.Sprintf("tmp%d", i)))
		w.instances = append(w.instances, &testServer{Server: s, store: st, logs: logs, clock: clock, driver: driver, dsn: dsn})
		w.senders = append(
			w.senders,
			webhook.New(st, hook.URL, "model-secret", hook.Client(), slog.New(slog.NewTextHandler(io.Discard, nil))),
		)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.closers = append(w.closers, func() { db.Close() })
	w.db = db
	w.tables = w.listTables(t)
	// MOTHER is a brand no sequence owns, with a marketer and a rep: they
	// try what they may not.
	ts := w.instances[0]
	ts.addBrand(t, "MOTHER")
	ts.addUser(t, "other-marketer@model.test", "marketer:MOTHER")
	ts.addUser(t, "other-rep@model.test", "rep:MOTHER")
	return w
}

// modelTempDir is a fresh folder for the SQLite file and the objects, in
// memory where the system offers a tmpfs (each commit syncs the file, which
// costs nothing there), removed when the test ends.
func modelTempDir(t *testing.T) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "fairshelf-model-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// close stops the servers' connections and the receiver, in reverse.
func (w *modelWorld) close() {
	if w.counts != nil {
		w.counts.Close()
	}
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

func (w *modelWorld) listTables(t *testing.T) []string {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if w.backend == "postgres" {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := w.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// run runs one sequence of modelSteps steps per seed, each on a fresh
// brand, and reports how many steps ran and whether all passed.
func (w *modelWorld) run(t *testing.T, seeds []uint64) (int, bool) {
	steps := 0
	for _, seed := range seeds {
		ops, err := w.generateAndRun(t, seed)
		steps += len(ops)
		if err != nil {
			w.reportFailure(t, seed, ops, err)
			return steps, false
		}
	}
	if err := w.verifyChain(); err != nil {
		t.Errorf("after seeds %v: %v", seeds, err)
		return steps, false
	}
	return steps, true
}

// verifyChain checks the whole audit chain (I4). It is read in full, so it
// runs once per database, after its last sequence; the per step check of
// I4 compares each step's new events with the model's.
func (w *modelWorld) verifyChain() error {
	rep, err := w.instances[0].store.VerifyAudit(context.Background())
	if err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("I4: the audit chain does not verify: %+v", rep)
	}
	return nil
}

// reportFailure shrinks a failing sequence by dropping steps while it still
// fails, and prints the seed and the minimal list of steps.
func (w *modelWorld) reportFailure(t *testing.T, seed uint64, ops []modelOp, first error) {
	t.Helper()
	best, bestErr := ops, first
	budget := 150
	for chunk := max(len(best)/2, 1); chunk >= 1 && budget > 0; chunk /= 2 {
		for i := 0; i+chunk <= len(best) && budget > 0; {
			cand := append(append([]modelOp{}, best[:i]...), best[i+chunk:]...)
			budget--
			if err := w.replay(t, cand); err != nil {
				best, bestErr = cand, err
				continue
			}
			i += chunk
		}
	}
	var b strings.Builder
	for i, op := range best {
		fmt.Fprintf(&b, "\t%d: %s\n", i, op)
	}
	t.Errorf("seed %d fails (FAIRSHELF_MODEL_SEED=%d reruns it): %v\nminimal replay, %d of %d steps:\n%sfailure of the minimal replay: %v",
		seed, seed, first, len(best), len(ops), b.String(), bestErr)
}

// modelOutcomes counts, per step kind, the requests the model expected to
// succeed and to be refused, so that a run shows it exercised both.
type modelOutcomes struct {
	mu sync.Mutex
	n  map[string][2]int
}

func (w *modelWorld) outcome(kind string, ok bool) {
	o := w.outcomes
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string][2]int{}
	}
	c := o.n[kind]
	if ok {
		c[0]++
	} else {
		c[1]++
	}
	o.n[kind] = c
}

func (o *modelOutcomes) summary() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var parts []string
	for k, c := range o.n {
		parts = append(parts, fmt.Sprintf("%s %d/%d", k, c[0], c[1]))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// modelReceiver is the webhook receiver. While fail is set it answers 503
// and keeps nothing.
type modelReceiver struct {
	mu      sync.Mutex
	fail    bool
	byAsset map[string][]modelHook
}

type modelHook struct {
	Event string
	Seq   int64
}

func (r *modelReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var ev struct {
		Event   string `json:"event"`
		AssetID string `json:"asset_id"`
		Seq     int64  `json:"asset_sequence"`
	}
	if err := json.NewDecoder(req.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Header.Get("X-Fairshelf-Asset-Sequence") != strconv.FormatInt(ev.Seq, 10) {
		http.Error(w, "sequence header", http.StatusBadRequest)
		return
	}
	r.byAsset[ev.AssetID] = append(r.byAsset[ev.AssetID], modelHook{Event: ev.Event, Seq: ev.Seq})
	w.WriteHeader(http.StatusNoContent)
}

func (r *modelReceiver) setFail(f bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = f
}

func (r *modelReceiver) received(assetID string) []modelHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]modelHook(nil), r.byAsset[assetID]...)
}

// modelUncountedTables are left out of I5's row counts. Throttle counters
// (auth_throttle_counts, and login_attempts, where every password check of
// a signature is reserved and counted) change on a refused request on
// purpose; refusals are audited (store.auditRefusal, see refusalActions),
// so audit_events is compared by its newest event other than a refusal.
var modelUncountedTables = []string{"auth_throttle_counts", "login_attempts", "audit_events"}

// rowCounts counts the rows of every table in one query, for I5.
func (w *modelWorld) rowCounts() (map[string]int64, error) {
	if w.counts == nil {
		var parts []string
		for _, tb := range w.tables {
			if !slices.Contains(modelUncountedTables, tb) {
				parts = append(parts, fmt.Sprintf("SELECT '%s', COUNT(*) FROM %s", tb, tb))
			}
		}
		// And the newest audit event other than a refusal, as "#audit".
		parts = append(
			parts,
			fmt.Sprintf(
				"SELECT '#audit', COALESCE(MAX(seq), 0) FROM audit_events WHERE action NOT IN ('%s')",
				strings.Join(refusalActions, "','"),
			),
		)
		var err error
		if w.counts, err = w.db.Prepare(strings.Join(parts, " UNION ALL ")); err != nil {
			return nil, err
		}
	}
	rows, err := w.counts.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var n string
		var c int64
		if err := rows.Scan(&n, &c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	return out, rows.Err()
}

// refusalActions are the audit events that record a refused attempt: a
// refused request writes them on purpose (store.auditRefusal, the password
// check of a signature), so I5 leaves them out of "unchanged".
var refusalActions = []string{domain.ActionSegregationRefused, "signature.password_failed", "auth.login_failed"}

// auditSince returns the actions of the brand's audit events after seq,
// and the newest sequence number of all.
func (w *modelWorld) auditSince(brand string, seq int64) ([]string, int64, error) {
	q := "SELECT seq, brand, action FROM audit_events WHERE seq > $1 ORDER BY seq"
	if w.backend != "postgres" {
		q = strings.ReplaceAll(q, "$1", "?")
	}
	rows, err := w.db.Query(q, seq)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []string
	last := seq
	for rows.Next() {
		var b, a string
		if err := rows.Scan(&last, &b, &a); err != nil {
			return nil, 0, err
		}
		if b == brand {
			out = append(out, a)
		}
	}
	return out, last, rows.Err()
}

// headSeq is the newest audit sequence number of all.
func (w *modelWorld) headSeq() (int64, error) {
	var n sql.NullInt64
	err := w.db.QueryRow("SELECT MAX(seq) FROM audit_events").Scan(&n)
	return n.Int64, err
}

// deliver runs the webhook job once on a random instance. When the receiver
// is up it runs at a time far enough ahead that every backoff has passed.
func (w *modelWorld) deliver(rng *rand.Rand, up bool) error {
	now := w.clock.Now()
	if up {
		now = now.Add(7 * time.Hour)
	}
	_, err := w.senders[rng.IntN(len(w.senders))].DeliverDue(context.Background(), now)
	return err
}
