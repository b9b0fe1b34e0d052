package checker

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func TestCompliantPieceHasNoFindings(t *testing.T) {
	for _, media := range []string{"text/plain", "application/pdf", "text/html"} {
		in := input(compliant)
		in.Piece.MediaType = media
		in.PreviousLabels = []domain.Label{testPreviousLabel()}
		if fs := Check(in, DefaultRules()); len(fs) != 0 {
			t.Errorf("%s: compliant piece has findings:\n%s", media, dump(fs))
		}
	}
}

func dump(fs []domain.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s p%d l%d: %s | %q\n", f.RuleID, f.Page, f.Line, f.Message, f.Excerpt)
	}
	return b.String()
}

// ruleCase is one piece and what one rule must say about it.
type ruleCase struct {
	name string
	text string
	mod  func(*Input)
	want int    // findings of the rule: -1 for "at least one"
	msg  string // a finding's message must contain this
	exc  string // a finding's excerpt must contain this
	page int    // the first finding's page and line, when page > 0
	line int
}

func runRuleCases(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	rules := DefaultRules()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := input(tc.text)
			if tc.mod != nil {
				tc.mod(&in)
			}
			fs := Check(in, rules)
			got := findingsOf(fs, rule)
			switch {
			case tc.want < 0 && len(got) == 0:
				t.Fatalf("no %s finding; all findings:\n%s", rule, dump(fs))
			case tc.want >= 0 && len(got) != tc.want:
				t.Fatalf("%d %s findings, want %d:\n%s", len(got), rule, tc.want, dump(fs))
			}
			if len(got) == 0 {
				return
			}
			if tc.msg != "" && !anyHas(got, func(f domain.Finding) string { return f.Message }, tc.msg) {
				t.Errorf("no message contains %q:\n%s", tc.msg, dump(got))
			}
			if tc.exc != "" && !anyHas(got, func(f domain.Finding) string { return f.Excerpt }, tc.exc) {
				t.Errorf("no excerpt contains %q:\n%s", tc.exc, dump(got))
			}
			if tc.page > 0 && (got[0].Page != tc.page || got[0].Line != tc.line) {
				t.Errorf("finding at page %d line %d, want %d/%d", got[0].Page, got[0].Line, tc.page, tc.line)
			}
			for _, f := range got {
				if f.Severity != mustRule(t, rules, rule).Severity {
					t.Errorf("severity %q, want the file's %q", f.Severity, mustRule(t, rules, rule).Severity)
				}
				if utf8.RuneCountInString(f.Excerpt) > maxExcerpt {
					t.Errorf("excerpt of %d characters", utf8.RuneCountInString(f.Excerpt))
				}
				if strings.Contains(f.Message, "{") {
					t.Errorf("unfilled placeholder in %q", f.Message)
				}
			}
		})
	}
}

func anyHas(fs []domain.Finding, field func(domain.Finding) string, sub string) bool {
	for _, f := range fs {
		if strings.Contains(field(f), sub) {
			return true
		}
	}
	return false
}

func mustRule(t *testing.T, rules Rules, id string) Rule {
	t.Helper()
	r, ok := rules.Rule(id)
	if !ok {
		t.Fatalf("rule %s not configured", id)
	}
	return r
}

func TestRuleISIMissing(t *testing.T) {
	runRuleCases(t, RuleISIMissing, []ruleCase{
		{
			name: "statement removed",
			text: replace(
				"Epidural or spinal hematomas may occur in patients treated with ZELTRA who are receiving neuraxial anesthesia.\n",
				"",
			),
			want: 1,
			msg:  `"Epidural or spinal hematomas may occur`,
			exc:  "Protect your patients",
		},
		{
			name: "no ISI at all",
			text: "ZELTRA (zeltaparin) reduces the risk of stroke.\nPlease see full Prescribing Information, including Boxed Warning.",
			want: 4,
		},
		{
			name: "small wording differences",
			text: replace("ZELTRA can cause serious and fatal bleeding.", "ZELTRA® can cause serious, and even fatal, bleeding."),
			want: 0,
		},
		{
			name: "statement split across lines",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA if you\nhave active patho-\nlogical bleeding.",
			),
			want: 0,
		},
		{
			name: "look-alike letters",
			text: replace("ZELTRA can cause serious and fatal bleeding.", "ZЕLTRA саn cause serious and fatal bleeding."),
			want: 0,
		},
		{
			name: "half a statement is not enough",
			text: replace(
				"Epidural or spinal hematomas may occur in patients treated with ZELTRA who are receiving neuraxial anesthesia.",
				"Epidural or spinal hematomas may occur.",
			),
			want: 1,
		},
		{name: "reminder piece without claims needs no ISI", text: "ZELTRA® (zeltaparin) 20 mg tablets\nAsk about ZELTRA.", want: 0,
			mod: func(in *Input) { in.Label.BoxedWarning = false }},
		{
			name: "claims-library claim without product name words",
			text: "Major bleeding occurred in 3.6% of patients taking ZELTRA and 3.4% of patients taking warfarin.",
			want: 4,
		},
	})
}

func TestRuleISIOutdated(t *testing.T) {
	prev := func(in *Input) { in.PreviousLabels = []domain.Label{testPreviousLabel()} }
	runRuleCases(t, RuleISIOutdated, []ruleCase{
		{
			name: "changed statement",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA if you have active bleeding.",
			),
			mod:  prev,
			want: 1,
			msg:  "label version 2",
			exc:  "active bleeding",
			page: 1,
			line: 10,
		},
		{
			name: "removed statement",
			text: replace(
				"Please see full",
				"ZELTRA is not recommended for patients with prosthetic heart valves or liver disease.\nPlease see full",
			),
			mod:  prev,
			want: 1,
			msg:  "prosthetic heart valves",
		},
		{name: "current text", text: compliant, mod: prev, want: 0},
		{
			name: "current text with an extra word",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA® if you have any active pathological bleeding.",
			),
			mod:  prev,
			want: 0,
		},
		{
			name: "no previous labels",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA if you have active bleeding.",
			),
			want: 0,
		},
	})
	// The changed statement also counts as missing: the old text stands
	// for it.
	runRuleCases(t, RuleISIMissing, []ruleCase{
		{
			name: "old text does not stand for the current statement",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA if you have active bleeding.",
			),
			mod:  prev,
			want: 1,
			msg:  "active pathological bleeding",
		},
		{
			name: "extra word with old labels",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA® if you have any active pathological bleeding.",
			),
			mod:  prev,
			want: 0,
		},
		{
			name: "without old labels small differences pass",
			text: replace(
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Do not take ZELTRA if you have active bleeding.",
			),
			want: 0,
		},
	})
}

func TestRulePIMissing(t *testing.T) {
	runRuleCases(t, RulePIMissing, []ruleCase{
		{
			name: "removed",
			text: replace("Please see full Prescribing Information, including Boxed Warning.\n", ""),
			want: 1,
			msg:  "Please see full Prescribing Information",
			page: 0,
		},
		{
			name: "reworded slightly",
			text: replace(
				"Please see full Prescribing Information, including Boxed Warning.",
				"Please see the accompanying full Prescribing Information, including BOXED WARNING.",
			),
			want: 0,
		},
		{
			name: "split across lines",
			text: replace(
				"Please see full Prescribing Information, including Boxed Warning.",
				"Please see full Prescribing\nInformation, including Boxed Warning.",
			),
			want: 0,
		},
		{name: "unbranded piece", text: "Atrial fibrillation raises the risk of stroke. Talk to your doctor.", want: 0},
		{name: "reminder piece of a product without boxed warning", text: "ZELTRA® (zeltaparin) 20 mg tablets", want: 0,
			mod: func(in *Input) { in.Label.BoxedWarning = false }},
	})
}

func TestRuleEstablishedName(t *testing.T) {
	runRuleCases(t, RuleEstablishedName, []ruleCase{
		{
			name: "first mention alone",
			text: replace("ZELTRA® (zeltaparin) tablets", "ZELTRA® tablets"),
			want: 1,
			page: 1,
			line: 1,
			exc:  "ZELTRA® tablets",
		},
		{
			name: "established name on the next line",
			text: replace("ZELTRA® (zeltaparin) tablets", "ZELTRA®\n(zeltaparin) tablets"),
			want: 0,
		},
		{
			name: "established name two lines later",
			text: replace("ZELTRA® (zeltaparin) tablets", "ZELTRA®\ntablets\n(zeltaparin)"),
			want: 1,
		},
		{
			name: "most prominent mention alone",
			text: "[11]ZELTRA (zeltaparin) is an oral anticoagulant.\n[36]ZELTRA\n[11]" + strings.Join(
				strings.Split(compliant, "\n")[1:],
				"\n[11]",
			),
			want: 1,
			page: 1,
			line: 2,
		},
		{name: "trademark sign stuck to the name", text: replace("ZELTRA® (zeltaparin) tablets", "ZELTRA™(zeltaparin) tablets"), want: 0},
	})
}

func TestRuleAbsolute(t *testing.T) {
	runRuleCases(t, RuleAbsolute, []ruleCase{
		{name: "safe", text: withLine("ZELTRA is safe for your patients."), want: 1, msg: `"safe"`, page: 1, line: 2},
		{name: "completely safe counts once", text: withLine("ZELTRA is completely safe."), want: 1, msg: `"completely safe"`},
		{name: "no side effects", text: withLine("Most patients report no side effects."), want: 1},
		{name: "no side effects across lines", text: withLine("Most patients report no side\neffects at all."), want: 1},
		{name: "risk-free broken at line end", text: withLine("A risk-\nfree choice for AF."), want: 1},
		{name: "cure", text: withLine("ZELTRA cures AF-related stroke."), want: 1},
		{name: "guaranteed", text: withLine("Guaranteed protection from stroke."), want: 1},
		{name: "look-alike letters", text: withLine("ZELTRA is sаfе."), want: 1},
		{name: "full-width letters", text: withLine("ZELTRA is ＳＡＦＥ."), want: 1},
		{name: "zero-width space inside", text: withLine("ZELTRA is sa\u200bfe."), want: 1},
		{name: "safety, safely, unsafe", text: withLine("Review the safety profile. Take ZELTRA safely. Stopping is unsafe."), want: 0},
		{name: "Important Safety Information heading", text: compliant, want: 0},
		{name: "safe place", text: withLine("Keep ZELTRA in a safe place."), want: 0},
		{name: "no cure for the disease", text: withLine("There is no cure for atrial fibrillation."), want: 0},
		{name: "not known if safe", text: withLine("It is not known if ZELTRA is safe and effective in adolescents."), want: 0},
		{
			name: "safe inside the ISI",
			text: replace(
				"Premature discontinuation of ZELTRA",
				"Ask your doctor if it is safe to stop.\nPremature discontinuation of ZELTRA",
			),
			want: 0,
		},
		{name: "two in one line", text: withLine("Safe, guaranteed results."), want: 2},
	})
}

func TestRuleHype(t *testing.T) {
	runRuleCases(t, RuleHype, []ruleCase{
		{name: "best", text: withLine("The best anticoagulant for AF."), want: 1, msg: `"best"`},
		{name: "#1", text: withLine("The #1 prescribed anticoagulant."), want: 1, msg: `"#1"`},
		{name: "number one", text: withLine("Number one with cardiologists."), want: 1},
		{name: "breakthrough across lines", text: withLine("A break-\nthrough in stroke prevention."), want: 1},
		{name: "game-changer spellings", text: withLine("A game-changer. A gamechanger. A game changer."), want: -1},
		{name: "revolutionary", text: withLine("Revolutionary protection."), want: 1},
		{name: "best regards", text: withLine("Best regards, the ZELTRA team"), want: 0},
		{name: "best for you", text: withLine("Ask your doctor which treatment is best for you."), want: 0},
		{name: "bestow is not best", text: withLine("Bestow confidence."), want: 0},
		{
			name: "inside a reference",
			text: replace("Zeltaparin versus warfarin", "Best practice in AF: zeltaparin versus warfarin"),
			want: 0,
		},
	})
}

func TestRuleComparative(t *testing.T) {
	runRuleCases(t, RuleComparative, []ruleCase{
		{name: "better than", text: withLine("ZELTRA works better than apixaban."), want: 1, msg: `"better than"`},
		{name: "superior to", text: withLine("ZELTRA is superior to dabigatran for stroke prevention."), want: 1},
		{name: "fewer ... than", text: withLine("Fewer major bleeds than with apixaban."), want: 1},
		{name: "vs a competitor", text: withLine("ZELTRA vs. apixaban: once-daily dosing."), want: 1},
		{name: "reference number in brackets", text: withLine("ZELTRA works better than apixaban.[2]"), want: 0},
		{name: "superscript reference", text: withLine("ZELTRA works better than apixaban.²"), want: 0},
		{name: "glued reference number", text: withLine("ZELTRA works better than apixaban2 in AF."), want: 0},
		{name: "data on file", text: withLine("ZELTRA works better than apixaban (Data on file)."), want: 0},
		{name: "footnote with reference list", text: withLine("ZELTRA works better than apixaban.†"), want: 0},
		{
			name: "footnote without a list",
			text: strings.Replace(
				withLine("ZELTRA works better than apixaban.†"),
				"References: 1. Patel R, et al. Zeltaparin versus warfarin in atrial fibrillation. N Engl J Med. 2022;387:1010-1020.",
				"",
				1,
			),
			want: 1,
		},
		{name: "versus placebo", text: withLine("Fewer strokes with ZELTRA versus placebo."), want: 0},
		{name: "x% vs y%", text: withLine("Stroke rates were 1.3% vs 1.6% per year."), want: 0},
		{name: "versus in the reference list", text: compliant, want: 0},
		{name: "one finding per sentence", text: withLine("ZELTRA is better than and superior to apixaban."), want: 1},
	})
}

func TestRuleClaimUnmatched(t *testing.T) {
	runRuleCases(t, RuleClaimUnmatched, []ruleCase{
		{name: "number not in the library", text: withLine("ZELTRA reduced stroke by 45% in 12 weeks."), want: 1, msg: "45%, 12"},
		{name: "claim with a changed number", text: replace("by 21% compared", "by 31% compared"), want: 1, msg: "31%"},
		{name: "exact claim", text: compliant, want: 0},
		{
			name: "claim variant with trademark",
			text: withLine("ZELTRA® reduced stroke or systemic embolism by 21% vs warfarin (1.3% vs 1.6% per year).[1]"),
			want: 0,
		},
		{
			name: "claim split across lines",
			text: replace(
				"ZELTRA is taken as one 20 mg tablet once daily with the evening meal.",
				"ZELTRA is taken as one 20 mg tablet\nonce daily with the evening meal.",
			),
			want: 0,
		},
		{name: "job code and date", text: compliant + "\nUS-ZEL-0042 03/2025 © 2025 Zeltra Pharma, Inc.", want: 0},
		{name: "numbers without efficacy words", text: withLine("Available in 10 mg and 20 mg tablets."), want: 0},
		{
			name: "numbers in the ISI",
			text: replace("Please see full", "Report side effects to FDA at 1-800-FDA-1088; 5% of patients had bleeding.\nPlease see full"),
			want: 0,
		},
		{name: "percent of people", text: withLine("More than 2 million people have been prescribed ZELTRA."), want: 1},
		{name: "numbers in a reference", text: compliant, want: 0},
	})
}

func TestRuleOffLabel(t *testing.T) {
	runRuleCases(t, RuleOffLabel, []ruleCase{
		{name: "children", text: withLine("Now for adults and children with AF."), want: 1, msg: `"children"`},
		{name: "multi-word term across lines", text: withLine("Also studied in patients with mechanical\nheart valves."), want: 1},
		{name: "pediatric upper case", text: withLine("PEDIATRIC DOSING AVAILABLE"), want: 1},
		{
			name: "inside the ISI",
			text: replace(
				"Premature discontinuation of ZELTRA",
				"Tell your doctor about pregnancy plans.\nPremature discontinuation of ZELTRA",
			),
			want: 0,
		},
		{name: "out of reach of children", text: withLine("Keep out of reach of children."), want: 0},
		{name: "negated", text: withLine("ZELTRA is not approved for pediatric use."), want: 0},
		{name: "not a term", text: withLine("Childhood vaccines are unrelated."), want: 0},
	})
}

func TestRuleRelativeRisk(t *testing.T) {
	// at the top, three lines from the claim with its absolute rates
	add := func(s string) string { return s + "\n" + compliant }
	runRuleCases(t, RuleRelativeRisk, []ruleCase{
		{name: "risk by n%", text: add("ZELTRA cut the risk of stroke by 50%."), want: 1, msg: "50%"},
		{name: "relative risk reduction", text: add("A 21% relative risk reduction."), want: 1},
		{name: "2x lower", text: add("A 2x lower risk of stroke."), want: 1},
		{name: "halved", text: add("ZELTRA halved the rate of stroke."), want: 1},
		{name: "with absolute rates", text: add("ZELTRA cut the risk of stroke by 50% (2% vs 4%)."), want: 0},
		{
			name: "absolute rates on the next line",
			text: add("ZELTRA cut the risk of stroke by 50%.\nStroke occurred in 2% with ZELTRA vs 4% with warfarin."),
			want: 0,
		},
		{name: "absolute risk reduction named", text: add("ZELTRA cut the risk of stroke by 50%; absolute risk reduction 2%."), want: 0},
		{name: "claims-library relative claim with its rates", text: compliant, want: 0},
		{name: "twice a day is dosing", text: add("Never take it twice a day."), want: 0},
	})
}

func TestRuleNewStale(t *testing.T) {
	early := func(in *Input) { in.Now = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC) }
	runRuleCases(t, RuleNewStale, []ruleCase{
		{name: "new treatment after 12 months", text: withLine("A new treatment option for AF."), want: 1, msg: "2023-01-15"},
		{name: "new next to the name", text: withLine("New ZELTRA for AF."), want: 1},
		{name: "introducing", text: withLine("Introducing ZELTRA."), want: 1, msg: `"Introducing"`},
		{name: "now available", text: withLine("Now available in pharmacies."), want: 1},
		{name: "within 12 months", text: withLine("A new treatment option for AF. Introducing ZELTRA."), mod: early, want: 0},
		{
			name: "no launch date", text: withLine("A new treatment option for AF."),
			mod: func(in *Input) { in.Label.LaunchDate = "" }, want: 0,
		},
		{
			name: "no clock", text: withLine("A new treatment option for AF."),
			mod: func(in *Input) { in.Now = time.Time{} }, want: 0,
		},
		{name: "new onset", text: withLine("For patients with new onset AF."), want: 0},
		{name: "new without a product word", text: withLine("Read the new guidelines."), want: 0},
		{
			name: "new medicines in the ISI",
			text: replace(
				"Premature discontinuation of ZELTRA",
				"Tell your doctor about any new medicines.\nPremature discontinuation of ZELTRA",
			),
			want: 0,
		},
		{name: "New England Journal", text: replace("N Engl J Med", "New England Journal of Medicine"), want: 0},
	})
}

func TestRuleBoxed(t *testing.T) {
	reminder := "ZELTRA® (zeltaparin) tablets 10 mg and 20 mg\nAsk your doctor about ZELTRA."
	runRuleCases(t, RuleBoxedReminder, []ruleCase{
		{name: "reminder piece", text: reminder, want: 1, page: 1, line: 1, msg: "not permitted"},
		{name: "reminder piece without boxed warning", text: reminder, mod: func(in *Input) { in.Label.BoxedWarning = false }, want: 0},
		{name: "full piece", text: compliant, want: 0},
		{name: "piece with claims is not a reminder", text: "ZELTRA (zeltaparin) reduces the risk of stroke.", want: 0},
		{name: "unbranded piece", text: "Know the signs of stroke.", want: 0},
	})
	runRuleCases(t, RuleBoxedWarningAbsent, []ruleCase{
		{
			name: "no WARNING heading",
			text: replace(
				"WARNING: (A) PREMATURE DISCONTINUATION OF ZELTRA INCREASES THE RISK OF THROMBOTIC EVENTS (B) SPINAL/EPIDURAL HEMATOMA\n",
				"",
			),
			want: 1,
			page: 0,
		},
		{
			name: "PI reference's Boxed Warning does not count",
			text: strings.Replace(
				replace(
					"WARNING: (A) PREMATURE DISCONTINUATION OF ZELTRA INCREASES THE RISK OF THROMBOTIC EVENTS "+
						"(B) SPINAL/EPIDURAL HEMATOMA\n",
					"",
				),
				"including Boxed Warning",
				"including BOXED WARNING",
				1,
			),
			want: 1,
		},
		{name: "heading present", text: compliant, want: 0},
		{
			name: "lower-case warning in text is not a heading",
			text: replace(
				"WARNING: (A) PREMATURE DISCONTINUATION OF ZELTRA INCREASES THE RISK OF THROMBOTIC EVENTS (B) SPINAL/EPIDURAL HEMATOMA\n",
				"Heed every warning sign.\n",
			),
			want: 1,
		},
		{
			name: "product without boxed warning",
			text: replace(
				"WARNING: (A) PREMATURE DISCONTINUATION OF ZELTRA INCREASES THE RISK OF THROMBOTIC EVENTS (B) SPINAL/EPIDURAL HEMATOMA\n",
				"",
			),
			mod:  func(in *Input) { in.Label.BoxedWarning = false },
			want: 0,
		},
	})
}

func TestRuleEmailUnsubscribe(t *testing.T) {
	email := func(in *Input) { in.Piece.Channel = "email" }
	runRuleCases(t, RuleEmailUnsubscribe, []ruleCase{
		{name: "no link", text: compliant, mod: email, want: 1, page: 0},
		{name: "unsubscribe", text: compliant + "\nTo stop these e-mails, Unsubscribe here.", mod: email, want: 0},
		{name: "opt out", text: compliant + "\nYou may opt-\nout at any time.", mod: email, want: 0},
		{name: "manage preferences", text: compliant + "\nManage preferences", mod: email, want: 0},
		{name: "not an e-mail", text: compliant, want: 0},
	})
}

func TestRuleISIFont(t *testing.T) {
	sized := func(claims, isi string) string {
		var b strings.Builder
		inISI := false
		for _, l := range strings.Split(compliant, "\n") {
			if strings.HasPrefix(l, "IMPORTANT SAFETY") {
				inISI = true
			}
			if inISI {
				b.WriteString("[" + isi + "]")
			} else {
				b.WriteString("[" + claims + "]")
			}
			b.WriteString(l + "\n")
		}
		return b.String()
	}
	pdf := func(in *Input) { in.Piece.MediaType = "application/pdf" }
	runRuleCases(t, RuleISIFont, []ruleCase{
		{name: "tiny ISI", text: sized("14", "6.5"), mod: pdf, want: 1, msg: "6.5 pt type, less than 0.6 × the 14 pt", page: 1, line: 8},
		{name: "comparable ISI", text: sized("14", "10"), mod: pdf, want: 0},
		{name: "not a PDF", text: sized("14", "6.5"), want: 0},
		{name: "sizes unknown", text: compliant, mod: pdf, want: 0},
	})
}

func TestRuleManualReview(t *testing.T) {
	rules := DefaultRules()
	tests := []struct {
		name       string
		piece      Piece
		wantReason string
	}{
		{
			"failed",
			Piece{TextStatus: domain.TextFailed, TextError: "The PDF is password-protected; upload an unprotected copy."},
			"text extraction failed: The PDF is password-protected; upload an unprotected copy",
		},
		{"empty", Piece{TextStatus: domain.TextEmpty, MediaType: "application/pdf"}, "no extractable text"},
		{"image", Piece{TextStatus: domain.TextNotApplicable, MediaType: "image/png"}, "images and video"},
		{"ok without lines", Piece{TextStatus: domain.TextOK}, "the piece has no text"},
		{
			"only blank and invisible text",
			Piece{TextStatus: domain.TextOK, Lines: []domain.TextLine{{Page: 1, Line: 1, Text: " \u200b\u00a0"}}},
			"the piece has no text",
		},
		{"unknown status without lines", Piece{}, "the piece has no text"},
		{"failed despite lines", Piece{TextStatus: domain.TextFailed, Lines: lines(compliant)}, "text extraction failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input("")
			in.Piece = tt.piece
			in.Piece.Channel = "email"
			fs := Check(in, rules)
			if len(fs) != 1 || fs[0].RuleID != RuleManualReview || fs[0].Severity != domain.SeverityError {
				t.Fatalf("want exactly one FB-MANUAL-REVIEW error, got:\n%s", dump(fs))
			}
			if !strings.Contains(fs[0].Message, tt.wantReason) || !strings.Contains(fs[0].Message, "by hand") {
				t.Errorf("message %q does not give the reason %q", fs[0].Message, tt.wantReason)
			}
		})
	}
}

func TestCheckOrderAndDeterminism(t *testing.T) {
	text := "ZELTRA is the best, safe and new.\n---\nBetter than apixaban for children.\n" + compliant
	in := input(text)
	in.Piece.Channel = "email"
	// Lines given out of order are checked in page and line order.
	shuffled := in
	shuffled.Piece.Lines = append([]domain.TextLine(nil), in.Piece.Lines...)
	for i, j := 0, len(shuffled.Piece.Lines)-1; i < j; i, j = i+1, j-1 {
		shuffled.Piece.Lines[i], shuffled.Piece.Lines[j] = shuffled.Piece.Lines[j], shuffled.Piece.Lines[i]
	}
	a, b := Check(in, DefaultRules()), Check(shuffled, DefaultRules())
	if dump(a) != dump(b) {
		t.Fatalf("findings depend on line order:\n%s\nvs\n%s", dump(a), dump(b))
	}
	for i := 1; i < len(a); i++ {
		p, c := a[i-1], a[i]
		if p.Page > c.Page || p.Page == c.Page && (p.Line > c.Line || p.Line == c.Line && p.RuleID > c.RuleID) {
			t.Fatalf("findings out of order at %d:\n%s", i, dump(a))
		}
	}
	if len(a) < 6 {
		t.Fatalf("expected several findings:\n%s", dump(a))
	}
}

func TestCheckZeroRulesUsesDefault(t *testing.T) {
	in := input("ZELTRA is safe.")
	if dump(Check(in, Rules{})) != dump(Check(in, DefaultRules())) {
		t.Fatal("zero Rules differs from DefaultRules")
	}
}

func TestCheckOddLabels(t *testing.T) {
	// A label with empty fields (not valid, but the checker must cope) and
	// odd text must not panic or pass silently.
	in := input("ZELTRA reduces stroke by 21%.")
	in.Label = domain.Label{
		ProprietaryName: "®",
		EstablishedName: "",
		ISIStatements:   []string{"", "   "},
		OffLabelTerms:   []string{"", "*"},
		LaunchDate:      "soon",
	}
	in.Claims = []domain.Claim{{Text: ""}, {Text: "™"}}
	fs := Check(in, DefaultRules())
	for _, f := range fs {
		if f.RuleID == RuleManualReview {
			t.Fatalf("odd label made the check fail:\n%s", dump(fs))
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("patients with atrial fibrillation often ask about options, ", 3)
	text := replace(
		"Protect your patients",
		long+"Many say ZELTRA is safe for them and their families every day of the week, "+long+"\nProtect your patients",
	)
	fs := findingsOf(Check(input(text), DefaultRules()), RuleAbsolute)
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %d", len(fs))
	}
	e := fs[0].Excerpt
	if n := utf8.RuneCountInString(e); n > maxExcerpt || n < 100 {
		t.Errorf("excerpt has %d characters: %q", n, e)
	}
	if !strings.Contains(e, "ZELTRA is safe") || !strings.HasPrefix(e, "…") || !strings.HasSuffix(e, "…") {
		t.Errorf("excerpt %q does not show the match with ellipses", e)
	}
	for _, w := range strings.Fields(strings.Trim(e, "…")) {
		if !strings.Contains(text, w) {
			t.Errorf("excerpt cut inside a word: %q", w)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		text   string
		ms, me int
		limit  int
		want   string
	}{
		{"short  text", 0, 5, 20, "short text"},
		{"one two three four five six", 8, 13, 16, "…two three four…"},
		{"one two three four five six", 8, 13, 14, "…three…"},
		{"aaaaaaaaaaaaaaaaaaaa", 0, 20, 10, "aaaaaaaa…"},
		{"alpha beta gamma delta", 17, 22, 14, "…gamma delta"},
	}
	for _, tt := range tests {
		got := clip(tt.text, tt.ms, tt.me, tt.limit)
		if got != tt.want || utf8.RuneCountInString(got) > tt.limit {
			t.Errorf("clip(%q, %d, %d, %d) = %q, want %q", tt.text, tt.ms, tt.me, tt.limit, got, tt.want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(compliant, "application/pdf")
	f.Add("ZELTRA is safe.\n---\nbetter than x.1 [2", "text/html")
	f.Add("risk-\n-\n\u00ad\n%.1,2 vs. 3", "text/plain")
	rules := DefaultRules()
	f.Fuzz(func(t *testing.T, text, media string) {
		in := input(text)
		in.Piece.MediaType = media
		in.Piece.Channel = "email"
		in.PreviousLabels = []domain.Label{testPreviousLabel()}
		fs := Check(in, rules)
		if len(fs) == 0 {
			t.Fatal("an e-mail without unsubscribe text passed")
		}
		for _, f := range fs {
			if f.RuleID == RuleManualReview && strings.Contains(f.Message, "could not complete") {
				t.Fatalf("the check panicked on %q", text)
			}
			if utf8.RuneCountInString(f.Excerpt) > maxExcerpt {
				t.Fatalf("excerpt too long: %q", f.Excerpt)
			}
		}
	})
}
