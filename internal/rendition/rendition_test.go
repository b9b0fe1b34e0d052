package rendition

import (
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/objectstore"
)

func TestKeysAreValidObjectKeys(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	seen := map[string]bool{}
	for _, c := range []struct {
		n          int
		kind, mime string
		suffix     string
	}{
		{1, "page", "image/jpeg", "/page-0001.jpg"},
		{12, "thumb", "image/jpeg", "/thumb-0012.jpg"},
		{1, "page", "image/png", "/page-0001.png"},
		{99999, "page", "image/jpeg", "/page-99999.jpg"},
	} {
		k := Key(sum, c.n, c.kind, c.mime)
		if err := objectstore.ValidKey(k); err != nil {
			t.Errorf("Key = %q: %v", k, err)
		}
		if !strings.HasPrefix(k, "renditions/ab/"+sum+"/") || !strings.HasSuffix(k, c.suffix) {
			t.Errorf("Key = %q, want under renditions/ab/<sum>/ ending %s", k, c.suffix)
		}
		if seen[k] {
			t.Errorf("Key %q repeats", k)
		}
		seen[k] = true
	}
}
