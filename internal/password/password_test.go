package password

import (
	"strings"
	"testing"
)

// cheap keeps the tests fast; production uses Default.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if ok, err := Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if ok, err := Verify("correct horse batterz", h); ok || err != nil {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	h2, _ := Hash("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestDefaultParamsVerify(t *testing.T) {
	h, err := Hash("a long enough password", Default)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := Verify("a long enough password", h); !ok {
		t.Fatal("default params do not verify")
	}
}

func TestMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5",
	} {
		if _, err := Verify("x", h); err != ErrMalformed {
			t.Errorf("Verify(%q) err = %v, want ErrMalformed", h, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := Hash("seed password!", cheap)
	f.Add("seed password!", h)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, hash string) {
		if len(hash) > 4096 {
			return
		}
		_, _ = Verify(pw, hash) // must never panic or hang
	})
}
