package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	for in, want := range map[string]string{
		"Detail Aid v3.pdf":               "Detail Aid v3.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\mira\Deck.pptx`:         "Deck.pptx",
		"..":                              "file",
		"":                                "file",
		".hidden.pdf":                     "hidden.pdf",
		"a\x00b\nc.pdf":                   "abc.pdf",
		"evil\u202egnp.exe":               "evilgnp.exe",
		`re"port<1>|?.pdf`:                "re_port_1___.pdf",
		"  lots   of\tspace  .pdf ":       "lots of space .pdf",
		"Zeltra – Patientenbroschüre.pdf": "Zeltra – Patientenbroschüre.pdf",
	} {
		if got := SanitizeFilename(in); got != want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("ä", 300) + ".pdf"
	got := SanitizeFilename(long)
	if len(got) > 200 || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("long name -> %q (%d bytes)", got, len(got))
	}
}

func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"a.pdf", "../x", `..\..\y.docx`, "\u202e", strings.Repeat("é", 150) + ".pptx", "\xff\xfe.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeFilename(in)
		if out == "" || len(out) > 200 || !utf8.ValidString(out) {
			t.Fatalf("SanitizeFilename(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, "/\\\x00\r\n\"") || out == "." || out == ".." || strings.HasPrefix(out, ".") {
			t.Fatalf("unsafe result %q from %q", out, in)
		}
		if SanitizeFilename(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, SanitizeFilename(out))
		}
	})
}

func TestNewAssetValidate(t *testing.T) {
	a := NewAsset{
		JobCode:  " ZEL-HCP-0042 ",
		Title:    "  Detail   aid ",
		Brand:    "ZELTRA",
		Audience: "hcp",
		Channel:  "detail_aid",
		Tags:     []string{"Launch", "launch ", ""},
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.JobCode != "ZEL-HCP-0042" || a.Title != "Detail aid" || len(a.Tags) != 1 || a.Tags[0] != "launch" {
		t.Fatalf("not normalized: %+v", a)
	}
	bad := NewAsset{JobCode: "x", Audience: "everyone", Channel: "fax"}
	f := ErrorFields(bad.Validate())
	for _, k := range []string{"job_code", "title", "brand", "audience", "channel"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
}

func TestNewBrandValidate(t *testing.T) {
	b := NewBrand{
		Code: "ZELTRA",
		Name: "Zeltra",
		Label: Label{
			ProprietaryName: "ZELTRA",
			EstablishedName: "zeltaparin",
			Indication:      "Adults with X.",
			ISIStatements:   []string{"Serious bleeding may occur."},
			PIReference:     "See full Prescribing Information",
		},
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if b.Label.MaxExpiryMonths != 12 || len(b.Label.RequiredFunctions) != 3 {
		t.Fatalf("defaults not applied: %+v", b.Label)
	}
	b.Label.RequiredFunctions = []string{"medical", "medical"}
	b.Label.LaunchDate = "2026-13-01"
	f := ErrorFields(b.Validate())
	if f["label.required_functions"] == "" || f["label.launch_date"] == "" {
		t.Fatalf("fields = %v", f)
	}
}
