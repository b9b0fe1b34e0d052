package checker

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// wordMatches returns the matches of a rule's "terms" list in the claims
// area, without those inside an "allow" phrase or after a negation.
func (r *run) wordMatches(rule *compiledRule, terms *phraseSet) []match {
	d := r.d
	allow := rule.list("allow").find(d)
	negs := rule.list("negations").find(d)
	var out []match
	for _, m := range terms.find(d) {
		if !r.claimsArea(m) || inside(m, allow) || d.negated(m, negs, 10) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// checkWords reports every word of the rule's list (absolute words, hype)
// once per line.
func (r *run) checkWords(id string) {
	rule := r.c.rules[id]
	terms := rule.list("terms")
	seen := map[string]bool{}
	for _, m := range r.wordMatches(rule, terms) {
		term := terms.pats[m.pat].src
		key := fmt.Sprint(r.d.tokens[m.start].line, "\x00", term)
		if seen[key] {
			continue
		}
		seen[key] = true
		r.addAt(id, m.start, m.end, map[string]string{"term": r.matchedText(m, term)})
	}
}

// matchedText returns the words of m as the piece writes them, or the
// list's phrase if that fails.
func (r *run) matchedText(m match, fallback string) string {
	text, ms, me := r.d.spanText(m.start, m.end, m.start, m.end)
	if t := strings.Join(strings.Fields(text[ms:me]), " "); t != "" && utf8.RuneCountInString(t) <= 80 {
		return t
	}
	return fallback
}

// checkOffLabel reports the label's off-label terms outside safety text.
func (r *run) checkOffLabel() {
	var pats []pattern
	for _, t := range r.in.Label.OffLabelTerms {
		if p, err := compilePhrase(t, nil); err == nil && strings.TrimSpace(t) != "" {
			pats = append(pats, p)
		}
	}
	if len(pats) == 0 {
		return
	}
	rule := r.c.rules[RuleOffLabel]
	terms := newPhraseSet(pats)
	seen := map[string]bool{}
	for _, m := range r.wordMatches(rule, terms) {
		key := fmt.Sprint(r.d.tokens[m.start].line, "\x00", m.pat)
		if seen[key] {
			continue
		}
		seen[key] = true
		r.addAt(RuleOffLabel, m.start, m.end, map[string]string{"term": terms.pats[m.pat].src})
	}
}

// checkNew reports "new" wording more than the rule's months after launch.
func (r *run) checkNew() {
	launch, err := time.Parse(time.DateOnly, strings.TrimSpace(r.in.Label.LaunchDate))
	if err != nil || r.in.Now.IsZero() {
		return
	}
	rule := r.c.rules[RuleNewStale]
	months := int(rule.Params["months"])
	if !r.in.Now.After(launch.AddDate(0, months, 0)) {
		return
	}
	d := r.d
	vars := func(term string) map[string]string {
		return map[string]string{"term": term, "launch_date": launch.Format(time.DateOnly), "months": fmt.Sprint(months)}
	}
	for _, m := range r.wordMatches(rule, rule.list("terms")) {
		r.addAt(RuleNewStale, m.start, m.end, vars(r.matchedText(m, rule.list("terms").pats[m.pat].src)))
	}
	near := map[int]bool{}
	for _, m := range append(rule.list("near").find(d), append(slices.Clone(r.names), r.estNames...)...) {
		for t := m.start; t < m.end; t++ {
			near[t] = true
		}
	}
	for _, m := range r.wordMatches(rule, rule.list("qualified")) {
		sent := d.tokens[m.start].sent
		close := false
		for t := max(0, m.start-4); t < min(len(d.tokens), m.end+4); t++ {
			if near[t] && d.tokens[t].sent == sent && (t < m.start || t >= m.end) {
				close = true
				break
			}
		}
		if close {
			r.addAt(RuleNewStale, m.start, m.end, vars(r.matchedText(m, rule.list("qualified").pats[m.pat].src)))
		}
	}
}

// checkUnsubscribe requires an unsubscribe or opt-out text in e-mails.
func (r *run) checkUnsubscribe() {
	if r.in.Piece.Channel != "email" {
		return
	}
	if len(r.c.rules[RuleEmailUnsubscribe].list("terms").find(r.d)) > 0 {
		return
	}
	r.add(RuleEmailUnsubscribe, 0, 0, "", nil)
}
