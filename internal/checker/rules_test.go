package checker

import (
	"slices"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/policies"
)

// TestDefaultRules guards the embedded rules file: DefaultRules panics if
// it is broken.
func TestDefaultRules(t *testing.T) {
	r := DefaultRules()
	if r.Version == "" || r.Similarity != 0.85 {
		t.Errorf("version %q, similarity %v", r.Version, r.Similarity)
	}
	var ids []string
	for _, rule := range r.Rules {
		ids = append(ids, rule.ID)
		if rule.Title == "" {
			t.Errorf("%s has no title", rule.ID)
		}
	}
	slices.Sort(ids)
	want := RuleIDs()
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("configured rules %v, implemented %v", ids, want)
	}
	if rule, _ := r.Rule(RuleHype); rule.Severity != domain.SeverityWarning {
		t.Errorf("FB-HYPE severity %q", rule.Severity)
	}
	if _, ok := r.Rule("FB-NOPE"); ok {
		t.Error("unknown rule found")
	}
	// Callers cannot change the embedded bytes.
	b := policies.CheckerRules()
	b[0] = '!'
	if policies.CheckerRules()[0] == '!' {
		t.Error("CheckerRules returned the embedded slice")
	}
}

func TestLoadRulesRefusesBrokenFiles(t *testing.T) {
	base := string(policies.CheckerRules())
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("rules file does not contain %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"not YAML", "rules: [", "rules file"},
		{"unknown key", edit("version:", "versoin: x\nversion:"), "versoin"},
		{"no version", edit(`version: "`, `version: ""`+"\n#"), "version"},
		{"similarity out of range", edit("similarity: 0.85", "similarity: 85"), "settings.similarity"},
		{"no ISI headings", edit("  isi_headings:\n", "  isi_headings: []\n  old_isi_headings:\n"), "isi_headings"},
		{"duplicate id", edit("id: FB-HYPE", "id: FB-ABSOLUTE"), "used twice"},
		{"unknown id", edit("id: FB-HYPE", "id: FB-HYPER"), "unknown rule id"},
		{"missing rule", edit("id: FB-HYPE", "id: FB-HYPE-OLD"), "FB-HYPE is implemented by the checker but missing"},
		{"unknown severity", edit("id: FB-HYPE\n    severity: warning", "id: FB-HYPE\n    severity: critical"), `not "critical"`},
		{
			"empty message",
			edit(`message: "No text could be read ({reason}). A reviewer must check fair balance by hand."`, `message: ""`),
			"message is empty",
		},
		{"unknown placeholder", edit("({reason})", "({why})"), "{why}"},
		{
			"missing word list",
			edit("    lists:\n      terms:\n        - safe\n", "    lists:\n      words:\n        - safe\n"),
			`"terms" is missing`,
		},
		{
			"unknown word list",
			edit("      allow:\n        - safe place", "      allowed:\n        - safe place"),
			`unknown word list "allowed"`,
		},
		{"missing parameter", edit("      months: 12\n", "      weeks: 52\n"), `parameter "months" is missing`},
		{"parameter out of range", edit("ratio: 0.6", "ratio: 6"), `"ratio" must be between`},
		{"leading gap", edit("        - fewer * than", "        - '* than'"), "must stand between words"},
		{"too many gaps", edit("        - fewer * than", "        - a * b * c * d"), "at most two"},
		{"empty phrase", edit("        - fewer * than", "        - '®'"), "no words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadRules([]byte(tt.yaml))
			if err == nil {
				t.Fatal("LoadRules accepted a broken file")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "checker: ") {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadRulesReportsEveryProblem(t *testing.T) {
	y := strings.NewReplacer("severity: warning", "severity: info", "ratio: 0.6", "ratio: 7").Replace(string(policies.CheckerRules()))
	_, err := LoadRules([]byte(y))
	if err == nil || strings.Count(err.Error(), "\n") < 3 {
		t.Fatalf("want several problems, one per line, got %v", err)
	}
}

func TestRuleMessagesAreEdited(t *testing.T) {
	// A message changed in the file is what the reviewer reads.
	y := strings.Replace(string(policies.CheckerRules()), "Absolute claim \"{term}\": ", "Absolutes are banned ({term}). ", 1)
	rules, err := LoadRules([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	fs := findingsOf(Check(input(replace("Protect your", "ZELTRA is safe.\nProtect your")), rules), RuleAbsolute)
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, "Absolutes are banned (safe). ") {
		t.Fatalf("findings %v", fs)
	}
}

func TestCompilePhrase(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Risk-Free", "w:risk w:free"},
		{"fewer * than", "w:fewer * w:than"},
		{"{n}% lower risk", "n w:% w:lower w:risk"},
		{"{n}x lower", "n w:x w:lower"},
		{"#1", "w:# w:1"},
		{"ＺＥＬＴＲＡ®", "w:zeltra"},
	}
	for _, tt := range tests {
		p, err := compilePhrase(tt.in, nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		var parts []string
		for _, e := range p.elems {
			switch e.kind {
			case eWord:
				parts = append(parts, "w:"+e.text)
			case eNum:
				parts = append(parts, "n")
			case eGap:
				parts = append(parts, "*")
			}
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("compilePhrase(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
