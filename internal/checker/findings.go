package checker

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func (r *run) add(id string, page, line int, excerpt string, vars map[string]string) {
	rule := r.c.rules[id]
	r.findings = append(r.findings, domain.Finding{
		RuleID:   id,
		Severity: rule.Severity,
		Message:  format(rule.Message, vars),
		Excerpt:  excerpt,
		Page:     page,
		Line:     line,
	})
}

// addAt adds a finding for tokens [a, b), citing their sentence.
func (r *run) addAt(id string, a, b int, vars map[string]string) {
	l := r.d.lines[r.d.tokens[a].line]
	r.add(id, l.Page, l.Line, r.excerpt(a, b), vars)
}

// excerpt returns the sentence around tokens [a, b) in the piece's own
// words, at most maxExcerpt characters, cut at word boundaries around the
// tokens when longer.
func (r *run) excerpt(a, b int) string {
	d := r.d
	if a >= b || b > len(d.tokens) {
		return ""
	}
	s1, s2 := d.sentenceOf(a), d.sentenceOf(b-1)
	text, ms, me := d.spanText(s1.start, s2.end, a, b)
	return clip(text, ms, me, maxExcerpt)
}

// clip shortens text to at most limit characters, keeping text[ms:me] and
// cutting at spaces, with "…" where it cut. White space is collapsed.
func clip(text string, ms, me, limit int) string {
	if c := strings.Join(strings.Fields(visible(text)), " "); utf8.RuneCountInString(c) <= limit {
		return c
	}
	rs := []rune(text)
	rms := utf8.RuneCountInString(text[:min(ms, len(text))])
	rme := utf8.RuneCountInString(text[:min(me, len(text))])
	budget := limit - 2
	lo, hi := rms, rme
	if hi-lo > budget {
		hi = lo + budget
	} else {
		extra := budget - (hi - lo)
		lo = max(0, lo-extra/2)
		hi = min(len(rs), hi+extra-(rms-lo))
		lo = max(0, min(lo, hi-budget))
	}
	if lo > 0 && !unicode.IsSpace(rs[lo-1]) { // cut inside a word: skip it
		for k := lo; k < hi && k < rms; k++ {
			if unicode.IsSpace(rs[k]) {
				lo = k + 1
				break
			}
		}
	}
	if hi < len(rs) && !unicode.IsSpace(rs[hi]) {
		for k := hi - 1; k > lo && k >= rme; k-- {
			if unicode.IsSpace(rs[k]) {
				hi = k
				break
			}
		}
	}
	out := strings.Join(strings.Fields(visible(string(rs[lo:hi]))), " ")
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(rs) {
		out += "…"
	}
	if utf8.RuneCountInString(out) > limit { // a single word longer than the limit
		out = string([]rune(out)[:limit-1]) + "…"
	}
	return out
}

// visible drops invisible format characters (soft hyphens, zero-width
// spaces, direction marks) that would only confuse a reader of an excerpt.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// where names the place of a sentence for a message: "page 2, line 7".
func (r *run) where(si int) string {
	l := r.d.lines[r.d.tokens[r.d.sents[si].start].line]
	return fmt.Sprintf("page %d, line %d", l.Page, l.Line)
}
