package openapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestDocumentIsFormatted keeps the hand-edited file in one layout (two
// spaces, as json.Indent writes it), so that diffs stay readable.
func TestDocumentIsFormatted(t *testing.T) {
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, document); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	if !bytes.Equal(indented.Bytes(), document) {
		t.Error(
			"openapi.json is not formatted with two-space indentation and a final newline (e.g. " +
				"python3 -m json.tool --indent 2 --no-ensure-ascii)",
		)
	}
	if got := Document(); !bytes.Equal(got, document) {
		t.Error("Document() differs from the embedded file")
	}
}
