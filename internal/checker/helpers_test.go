package checker

import (
	"strconv"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// testLabel is the label of the fictional product the unit tests use.
func testLabel() domain.Label {
	return domain.Label{
		Version:         3,
		ProprietaryName: "ZELTRA",
		EstablishedName: "zeltaparin",
		Indication: "ZELTRA is indicated to reduce the risk of stroke and systemic embolism " +
			"in adults with non-valvular atrial fibrillation.",
		ISIStatements: []string{
			"ZELTRA can cause serious and fatal bleeding.",
			"Do not take ZELTRA if you have active pathological bleeding.",
			"Premature discontinuation of ZELTRA increases the risk of thrombotic events.",
			"Epidural or spinal hematomas may occur in patients treated with ZELTRA who are receiving neuraxial anesthesia.",
		},
		BoxedWarning:  true,
		PIReference:   "Please see full Prescribing Information, including Boxed Warning.",
		LaunchDate:    "2023-01-15",
		OffLabelTerms: []string{"pediatric", "children", "pregnancy", "mechanical heart valves"},
	}
}

// testPreviousLabel is an earlier version of testLabel.
func testPreviousLabel() domain.Label {
	l := testLabel()
	l.Version = 2
	l.ISIStatements = []string{
		"ZELTRA can cause serious and fatal bleeding.",
		"Do not take ZELTRA if you have active bleeding.",
		"ZELTRA is not recommended for patients with prosthetic heart valves or liver disease.",
	}
	return l
}

func testClaims() []domain.Claim {
	return []domain.Claim{
		{ID: "c1", Brand: "ZELTRA", Category: "efficacy",
			Text: "In the ZEAL-AF trial, ZELTRA reduced the risk of stroke or systemic embolism by 21% compared with warfarin " +
				"(1.3% vs 1.6% per year; HR 0.79).",
			Variants: []string{"ZELTRA reduced stroke or systemic embolism by 21% vs warfarin (1.3% vs 1.6% per year)."}},
		{ID: "c2", Brand: "ZELTRA", Category: "dosing", Text: "ZELTRA is taken as one 20 mg tablet once daily with the evening meal."},
		{
			ID:       "c3",
			Brand:    "ZELTRA",
			Category: "safety",
			Text:     "Major bleeding occurred in 3.6% of patients taking ZELTRA and 3.4% of patients taking warfarin.",
		},
	}
}

// compliant is a piece that passes every rule for testLabel.
const compliant = `ZELTRA® (zeltaparin) tablets
Protect your patients with non-valvular AF from stroke
In the ZEAL-AF trial, ZELTRA reduced the risk of stroke or systemic embolism by 21% compared with warfarin ` +
	`(1.3% vs 1.6% per year; HR 0.79).[1]
ZELTRA is taken as one 20 mg tablet once daily with the evening meal.
INDICATION
ZELTRA is indicated to reduce the risk of stroke and systemic embolism in adults with non-valvular atrial fibrillation.
IMPORTANT SAFETY INFORMATION
WARNING: (A) PREMATURE DISCONTINUATION OF ZELTRA INCREASES THE RISK OF THROMBOTIC EVENTS (B) SPINAL/EPIDURAL HEMATOMA
ZELTRA can cause serious and fatal bleeding.
Do not take ZELTRA if you have active pathological bleeding.
Premature discontinuation of ZELTRA increases the risk of thrombotic events.
Epidural or spinal hematomas may occur in patients treated with ZELTRA who are receiving neuraxial anesthesia.
Please see full Prescribing Information, including Boxed Warning.
References: 1. Patel R, et al. Zeltaparin versus warfarin in atrial fibrillation. N Engl J Med. 2022;387:1010-1020.`

// lines turns test text into lines: "\n" separates lines, a line "---"
// starts a new page and a "[14]" prefix gives a line's type size.
func lines(text string) []domain.TextLine {
	var out []domain.TextLine
	page, n := 1, 0
	for _, l := range strings.Split(text, "\n") {
		if l == "---" {
			page++
			n = 0
			continue
		}
		n++
		size := 0.0
		if strings.HasPrefix(l, "[") {
			if i := strings.Index(l, "]"); i > 0 {
				if v, err := strconv.ParseFloat(l[1:i], 64); err == nil {
					size = v
					l = l[i+1:]
				}
			}
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, domain.TextLine{Page: page, Line: n, Text: l, FontSize: size})
	}
	return out
}

// input builds a check of text for testLabel on 2025-06-01.
func input(text string) Input {
	return Input{
		Piece: Piece{Lines: lines(text), MediaType: "text/plain", Channel: "detail_aid", Audience: "hcp", TextStatus: domain.TextOK},
		Label: testLabel(), Claims: testClaims(),
		Now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
	}
}

// replace returns compliant with old replaced by new, panicking if old is
// absent so that a test cannot silently check the unchanged piece.
func replace(old, new string) string {
	if !strings.Contains(compliant, old) {
		panic("test piece does not contain " + strconv.Quote(old))
	}
	return strings.Replace(compliant, old, new, 1)
}

// withLine returns compliant with line added in the promotional body, just
// before "Protect your patients", away from the ISI and the references.
func withLine(line string) string {
	return replace("Protect your patients", line+"\nProtect your patients")
}

func findingsOf(fs []domain.Finding, id string) []domain.Finding {
	var out []domain.Finding
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}
