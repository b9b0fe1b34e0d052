package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestObjectsVerify uploads through a running server, then checks that
// "objects verify" passes, and fails once a stored object is altered.
func TestObjectsVerify(t *testing.T) {
	dir := t.TempDir()
	getenv := environ("FAIRSHELF_DATA_DIR", dir)
	base, stop := startServe(t, getenv, "--demo")
	token := apiLogin(t, base, "marketer@demo.test")
	assetID := createAsset(t, base, token, "ZEL-CLI-1", "CLI test")
	content := []byte("ZELTRA (zeltaparin) piece text.\n")
	if status, body := postFile(t, base, token, assetID, "piece.txt", content); status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	var out strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "objects", "verify"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "all 3 objects match") {
		t.Fatalf("verify: %v %q", err, out.String())
	}
	var files []string
	filepath.WalkDir(filepath.Join(dir, "objects", "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 3 { // the two demo pieces and ours
		t.Fatalf("stored files: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), "piece text") {
			if err := os.WriteFile(f, []byte("tampered"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	out.Reset()
	err := run(context.Background(), []string{"fairshelf", "objects", "verify"}, getenv, nil, &out, io.Discard)
	if exitCode(err) != 1 || strings.Count(out.String(), "PROBLEM") != 1 {
		t.Fatalf("verify after tampering: %v %q", err, out.String())
	}
}

// apiLogin signs in as the demo user email and returns the API token.
func apiLogin(t *testing.T, base, email string) string {
	t.Helper()
	return demoLogin(t, base, email).Token
}

// loginReply is the answer to a sign-in through the API.
type loginReply struct {
	Token string `json:"token"`
	User  struct {
		Roles []struct{ Role, Brand string } `json:"roles"`
	} `json:"user"`
}

// demoLogin signs in as the demo user email with the documented demo
// password, and fails t unless a token comes back.
func demoLogin(t *testing.T, base, email string) loginReply {
	t.Helper()
	resp, err := http.Post(
		base+"/api/v1/auth/login",
		"application/json",
		strings.NewReader(`{"email":"`+email+`","password":"fairshelf-demo"}`),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v loginReply
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK || v.Token == "" {
		t.Fatalf("login %s: %d %+v %v", email, resp.StatusCode, v, err)
	}
	return v
}

// createAsset creates a ZELTRA email asset for healthcare professionals
// through the API and returns its id.
func createAsset(t *testing.T, base, token, jobCode, title string) string {
	t.Helper()
	body := fmt.Sprintf(`{"job_code":%q,"title":%q,"brand":"ZELTRA","audience":"hcp","channel":"email"}`, jobCode, title)
	return apiJSON(t, http.MethodPost, base+"/api/v1/assets", token, body)["id"].(string)
}

func apiJSON(t *testing.T, method, url, token, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v %v", method, url, resp.StatusCode, v, err)
	}
	return v
}
