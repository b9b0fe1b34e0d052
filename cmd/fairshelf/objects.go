package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/fairshelf/fairshelf/internal/object"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// runObjects re-hashes every stored object against the database (whole
// SHA-256 and every block), for the periodic integrity check an auditor
// expects of a regulated archive. serve's scrub does the same continuously;
// a problem found here raises the same alarm (the object is marked corrupt
// and refused, audited, and administrators are notified).
func runObjects(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 3 && args[0] == "restore" {
		return runObjectsRestore(ctx, args[1], args[2], getenv, stdout, stderr)
	}
	if len(args) != 1 || args[0] != "verify" {
		return usageErr(errors.New("usage: fairshelf objects verify | fairshelf objects restore KEY FILE"))
	}
	lib, closeStore, err := openObjectServiceForCLI(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	r, err := lib.VerifyObjects(ctx)
	if err != nil {
		return err
	}
	for _, p := range r.Problems {
		fmt.Fprintf(stdout, "PROBLEM %s: %s\n", p.Key, p.Problem)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(stdout, "objects verify: %d of %d objects have problems\n", len(r.Problems), r.Checked)
		return &exitError{code: 1, err: errors.New("object verification failed")}
	}
	fmt.Fprintf(stdout, "objects verify: all %d objects match their recorded SHA-256 and block hashes\n", r.Checked)
	return nil
}

// runObjectsRestore puts back the original bytes of an object marked
// corrupt from FILE (a backup copy), which must match the object's recorded
// size and SHA-256, and serves it again. The restore is audited.
func runObjectsRestore(ctx context.Context, key, file string, getenv func(string) string, stdout, stderr io.Writer) error {
	lib, closeStore, err := openObjectServiceForCLI(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeStore()
	f, err := os.Open(file)
	if err != nil {
		return usageErr(err)
	}
	defer f.Close()
	if err := lib.Restore(ctx, domain.Actor{Name: "fairshelf objects restore"}, key, f); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "objects restore: %s matches its recorded hashes again and is served\n", key)
	return nil
}

// openObjectServiceForCLI opens the configured database, object store and
// library for the objects commands; the caller calls closeStore when done.
func openObjectServiceForCLI(
	ctx context.Context,
	getenv func(string) string,
	stderr io.Writer,
) (lib *object.Service, closeStore func(), err error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := openObjects(cfg)
	if err == nil {
		lib, err = openObjectService(cfg, st, blobs, log)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return lib, func() { st.Close() }, nil
}
