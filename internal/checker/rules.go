package checker

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/policies"
)

// Rule ids. They are stable: compliance reports, waivers and the rules file
// refer to them.
const (
	RuleManualReview       = "FB-MANUAL-REVIEW"
	RuleISIMissing         = "FB-ISI-MISSING"
	RuleISIOutdated        = "FB-ISI-OUTDATED"
	RulePIMissing          = "FB-PI-MISSING"
	RuleEstablishedName    = "FB-ESTABLISHED-NAME"
	RuleAbsolute           = "FB-ABSOLUTE"
	RuleHype               = "FB-HYPE"
	RuleComparative        = "FB-COMPARATIVE"
	RuleClaimUnmatched     = "FB-CLAIM-UNMATCHED"
	RuleOffLabel           = "FB-OFF-LABEL"
	RuleRelativeRisk       = "FB-RELATIVE-RISK"
	RuleNewStale           = "FB-NEW-STALE"
	RuleBoxedReminder      = "FB-BOXED-REMINDER"
	RuleBoxedWarningAbsent = "FB-BOXED-WARNING-MISSING"
	RuleEmailUnsubscribe   = "FB-EMAIL-UNSUBSCRIBE"
	RuleISIFont            = "FB-ISI-FONT"
)

// ruleSpec is what the engine expects of a rule in the file: which word
// lists it reads (required or optional), which numeric parameters, and
// which placeholders its message may use.
type ruleSpec struct {
	id           string
	lists        []string // required
	optional     []string // optional lists
	params       []string // required, each with its valid range below
	placeholders []string
}

var specs = []ruleSpec{
	{id: RuleManualReview, placeholders: []string{"reason"}},
	{id: RuleISIMissing, lists: []string{"efficacy"}, placeholders: []string{"statement", "where"}},
	{id: RuleISIOutdated, placeholders: []string{"statement", "label_version"}},
	{id: RulePIMissing, placeholders: []string{"pi_reference"}},
	{id: RuleEstablishedName, placeholders: []string{"name", "established"}},
	{id: RuleAbsolute, lists: []string{"terms"}, optional: []string{"allow", "negations"}, placeholders: []string{"term"}},
	{id: RuleHype, lists: []string{"terms"}, optional: []string{"allow", "negations"}, placeholders: []string{"term"}},
	{
		id:           RuleComparative,
		lists:        []string{"terms", "markers"},
		optional:     []string{"comparators_exempt", "allow"},
		placeholders: []string{"term"},
	},
	{
		id:           RuleClaimUnmatched,
		lists:        []string{"terms"},
		optional:     []string{"negations"},
		params:       []string{"numbers_similarity"},
		placeholders: []string{"numbers"},
	},
	{id: RuleOffLabel, optional: []string{"allow", "negations"}, placeholders: []string{"term"}},
	{id: RuleRelativeRisk, lists: []string{"terms", "absolute"}, optional: []string{"allow"}, placeholders: []string{"term"}},
	{
		id:           RuleNewStale,
		lists:        []string{"terms"},
		optional:     []string{"qualified", "near", "allow"},
		params:       []string{"months"},
		placeholders: []string{"term", "launch_date", "months"},
	},
	{id: RuleBoxedReminder, placeholders: []string{"name"}},
	{id: RuleBoxedWarningAbsent, placeholders: []string{"name"}},
	{id: RuleEmailUnsubscribe, lists: []string{"terms"}},
	{id: RuleISIFont, params: []string{"ratio"}, placeholders: []string{"isi_size", "claim_size", "ratio"}},
}

// paramRange bounds each numeric parameter, so that a typo ("ratio: 6")
// is refused instead of silently disabling a rule.
var paramRange = map[string][2]float64{
	"months":             {1, 120},
	"ratio":              {0.05, 1},
	"numbers_similarity": {0.5, 1},
}

// Rules is the parsed rules file (policies/checker_rules.yaml): a version
// that every compliance report records, shared settings and one Rule per
// rule the engine implements. A Rules value is read-only after LoadRules and
// safe for concurrent use. The zero Rules is not loaded; Check then uses
// DefaultRules.
type Rules struct {
	// Version identifies the rules file; compliance reports record it.
	Version string
	// Similarity is the share of a statement's words (ISI statement, PI
	// reference, indication, claim) that must appear together for the
	// statement to count as present.
	Similarity float64
	// ISIHeadings open the Important Safety Information section.
	ISIHeadings []string
	// ReferenceHeadings open a list of references or footnotes.
	ReferenceHeadings []string
	// ISIWords are words of safety text: a line naming the product with an
	// efficacy word and none of these ends an ISI section.
	ISIWords []string
	// Rules are the rules in file order.
	Rules []Rule

	c *compiled
}

// Rule is one rule of the file.
type Rule struct {
	ID       string
	Severity string // domain.SeverityError or domain.SeverityWarning
	Title    string // a short name for lists and the documentation
	Message  string // what the reviewer reads, with {placeholders}
	Lists    map[string][]string
	Params   map[string]float64
}

// Rule returns the rule with the given id.
func (r Rules) Rule(id string) (Rule, bool) {
	for _, x := range r.Rules {
		if x.ID == id {
			return x, true
		}
	}
	return Rule{}, false
}

// compiled holds the matchers built from a Rules value.
type compiled struct {
	rules       map[string]*compiledRule
	isiHeadings []pattern
	refHeadings []pattern
	isiWords    []pattern
	// keepHyphen holds hyphenated words of the rules ("risk-free" as
	// "riskfree"), so that one broken at a line end keeps its hyphen.
	keepHyphen map[string]bool
}

type compiledRule struct {
	Rule
	lists map[string]*phraseSet
}

// list returns the compiled list, or an empty one for an optional list
// the file leaves out.
func (c *compiledRule) list(name string) *phraseSet {
	if s := c.lists[name]; s != nil {
		return s
	}
	return &phraseSet{}
}

// file is the YAML layout.
type file struct {
	Version  string `yaml:"version"`
	Settings struct {
		Similarity        float64  `yaml:"similarity"`
		ISIHeadings       []string `yaml:"isi_headings"`
		ReferenceHeadings []string `yaml:"reference_headings"`
		ISIWords          []string `yaml:"isi_words"`
	} `yaml:"settings"`
	Rules []struct {
		ID       string              `yaml:"id"`
		Severity string              `yaml:"severity"`
		Title    string              `yaml:"title"`
		Message  string              `yaml:"message"`
		Lists    map[string][]string `yaml:"lists"`
		Params   map[string]float64  `yaml:"params"`
	} `yaml:"rules"`
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// LoadRules parses and validates a rules file. It refuses unknown keys,
// duplicate or unknown rule ids, a rule the engine implements that the file
// leaves out, unknown severities, empty messages or placeholders the rule
// does not fill, missing or unknown word lists and parameters, parameters
// out of range, and phrases that cannot be matched (empty, or a "*" at
// either end). Every problem is reported, each on its own line, in an error
// prefixed "checker: ".
func LoadRules(data []byte) (Rules, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return Rules{}, fmt.Errorf("checker: rules file: %w", err)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	r := Rules{
		Version:           strings.TrimSpace(f.Version),
		Similarity:        f.Settings.Similarity,
		ISIHeadings:       f.Settings.ISIHeadings,
		ReferenceHeadings: f.Settings.ReferenceHeadings,
		ISIWords:          f.Settings.ISIWords,
	}
	c := &compiled{rules: map[string]*compiledRule{}, keepHyphen: map[string]bool{}}
	if r.Version == "" {
		bad("version: set a version, e.g. \"2026.11-1\"")
	}
	if r.Similarity < 0.5 || r.Similarity > 1 {
		bad("settings.similarity: use a share between 0.5 and 1, not %v", r.Similarity)
	}
	var err error
	if c.isiHeadings, err = compilePhrases(r.ISIHeadings, c.keepHyphen); err != nil || len(c.isiHeadings) == 0 {
		bad("settings.isi_headings: %v", orEmpty(err))
	}
	if c.refHeadings, err = compilePhrases(r.ReferenceHeadings, c.keepHyphen); err != nil || len(c.refHeadings) == 0 {
		bad("settings.reference_headings: %v", orEmpty(err))
	}
	if c.isiWords, err = compilePhrases(r.ISIWords, c.keepHyphen); err != nil || len(c.isiWords) == 0 {
		bad("settings.isi_words: %v", orEmpty(err))
	}

	for i, fr := range f.Rules {
		where := fmt.Sprintf("rules[%d] (%s)", i, fr.ID)
		spec, ok := specOf(fr.ID)
		if !ok {
			bad("%s: unknown rule id; the checker implements %s", where, strings.Join(ruleIDs(), ", "))
			continue
		}
		if _, dup := c.rules[fr.ID]; dup {
			bad("%s: the id is used twice", where)
			continue
		}
		if fr.Severity != domain.SeverityError && fr.Severity != domain.SeverityWarning {
			bad("%s: severity must be %q or %q, not %q", where, domain.SeverityError, domain.SeverityWarning, fr.Severity)
		}
		if strings.TrimSpace(fr.Message) == "" {
			bad("%s: the message is empty", where)
		}
		for _, m := range placeholderRE.FindAllStringSubmatch(fr.Message, -1) {
			if !slices.Contains(spec.placeholders, m[1]) {
				bad("%s: the message uses {%s}, which this rule does not fill (it knows %s)", where, m[1], orNone(spec.placeholders))
			}
		}
		cr := &compiledRule{
			Rule: Rule{ID: fr.ID, Severity: fr.Severity, Title: strings.TrimSpace(fr.Title), Message: strings.TrimSpace(fr.Message),
				Lists: fr.Lists, Params: fr.Params},
			lists: map[string]*phraseSet{},
		}
		for _, name := range spec.lists {
			if len(fr.Lists[name]) == 0 {
				bad("%s: the word list %q is missing or empty", where, name)
			}
		}
		for name, words := range fr.Lists {
			if !slices.Contains(spec.lists, name) && !slices.Contains(spec.optional, name) {
				bad("%s: unknown word list %q; this rule reads %s", where, name, orNone(slices.Concat(spec.lists, spec.optional)))
				continue
			}
			pats, err := compilePhrases(words, c.keepHyphen)
			if err != nil {
				bad("%s: list %q: %v", where, name, err)
				continue
			}
			cr.lists[name] = newPhraseSet(pats)
		}
		for _, name := range spec.params {
			v, ok := fr.Params[name]
			rg := paramRange[name]
			if !ok {
				bad("%s: the parameter %q is missing", where, name)
			} else if v < rg[0] || v > rg[1] {
				bad("%s: the parameter %q must be between %v and %v, not %v", where, name, rg[0], rg[1], v)
			}
		}
		for name := range fr.Params {
			if !slices.Contains(spec.params, name) {
				bad("%s: unknown parameter %q", where, name)
			}
		}
		c.rules[fr.ID] = cr
		r.Rules = append(r.Rules, cr.Rule)
	}
	for _, s := range specs {
		if _, ok := c.rules[s.id]; !ok && !hasUnknownID(f, s.id) {
			bad("rule %s is implemented by the checker but missing from the file", s.id)
		}
	}
	if len(errs) > 0 {
		return Rules{}, fmt.Errorf("checker: rules file is not valid:\n%w", errors.Join(errs...))
	}
	r.c = c
	return r, nil
}

// hasUnknownID reports whether the file names id; a rule refused for
// another reason should not also be reported as missing.
func hasUnknownID(f file, id string) bool {
	for _, r := range f.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// DefaultRules returns the embedded rules file, policies/checker_rules.yaml.
// It panics only if that file is broken, which a test guards against.
func DefaultRules() Rules {
	r, err := LoadRules(policies.CheckerRules())
	if err != nil {
		panic(err)
	}
	return r
}

// RuleIDs returns the ids of the rules the engine implements, in the order
// of the documentation.
func RuleIDs() []string { return ruleIDs() }

func ruleIDs() []string {
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.id
	}
	return ids
}

func specOf(id string) (ruleSpec, bool) {
	for _, s := range specs {
		if s.id == id {
			return s, true
		}
	}
	return ruleSpec{}, false
}

func orEmpty(err error) string {
	if err != nil {
		return err.Error()
	}
	return "list at least one phrase"
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return "{" + strings.Join(names, "}, {") + "}"
}

// format fills the {placeholders} of msg from vars.
func format(msg string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(msg, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// formatSize writes a type size without trailing zeros: 9, 7.5.
func formatSize(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
