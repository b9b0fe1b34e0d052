package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestLifecycleModelCheckerRule holds the lifecycle model's one-line rule
// for the fair-balance checker (mDoc.passes) against the checker itself,
// for every generated kind of piece under every kind of label change the
// model makes: the model predicts pass or fail on its own, and this says
// the prediction is the checker's.
func TestLifecycleModelCheckerRule(t *testing.T) {
	base := newLabel()
	labels := map[string]mLabel{"base": base}
	changes := []struct {
		name string
		f    func(l *mLabel)
	}{
		{"isi_added", func(l *mLabel) { l.isi = append(l.isi, modelISIPool[0]) }},
		{"isi_removed", func(l *mLabel) { l.isi = l.isi[1:] }},
		{"indication", func(l *mLabel) { l.indication = "Treatment of adults with condition X or Y." }},
		{"boxed", func(l *mLabel) { l.boxed = true }},
		{"off_label", func(l *mLabel) { l.offLabel = append([]string{"elderly patients"}, l.offLabel...) }},
	}
	// Every combination of the changes, as one later label version.
	for set := 1; set < 1<<len(changes); set++ {
		l := base
		l.isi, l.offLabel, l.previous = slices.Clone(base.isi), slices.Clone(base.offLabel), map[string]bool{}
		for _, st := range base.isi {
			l.previous[st] = true
		}
		l.version++
		var names []string
		for i, c := range changes {
			if set&(1<<i) != 0 {
				c.f(&l)
				names = append(names, c.name)
			}
		}
		labels[strings.Join(names, "+")] = l
	}
	rules := checker.DefaultRules()
	for wname, written := range labels {
		for cname, current := range labels {
			if wname != "base" && cname != wname {
				continue // pieces are written against base or the label in force
			}
			for variant := range 16 {
				text, doc := document("kwmodel", variant, written)
				want := doc.passes(current)
				got := checkerPasses(rules, current, text)
				if got != want {
					t.Errorf("piece %d written for the %s label, checked against the %s label: model says passes=%v, checker %v:\n%s",
						variant, wname, cname, want, got, text)
				}
			}
		}
	}
}

// checkerPasses runs the checker on a plain-text piece, one text line per
// line, as the upload's text extraction gives it.
func checkerPasses(rules checker.Rules, l mLabel, text []byte) bool {
	label := domain.Label{Version: l.version, ProprietaryName: "ZELTRA", EstablishedName: "zeltaparin", Indication: l.indication,
		ISIStatements: l.isi, BoxedWarning: l.boxed, PIReference: "Please see full Prescribing Information.", OffLabelTerms: l.offLabel,
		MaxExpiryMonths: 12, RequiredFunctions: domain.ReviewFunctions, ReviewSLADays: 5}
	var previous []domain.Label
	if len(l.previous) > 0 {
		var isi []string
		for st := range l.previous {
			isi = append(isi, st)
		}
		slices.Sort(isi)
		previous = append(previous, domain.Label{Version: l.version - 1, ProprietaryName: "ZELTRA", EstablishedName: "zeltaparin",
			Indication: l.indication, ISIStatements: isi, PIReference: "Please see full Prescribing Information."})
	}
	var lines []domain.TextLine
	for i, s := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		lines = append(lines, domain.TextLine{Page: 1, Line: i + 1, Text: s})
	}
	findings := checker.Check(checker.Input{
		Piece: checker.Piece{Lines: lines, MediaType: "text/plain", Channel: "detail_aid", Audience: "hcp", TextStatus: domain.TextOK},
		Label: label, PreviousLabels: previous,
	}, rules)
	for _, f := range findings {
		if f.Severity == domain.SeverityError {
			if debugRule {
				fmt.Println("  finding", f.RuleID, f.Message)
			}
			return false
		}
	}
	return true
}

const debugRule = false
