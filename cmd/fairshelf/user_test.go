package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestUserAddAndRoles(t *testing.T) {
	getenv := environ("FAIRSHELF_DATA_DIR", t.TempDir())
	ctx := context.Background()
	var out strings.Builder
	err := run(
		ctx,
		[]string{
			"fairshelf",
			"user",
			"add",
			"--email",
			"First.Admin@example.com",
			"--name",
			"First Admin",
			"--role",
			"admin",
			"--role",
			"auditor:*",
			"--password-stdin",
		},
		getenv,
		strings.NewReader("a sound first password\n"),
		&out,
		io.Discard,
	)
	if err != nil || !strings.Contains(out.String(), "created user First Admin") {
		t.Fatalf("user add: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"fairshelf", "user", "roles", "first.admin@EXAMPLE.com"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "admin:*, auditor:*") {
		t.Fatalf("user roles: %v %q", err, out.String())
	}
	// Bad input is a usage error naming the problem.
	addX := []string{"fairshelf", "user", "add", "--email", "x@example.com", "--name", "X"}
	for _, tc := range []struct {
		name, stdin, inError string
		args                 []string
	}{
		{name: "weak password", stdin: "short\n", inError: "password", args: []string{"--password-stdin"}},
		{name: "unknown role", stdin: "a sound password\n", args: []string{"--role", "boss", "--password-stdin"}},
		{name: "missing --password-stdin"},
	} {
		err := run(ctx, append(slices.Clone(addX), tc.args...), getenv, strings.NewReader(tc.stdin), io.Discard, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.inError) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	err = run(ctx, []string{"fairshelf", "user", "roles", "nobody@example.com"}, getenv, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("roles of unknown user succeeded")
	}
}

// TestDemoSeedsOneUserPerRole starts "serve --demo" and signs in as each
// demo user with the documented password.
func TestDemoSeedsOneUserPerRole(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServe(t, environ("FAIRSHELF_DATA_DIR", dir), "--demo")
	for _, who := range []string{"admin", "marketer", "medical", "legal", "regulatory", "rep", "auditor"} {
		if reply := demoLogin(t, base, who+"@demo.test"); len(reply.User.Roles) != 1 {
			t.Fatalf("login %s: roles %+v, want one", who, reply.User.Roles)
		}
	}
	// The demo piece and claims are there, unsigned and unpublished.
	token := apiLogin(t, base, "marketer@demo.test")
	page := apiJSON(t, http.MethodGet, base+"/api/v1/assets?q=ZEL-DEMO-001", token, "")
	assets, _ := page["assets"].([]any)
	if len(assets) != 1 {
		t.Fatalf("demo assets = %v", page)
	}
	claims := apiJSON(t, http.MethodGet, base+"/api/v1/brands/ZELTRA/claims", token, "")
	if list, _ := claims["claims"].([]any); len(list) != 2 {
		t.Fatalf("demo claims = %v", claims)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Seeding again is harmless.
	_, stop = startServe(t, environ("FAIRSHELF_DATA_DIR", dir), "--demo")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
