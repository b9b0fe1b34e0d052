// Command fairshelf is the single Fairshelf binary: the web and API server
// and the operator commands around it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fairshelf:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a process exit code: 2 for usage and configuration
// errors, anything else for failures the command reports itself.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitError{code: 2, err: err} }

// writeJSON writes v to w as indented JSON, the --json output of the
// commands that report.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

const usage = `usage: fairshelf <command> [flags]

commands:
  serve          run the web UI, API and background jobs
  migrate        apply pending database migrations and exit
  audit verify   verify the audit trail against its signed checkpoints
  audit pubkey   print the public key that verifies audit checkpoints
  check FILE     check a file against a brand's label and claims: --brand B
  objects verify re-hash every stored object and report missing or altered ones
  objects restore KEY FILE
                 put back a corrupt object's original bytes from FILE
  user add       add a user: --email E --name N --role ROLE[:BRAND] ... --password-stdin
  user roles E   print the roles of the user with e-mail E
  version        print the version

Configuration comes from FAIRSHELF_* environment variables; see README.md.
Run "fairshelf <command> -h" for a command's flags.
`

// run is the whole program behind main, with its environment passed in so
// that tests can run it in-process: args as in os.Args, getenv for the
// configuration, and the standard streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageErr(errors.New("no command given"))
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, getenv, stdout, stderr)
	case "objects":
		return runObjects(ctx, rest, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "fairshelf", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageErr(fmt.Errorf("unknown command %q", cmd))
	}
}
