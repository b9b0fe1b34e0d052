package domain

import (
	"strings"
	"testing"
)

func TestThrottleLimits(t *testing.T) {
	l := ThrottleLimits{PerAccount: 5, PerAddress: 50}
	for _, tc := range []struct {
		acct, addr int64
		want       string
	}{{0, 0, ""}, {4, 49, ""}, {5, 0, "account"}, {0, 50, "address"}, {9, 99, "account"}} {
		if got := l.Throttled(tc.acct, tc.addr); got != tc.want {
			t.Errorf("Throttled(%d, %d) = %q, want %q", tc.acct, tc.addr, got, tc.want)
		}
	}
}

func TestThrottleAuditDue(t *testing.T) {
	var due []int64
	for n := int64(1); n <= 10000; n++ {
		if ThrottleAuditDue(n) {
			due = append(due, n)
		}
	}
	if len(due) != 5 || due[0] != 1 || due[4] != 10000 {
		t.Fatalf("audited counts = %v, want 1, 10, 100, 1000, 10000", due)
	}
}

func TestClipUntrusted(t *testing.T) {
	if ClipUntrusted("a@example.com") != "a@example.com" {
		t.Fatal("short input changed")
	}
	long := strings.Repeat("é", 900_000) + "@example.com"
	got := ClipUntrusted(long)
	if len(got) > MaxUntrustedText+40 || !strings.Contains(got, "truncated") || !strings.HasPrefix(long, strings.Split(got, "…[")[0]) {
		t.Fatalf("clipped to %d bytes: %q", len(got), got[len(got)-40:])
	}
	if k := ThrottleKey(long); len(k) > MaxUntrustedText {
		t.Fatalf("key of %d bytes", len(k))
	}
}
