package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/fairshelf/fairshelf/internal/authz"
	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/jobs"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/render"
	"github.com/fairshelf/fairshelf/internal/rendition"
	"github.com/fairshelf/fairshelf/internal/server"
	"github.com/fairshelf/fairshelf/internal/store"
)

// loadConfig reads the environment and reports a bad value as a usage
// error, so that start-up stops with exit code 2 and one line naming it.
func loadConfig(getenv func(string) string) (config.Config, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, usageErr(err)
	}
	return cfg, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// storeFromEnv loads the configuration and opens the migrated store, for
// the operator commands; the caller closes the store.
func storeFromEnv(ctx context.Context, getenv func(string) string, stderr io.Writer) (*store.Store, config.Config, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, cfg, err
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	return st, cfg, err
}

// openStore connects to the configured database and applies migrations:
// with the owner's URL when one is configured (FAIRSHELF_MIGRATE_DATABASE_URL),
// so that the store itself runs as the restricted application role. Audit
// events it writes are sealed with the audit signing key.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	key, err := loadAuditKey(cfg, log)
	if err != nil {
		return nil, err
	}
	return openStoreWithKey(ctx, cfg, log, key)
}

// openStoreWithKey is openStore with the audit signing key already loaded;
// a nil key (a verifier holding only the public key) writes unsealed events.
func openStoreWithKey(ctx context.Context, cfg config.Config, log *slog.Logger, key ed25519.PrivateKey) (*store.Store, error) {
	var sealKey []byte
	if key != nil {
		sealKey = domain.SealKey(key)
	}
	if cfg.MigrateDatabaseURL != "" {
		owner, err := store.Open(ctx, store.Options{DatabaseURL: cfg.MigrateDatabaseURL, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("migrate as owner: %w", err)
		}
		_, err = owner.Migrate(ctx)
		owner.Close()
		if err != nil {
			return nil, err
		}
	}
	st, err := store.Open(
		ctx,
		store.Options{
			DatabaseURL:  cfg.DatabaseURL,
			SQLitePath:   cfg.SQLitePath(),
			Logger:       log,
			Outbox:       cfg.WebhookURL != "",
			AuditSealKey: sealKey,
		},
	)
	if err != nil {
		return nil, err
	}
	v, err := st.Migrate(ctx) // after the owner's run this only checks the version
	if err != nil {
		st.Close()
		return nil, err
	}
	log.Info("database ready", "dialect", string(st.Dialect()), "schema_version", v)
	return st, nil
}

// openObjectService returns the content library; uploads are spooled under the
// data folder, which must have room for the largest upload.
func openObjectService(cfg config.Config, st *store.Store, blobs objectstore.Store, log *slog.Logger) (*object.Service, error) {
	return object.New(st, blobs, log, object.Options{TempDir: filepath.Join(cfg.DataDir, "tmp"), MaxUpload: cfg.MaxUploadBytes})
}

// openObjects returns the configured object store.
func openObjects(cfg config.Config) (objectstore.Store, error) {
	if cfg.UsesS3() {
		return objectstore.NewS3(objectstore.S3Config{
			Endpoint: cfg.S3.Endpoint, Bucket: cfg.S3.Bucket, Region: cfg.S3.Region,
			AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, UseSSL: cfg.S3.UseSSL,
		})
	}
	return objectstore.NewLocal(cfg.ObjectsDir())
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (FAIRSHELF_LISTEN)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the SQLite file and local objects (FAIRSHELF_DATA_DIR)")
	fs.StringVar(
		&cfg.MetricsListen,
		"metrics-listen",
		cfg.MetricsListen,
		"address of the /metrics listener, or off (FAIRSHELF_METRICS_LISTEN)",
	)
	demo := fs.Bool("demo", false, "seed a demo brand, content and one user per role")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if err := cfg.Validate(); err != nil {
		return usageErr(err)
	}
	log := newLogger(cfg, stderr)

	auditKey, err := loadAuditKey(cfg, log)
	if err != nil {
		return err
	}
	st, err := openStoreWithKey(ctx, cfg, log, auditKey)
	if err != nil {
		return err
	}
	defer st.Close() // closed last, after HTTP and jobs have stopped
	blobs, err := openObjects(cfg)
	if err != nil {
		return err
	}
	if err := blobs.Ping(ctx); err != nil {
		// Not fatal: /readyz reports it until the store comes back.
		log.Warn("object store not reachable at start-up", "err", err)
	}
	lib, err := openObjectService(cfg, st, blobs, log)
	if err != nil {
		return err
	}
	if *demo {
		if err := seedDemo(ctx, st, lib, log); err != nil {
			return err
		}
	}
	az, err := authz.New(ctx, st)
	if err != nil {
		return err
	}
	// PDFium compiles in the background (seconds on a small machine); start-up
	// and /readyz never wait for it, renditions do. Its compilation cache in
	// the data folder makes later starts quick.
	cacheDir := cfg.Render.CacheDir
	if cacheDir == "" {
		cacheDir = filepath.Join(cfg.DataDir, "cache", "pdfium")
	}
	engine := render.New(render.Config{CacheDir: cacheDir, Instances: cfg.Render.Instances,
		MemoryLimitMiB: int(cfg.Render.MemoryBytes >> 20)}, log)
	defer engine.Close()
	renditions := rendition.New(st, lib, engine, log, rendition.Options{TempDir: filepath.Join(cfg.DataDir, "tmp"),
		Office: cfg.Render.Office})

	checkpoints := checkpoint.NewReader(blobs)
	auditVerifier := checkpoint.NewVerifier(st, checkpoints, auditKey)
	srv, err := server.New(
		server.Deps{
			Config:        cfg,
			Store:         st,
			ObjectStore:   blobs,
			Authz:         az,
			Objects:       lib,
			Logger:        log,
			Version:       versionString(),
			AuditVerifier: auditVerifier,
			Renditions:    renditions,
		},
	)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "version", versionString())
	// Metrics have a listener of their own, started and stopped with the
	// server, so that the public port need not expose them.
	var metricsDone chan error
	metricsCtx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	if cfg.ServesMetrics() {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s (FAIRSHELF_METRICS_LISTEN, off to disable): %w", cfg.MetricsListen, err)
		}
		log.Info("serving metrics", "addr", mln.Addr().String())
		fmt.Fprintf(stdout, "fairshelf: metrics on http://%s/metrics\n", mln.Addr())
		metricsDone = make(chan error, 1)
		go func() {
			err := srv.ServeMetrics(metricsCtx, mln)
			if err != nil {
				log.Error("metrics listener stopped", "err", err)
			}
			metricsDone <- err
		}()
	}
	fmt.Fprintf(stdout, "fairshelf: listening on http://%s\n", ln.Addr())

	// Background jobs run under their own context so that shutdown can stop
	// them after HTTP has drained and before the database closes.
	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	runner := jobs.NewRunner(log, time.Now)
	// holder names this instance in job leases and in the checkpoints it
	// writes; schedule.go lists the jobs.
	holder := instanceName()
	checkpointer := checkpoint.NewWriter(blobs, auditKey, holder, cfg.Audit.CheckpointRetention, log)
	startJobs(jobCtx, runner, holder, services{cfg: cfg, store: st, objectStore: blobs, objects: lib,
		checkpointer: checkpointer, checkpoints: checkpoints, renditions: renditions, log: log})

	err = srv.Serve(ctx, ln)
	log.Info("http stopped")
	stopMetrics() // also when HTTP stopped on an error of its own
	if metricsDone != nil {
		if merr := <-metricsDone; err == nil {
			err = merr
		}
	}
	stopJobs()
	runner.Wait()
	log.Info("jobs stopped")
	finalCheckpoint(ctx, st, checkpointer, log)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

// versionString is the build's version, with the VCS revision when known.
func versionString() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}

// instanceName identifies this process among several instances, for job
// leases.
func instanceName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
