package checker

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// benchSentences are the kinds of text a long detail aid holds.
var benchSentences = []string{
	"In the ZEAL-AF trial, ZELTRA reduced the risk of stroke or systemic embolism by 21% compared with warfarin " +
		"(1.3% vs 1.6% per year; HR 0.79).[1]",
	"ZELTRA is taken as one 20 mg tablet once daily with the evening meal.",
	"Patients with non-valvular atrial fibrillation face a five-fold higher risk of stroke than the general population.[2]",
	"Major bleeding occurred in 3.6% of patients taking ZELTRA and 3.4% of patients taking warfarin.",
	"Consider renal function before starting therapy and periodically during treatment, as clinically appropriate.",
	"Talk with your patients about the signs of bleeding and when to call their healthcare provider.",
	"The safety profile of ZELTRA was evaluated in more than 14,000 patients across three phase 3 studies.",
	"Once-daily dosing may support adherence in patients who already take several medicines each day.",
	"No routine coagulation monitoring is required; drug interactions with strong CYP3A4 inhibitors should be considered.",
	"Switching from warfarin: stop warfarin and start ZELTRA when the INR is below 3.0.",
}

// benchPiece builds a piece of pages pages of about 40 wrapped lines each,
// with the Important Safety Information on the last page.
func benchPiece(pages int) []domain.TextLine {
	var out []domain.TextLine
	k := 0
	for p := 1; p <= pages; p++ {
		var words []string
		n := 0
		flush := func(size float64) {
			if len(words) > 0 {
				n++
				out = append(out, domain.TextLine{Page: p, Line: n, Text: strings.Join(words, " "), FontSize: size})
				words = words[:0]
			}
		}
		n++
		out = append(out, domain.TextLine{Page: p, Line: n, Text: "ZELTRA® (zeltaparin) tablets — proven protection", FontSize: 24})
		if p == pages {
			isi := slices.Concat([]string{"IMPORTANT SAFETY INFORMATION"}, testLabel().ISIStatements, []string{testLabel().PIReference})
			for _, s := range isi {
				for _, w := range strings.Fields(s) {
					words = append(words, w)
					if len(strings.Join(words, " ")) > 80 {
						flush(9)
					}
				}
				flush(9)
			}
			continue
		}
		for n < 40 {
			for _, w := range strings.Fields(benchSentences[k%len(benchSentences)]) {
				words = append(words, w)
				if len(strings.Join(words, " ")) > 80 {
					flush(11)
				}
			}
			k++
		}
		flush(11)
	}
	return out
}

func BenchmarkCheck20Pages(b *testing.B) {
	rules := DefaultRules()
	in := input("")
	in.Piece.MediaType = "application/pdf"
	in.Piece.Lines = benchPiece(20)
	in.PreviousLabels = []domain.Label{testPreviousLabel()}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		Check(in, rules)
	}
	b.ReportMetric(float64(20*b.N)/time.Since(start).Seconds(), "pages/s")
}

// TestCheckLargePieceIsFast guards against matching that grows faster
// than the text: 1000 pages must be checked in a few seconds even on a
// slow, busy machine.
func TestCheckLargePieceIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	in := input("")
	in.Piece.MediaType = "application/pdf"
	in.Piece.Lines = benchPiece(1000)
	start := time.Now()
	fs := Check(in, DefaultRules())
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("1000 pages took %s", d)
	}
	if len(fs) == 0 {
		t.Fatal("no findings in a piece with unlisted claims")
	}
	// A pathological line: one huge line of repeated phrase starts.
	in.Piece.Lines = []domain.TextLine{{Page: 1, Line: 1, Text: strings.Repeat("fewer fewer than than vs vs risk of risk by 1% ", 20000)}}
	start = time.Now()
	Check(in, DefaultRules())
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("pathological line took %s", d)
	}
}
