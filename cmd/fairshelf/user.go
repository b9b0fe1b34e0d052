package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
)

// roleFlags collects repeated --role ROLE[:BRAND] flags.
type roleFlags []domain.RoleAssignment

func (r *roleFlags) String() string { return fmt.Sprint(*r) }

func (r *roleFlags) Set(v string) error {
	a, err := domain.ParseRoleAssignment(v)
	if err != nil {
		return errors.New(domain.ErrorMessage(err))
	}
	*r = append(*r, a)
	return nil
}

// cliActor is recorded in the audit trail for changes made from the command
// line, where there is no signed-in user.
var cliActor = domain.Actor{Name: "fairshelf command line"}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		return usageErr(errors.New("usage: fairshelf user add|roles [flags]"))
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "roles":
		return runUserRoles(ctx, args[1:], getenv, stdout, stderr)
	default:
		return usageErr(fmt.Errorf("unknown user command %q (add, roles)", args[0]))
	}
}

// runUserAdd creates a user, typically the first administrator. The
// password is read from standard input so that it never appears in the
// process list or shell history.
func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "e-mail address (sign-in name)")
	name := fs.String("name", "", "full name, printed on signatures")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	var roles roleFlags
	fs.Var(&roles, "role", "ROLE or ROLE:BRAND; repeat for several (ROLE alone means all brands)")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if !*fromStdin {
		return usageErr(errors.New("user add: pass --password-stdin and give the password on standard input"))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	in := domain.NewUser{Email: *email, DisplayName: *name, Password: strings.TrimRight(line, "\r\n"), Roles: roles}
	if err := in.Validate(); err != nil {
		return usageErr(fmt.Errorf("user add: %s", fieldsLine(err)))
	}
	st, _, err := storeFromEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	hash, err := password.Hash(in.Password, password.Default)
	if err != nil {
		return err
	}
	u, err := st.CreateUser(ctx, cliActor, in, hash)
	if err != nil {
		return fmt.Errorf("user add: %s", fieldsLine(err))
	}
	fmt.Fprintf(stdout, "created user %s <%s> id %s roles %s\n", u.DisplayName, u.Email, u.ID, rolesLine(u.Roles))
	return nil
}

func runUserRoles(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return usageErr(errors.New("usage: fairshelf user roles EMAIL"))
	}
	st, _, err := storeFromEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.CredentialsByEmail(ctx, args[0])
	if err != nil {
		return fmt.Errorf("user roles: %s", domain.ErrorMessage(err))
	}
	status := ""
	if c.User.Disabled {
		status = " (disabled)"
	}
	fmt.Fprintf(stdout, "%s <%s>%s: %s\n", c.User.DisplayName, c.User.Email, status, rolesLine(c.User.Roles))
	return nil
}

func rolesLine(roles []domain.RoleAssignment) string {
	if len(roles) == 0 {
		return "no roles"
	}
	parts := make([]string, len(roles))
	for i, a := range roles {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// fieldsLine renders an error with its field messages on one line.
func fieldsLine(err error) string {
	msg := domain.ErrorMessage(err)
	for k, v := range domain.ErrorFields(err) {
		msg += " " + k + ": " + v
	}
	return msg
}
