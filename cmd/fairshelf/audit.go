package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/jobs"
	"github.com/fairshelf/fairshelf/internal/store"
)

// loadAuditKey returns the audit signing key: the configured file, or in
// its absence a key generated once into the data folder. Without a key file
// on PostgreSQL it warns loudly on every start (see
// config.AuditKeyGenerated for why this is not an error).
func loadAuditKey(cfg config.Config, log *slog.Logger) (ed25519.PrivateKey, error) {
	if !cfg.AuditKeyGenerated() {
		key, err := checkpoint.LoadKey(cfg.AuditKeyPath())
		if err != nil {
			return nil, fmt.Errorf("FAIRSHELF_AUDIT_SIGNING_KEY_FILE: %w", err)
		}
		return key, nil
	}
	key, created, err := checkpoint.LoadOrCreateKey(cfg.AuditKeyPath())
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("audit signing key generated", "file", cfg.AuditKeyPath())
	}
	if cfg.UsesPostgres() {
		log.Warn(
			"AUDIT TRAIL NOT SAFELY ANCHORED: FAIRSHELF_AUDIT_SIGNING_KEY_FILE is not set, "+
				"so checkpoints are signed with a key generated into the data folder; "+
				"every instance signs with its own key and a lost data folder loses the key. Give all instances one key file (see README, "+
				"Audit trail).",
			"file",
			cfg.AuditKeyPath(),
		)
	}
	return key, nil
}

// readCheckpoints keeps the reader's cache of checkpoints warm (on every
// instance), so that the auditor's first verification after a start does
// not fetch a year of checkpoints while they wait.
func readCheckpoints(r *checkpoint.Reader) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		_, problems, err := r.ReadAll(ctx)
		if len(problems) > 0 {
			return fmt.Errorf("%d unreadable audit checkpoints, the first: %s", len(problems), problems[0].Message)
		}
		return err
	}
}

// writeCheckpoint signs the audit chain's head and writes it to the object
// store (on one instance at a time).
func writeCheckpoint(st *store.Store, w *checkpoint.Writer) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		head, err := st.AuditHead(ctx)
		if err != nil {
			return err
		}
		_, _, err = w.Checkpoint(ctx, head, now)
		return err
	}
}

// finalCheckpoint anchors the events written since the last checkpoint when
// the server stops, so that a planned restart leaves none that only the
// database has seen. It is best effort: a failure is logged, and the next
// instance's job covers the events within a minute anyway.
func finalCheckpoint(ctx context.Context, st *store.Store, w *checkpoint.Writer, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	head, err := st.AuditHead(ctx)
	if err == nil {
		_, _, err = w.Checkpoint(ctx, head, time.Now())
	}
	if err != nil {
		log.Warn("final audit checkpoint not written", "err", err)
	}
}

const auditUsage = `usage: fairshelf audit verify [--pubkey FILE] [--json]
       fairshelf audit pubkey`

// runAudit verifies the audit trail or prints the checkpoint public key.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		return usageErr(errors.New(auditUsage))
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], getenv, stdout, stderr)
	case "pubkey":
		cfg, err := loadConfig(getenv)
		if err != nil {
			return err
		}
		key, err := loadAuditKey(cfg, newLogger(cfg, stderr))
		if err != nil {
			return err
		}
		_, err = stdout.Write(checkpoint.PublicKeyPEM(key.Public().(ed25519.PublicKey)))
		return err
	default:
		return usageErr(errors.New(auditUsage))
	}
}

// runAuditVerify checks the whole trail against every checkpoint and the
// signatures table, prints what it finds and exits 1 if anything is wrong.
func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pubFile := fs.String("pubkey", "", "verify checkpoints with this PEM public key instead of the server's own")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	var pinned ed25519.PublicKey
	if *pubFile != "" {
		b, err := os.ReadFile(*pubFile)
		if err != nil {
			return usageErr(err)
		}
		if pinned, err = checkpoint.ParsePublicKey(b); err != nil {
			return usageErr(err)
		}
	}
	// An auditor with the public key only (no key file configured, none in
	// the data folder) verifies everything but the seals; nothing is
	// generated on their machine.
	var key ed25519.PrivateKey
	if _, statErr := os.Stat(cfg.AuditKeyPath()); pinned == nil || !cfg.AuditKeyGenerated() || statErr == nil {
		if key, err = loadAuditKey(cfg, log); err != nil {
			return err
		}
	}
	st, err := openStoreWithKey(ctx, cfg, log, key)
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := openObjects(cfg)
	if err != nil {
		return err
	}
	v := &checkpoint.Verifier{Store: st, Reader: checkpoint.NewReader(blobs), PublicKey: pinned}
	if key != nil {
		v = checkpoint.NewVerifier(st, v.Reader, key)
		if pinned != nil {
			v.PublicKey = pinned
		}
	}
	if key == nil || !v.PublicKey.Equal(key.Public()) {
		// The private key at hand, if any, is not the signer's (an
		// auditor's machine): seals cannot be checked, checkpoints can.
		v.SealKey = nil
		fmt.Fprintln(stderr, "audit verify: no signing key matching the pinned public key; event seals are not checked")
	}
	r, err := v.Verify(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(stdout, r); err != nil {
			return err
		}
	} else {
		for _, f := range r.Findings {
			fmt.Fprintf(stdout, "%s: %s\n", f.Kind, f.Message)
		}
		if r.FindingCount > len(r.Findings) {
			fmt.Fprintf(stdout, "... and %d more findings\n", r.FindingCount-len(r.Findings))
		}
	}
	if !r.OK {
		if !*asJSON {
			fmt.Fprintf(
				stdout,
				"audit chain BROKEN: %d findings; first at event %d: %s (%d events, %d checkpoints, %d signatures checked)\n",
				r.FindingCount,
				r.Broken.Seq,
				r.Broken.Reason,
				r.Checked,
				r.Checkpoints,
				r.Signatures,
			)
		}
		return &exitError{code: 1, err: errors.New("audit trail verification failed")}
	}
	if !*asJSON {
		fmt.Fprintf(
			stdout,
			"audit chain OK: %d events, head %d %s; %d checkpoints by key %s, newest covers event %d; %d signatures match their events\n",
			r.Checked,
			r.LastSeq,
			r.LastHash,
			r.Checkpoints,
			r.KeyID,
			r.AnchoredSeq,
			r.Signatures,
		)
	}
	return nil
}
