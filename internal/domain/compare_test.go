package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pages makes text-only pages 1, 2, ... from texts.
func pages(texts ...string) []PageText {
	ps := make([]PageText, len(texts))
	for i, t := range texts {
		ps[i] = PageText{Page: i + 1, Text: t}
	}
	return ps
}

// laidOut makes pages 1, 2, ... with boxes from texts.
func laidOut(texts ...string) []PageText {
	ps := make([]PageText, len(texts))
	for i, t := range texts {
		ps[i] = layout(i+1, t)
	}
	return ps
}

// summary is what a redline shows of a change.
type summary struct {
	Kind          string
	Page, OldPage int
	Old, New      string
}

func summarize(cs []TextChange) []summary {
	out := []summary{}
	for _, c := range cs {
		out = append(out, summary{c.Kind, c.Page, c.OldPage, c.Old, c.New})
	}
	return out
}

const (
	efficacy = "ZELTRA reduced the risk of stroke by 35% compared with warfarin"
	bleeding = "ZELTRA can cause serious and sometimes fatal bleeding. Do not stop taking ZELTRA without talking to your doctor."
	dosing   = "The recommended dose is 5 mg taken orally twice daily with or without food."
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new []PageText
		want     []summary
	}{
		{"number changed", pages(efficacy), pages(strings.Replace(efficacy, "35%", "45%", 1)),
			[]summary{{ChangeReplace, 1, 1, "35%", "45%"}}},
		{"words inserted", pages(efficacy), pages(strings.Replace(efficacy, "stroke", "stroke and systemic embolism", 1)),
			[]summary{{ChangeInsert, 1, 1, "", "and systemic embolism"}}},
		{"words deleted", pages(bleeding), pages(strings.Replace(bleeding, " and sometimes fatal", "", 1)),
			[]summary{{ChangeDelete, 1, 1, "and sometimes fatal", ""}}},
		{"sentence end changed", pages(efficacy + ".\n" + dosing), pages(efficacy + " in adults.\n" + dosing),
			[]summary{{ChangeInsert, 1, 1, "", "in adults"}}},
		{"punctuation only", pages(bleeding), pages(strings.Replace(bleeding, "bleeding.", "bleeding;", 1)),
			[]summary{{ChangeReplace, 1, 1, ".", ";"}}},
		{"two edits", pages(efficacy + ". " + dosing), pages(strings.Replace(efficacy, "35%", "45%", 1) + ". " +
			strings.Replace(dosing, "5 mg", "2.5 mg", 1)),
			[]summary{{ChangeReplace, 1, 1, "35%", "45%"}, {ChangeReplace, 1, 1, "5", "2.5"}}},
		{"case and white space", pages("ZELTRA  reduced the\nrisk"), pages("Zeltra reduced the risk"), []summary{}},
		{"ligatures", pages("See full Prescribing Information for ﬁrst-line eﬃcacy"),
			pages("See full Prescribing Information for first-line efficacy"), []summary{}},
		{"hyphenation", pages("reduced the risk of stro-\nke by 35%"), pages("reduced the risk of stroke by\n35%"), []summary{}},
		{"hyphen at a line end kept in a compound", pages("take once-\ndaily"), pages("take once-daily"), []summary{}},
		{"typographic quotes and dashes", pages("the \u201cSPARC\u201d trial \u2014 2021\u20132023"),
			pages("the \"SPARC\" trial - 2021-2023"), []summary{}},
		{"text moving across a page break", pages(efficacy+". "+dosing, bleeding), pages(efficacy+".", dosing+" "+bleeding), []summary{}},
		{"moved paragraph", pages("Indication.\n" + dosing + "\n" + bleeding), pages(dosing + "\nIndication.\n" + bleeding),
			[]summary{{ChangeDelete, 1, 1, "Indication.", ""}, {ChangeInsert, 1, 1, "", "Indication."}}},
		{"insert on a later page", pages(efficacy, bleeding), pages(efficacy, "Important Safety Information "+bleeding),
			[]summary{{ChangeInsert, 2, 2, "", "Important Safety Information"}}},
		{"delete at the end", pages(efficacy, bleeding), pages(efficacy),
			[]summary{{ChangeDelete, 1, 2, bleeding, ""}}},
		{"both empty", nil, nil, []summary{}},
		{"empty pages", pages("", " \n "), pages(""), []summary{}},
		{"all new", nil, pages("ZELTRA 5 mg"), []summary{{ChangeInsert, 1, 0, "", "ZELTRA 5 mg"}}},
		{"all gone", pages("ZELTRA 5 mg"), pages(""), []summary{{ChangeDelete, 1, 1, "ZELTRA 5 mg", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.old, tc.new)
			if s := summarize(got); !slices.Equal(s, tc.want) {
				t.Errorf("Compare =\n%+v\nwant\n%+v", s, tc.want)
			}
			checkChanges(t, tc.old, tc.new, got)
		})
	}
}

func TestCompareSplitsAtPageBreaks(t *testing.T) {
	old := pages("ZELTRA reduced the risk of stroke.", "Important Safety Information")
	new := pages("ZELTRA reduced the risk of stroke and systemic embolism",
		"in patients with atrial fibrillation. Important Safety Information")
	// The words before the full stop are inserted, across a page break.
	want := []summary{
		{ChangeInsert, 1, 1, "", "and systemic embolism"},
		{ChangeInsert, 2, 1, "", "in patients with atrial fibrillation"},
	}
	if got := summarize(Compare(old, new)); !slices.Equal(got, want) {
		t.Errorf("Compare =\n%+v\nwant\n%+v", got, want)
	}
	// Removed words on two pages of the old version make one change per page,
	// both marked where the full stop now is.
	want = []summary{{ChangeDelete, 1, 1, "and systemic embolism", ""}, {ChangeDelete, 1, 2, "in patients with atrial fibrillation", ""}}
	if got := summarize(Compare(new, old)); !slices.Equal(got, want) {
		t.Errorf("Compare back =\n%+v\nwant\n%+v", got, want)
	}
	old = pages("ZELTRA reduced the risk", "and systemic embolism", "in patients with AF.")
	new = pages("ZELTRA reduced the risk", "in patients with AF.")
	if got := summarize(Compare(old, new)); !slices.Equal(got, []summary{{ChangeDelete, 2, 2, "and systemic embolism", ""}}) {
		t.Errorf("Compare of a removed page =\n%+v", got)
	}
}

func TestCompareRects(t *testing.T) {
	old := laidOut("ZELTRA reduced the risk\nof stroke by 35% compared\nwith warfarin.")
	new := laidOut("ZELTRA reduced the risk\nof stroke and systemic\nembolism by 45% compared\nwith warfarin.")
	got := Compare(old, new)
	want := []summary{{ChangeInsert, 1, 1, "", "and systemic embolism"}, {ChangeReplace, 1, 1, "35%", "45%"}}
	if s := summarize(got); !slices.Equal(s, want) {
		t.Fatalf("Compare =\n%+v\nwant\n%+v", s, want)
	}
	// "and systemic" ends line two, "embolism" starts line three.
	if r := got[0].Rects; !nearAll(r, []Rect{{X: 0.15, Y: 0.07, W: 0.12, H: 0.015}, {X: 0.05, Y: 0.09, W: 0.08, H: 0.015}}) {
		t.Errorf("insert rects = %+v", r)
	}
	if len(got[0].OldRects) != 0 || got[0].OldRects == nil {
		t.Errorf("insert old rects = %#v, want empty", got[0].OldRects)
	}
	if r := got[1].Rects; !nearAll(r, []Rect{{X: 0.17, Y: 0.09, W: 0.03, H: 0.015}}) {
		t.Errorf("replace rects = %+v", r)
	}
	if r := got[1].OldRects; !nearAll(r, []Rect{{X: 0.18, Y: 0.07, W: 0.03, H: 0.015}}) {
		t.Errorf("replace old rects = %+v", r)
	}

	// A delete is marked by a thin rect where the next word of the new version starts.
	got = Compare(new, old)
	want = []summary{{ChangeDelete, 1, 1, "and systemic embolism", ""}, {ChangeReplace, 1, 1, "45%", "35%"}}
	if s := summarize(got); !slices.Equal(s, want) {
		t.Fatalf("Compare back = %+v", s)
	}
	// "by" starts at column 10 of line two in the old text.
	if r := got[0].Rects; !nearAll(r, []Rect{{X: 0.148, Y: 0.07, W: 0.004, H: 0.015}}) {
		t.Errorf("delete marker = %+v", r)
	}
	if r := got[0].OldRects; len(r) != 2 {
		t.Errorf("deleted words' old rects = %+v, want two lines", r)
	}
	// Past the last word the marker sits at the end of the text.
	got = Compare(laidOut("ZELTRA 5 mg twice daily"), laidOut("ZELTRA 5 mg"))
	if len(got) != 1 || !nearAll(got[0].Rects, []Rect{{X: 0.158, Y: 0.05, W: 0.004, H: 0.015}}) {
		t.Errorf("delete at the end = %+v", got)
	}
	// Text-only pieces have no rects, but empty ones.
	for _, c := range Compare(pages(efficacy), pages(strings.Replace(efficacy, "35%", "45%", 1))) {
		if c.Rects == nil || c.OldRects == nil || len(c.Rects)+len(c.OldRects) != 0 {
			t.Errorf("text-only change rects = %#v, %#v", c.Rects, c.OldRects)
		}
	}
}

func TestCompareBeyondTheEditBound(t *testing.T) {
	defer func(n int) { maxEdits = n }(maxEdits)
	// Twelve word edits on three lines: over the bound word by word, within
	// it line by line and within each changed line.
	maxEdits = 8
	var oldLines, newLines []string
	for i := range 30 {
		line := fmt.Sprintf("Line %d of the Important Safety Information for ZELTRA tablets", i)
		oldLines = append(oldLines, line)
		if i%10 == 4 {
			line = strings.NewReplacer("Important", "Essential", "ZELTRA", "ZELTRA-XR").Replace(line)
		}
		newLines = append(newLines, line)
	}
	old, new := pages(strings.Join(oldLines, "\n")), pages(strings.Join(newLines, "\n"))
	got := Compare(old, new)
	checkChanges(t, old, new, got)
	want := []summary{}
	for range 3 {
		want = append(want, summary{ChangeReplace, 1, 1, "Important", "Essential"}, summary{ChangeReplace, 1, 1, "ZELTRA", "ZELTRA-XR"})
	}
	if s := summarize(got); !slices.Equal(s, want) {
		t.Errorf("Compare by lines =\n%+v\nwant\n%+v", s, want)
	}
	// A changed line over the bound becomes one replace.
	maxEdits = 4
	got = Compare(pages("a b c\nd e f\ng h i"), pages("a x c\nd e f\nu v w"))
	want = []summary{{ChangeReplace, 1, 1, "b", "x"}, {ChangeReplace, 1, 1, "g h i", "u v w"}}
	if s := summarize(got); !slices.Equal(s, want) {
		t.Errorf("Compare of a rewritten line = %+v, want %+v", s, want)
	}
	// Lines changed beyond the bound become one replace.
	got = Compare(pages("a b c\nd e f\ng h i"), pages("a x c\nd y f\nu v w"))
	want = []summary{{ChangeReplace, 1, 1, "b c d e f g h i", "x c d y f u v w"}}
	if s := summarize(got); !slices.Equal(s, want) {
		t.Errorf("Compare of rewritten lines = %+v, want %+v", s, want)
	}
}

func TestAnchorStatus(t *testing.T) {
	old := laidOut("ZELTRA reduced the risk\nof stroke by 35% compared\nwith warfarin.", "ZELTRA can cause serious\nbleeding.")
	new := laidOut("ZELTRA reduced the risk\nof stroke by 45% compared\nwith warfarin.", "ZELTRA can cause bleeding.")
	changes := Compare(old, new)
	if s := summarize(changes); !slices.Equal(s, []summary{{ChangeReplace, 1, 1, "35%", "45%"}, {ChangeDelete, 2, 2, "serious", ""}}) {
		t.Fatalf("Compare = %+v", s)
	}
	for _, tc := range []struct {
		name  string
		page  int
		rect  Rect
		quote string
		want  string
	}{
		{"quote unchanged", 1, Rect{}, "reduced the risk of stroke", ThreadOpen},
		{"quote unchanged, other page", 2, Rect{}, "with warfarin", ThreadOpen},
		{"quote changed", 1, Rect{}, "stroke by 35%", ThreadAddressed},
		{"quote removed", 2, Rect{}, "serious", ThreadRemoved},
		{"quote partly removed", 2, Rect{}, "serious bleeding", ThreadAddressed},
		{"quote not in the old version", 1, Rect{}, "systemic embolism", ThreadAddressed},
		{"region over a change", 1, Rect{X: 0.15, Y: 0.075, W: 0.1, H: 0.02}, "", ThreadAddressed},
		{"region elsewhere", 1, Rect{X: 0.5, Y: 0.5, W: 0.2, H: 0.2}, "", ThreadOpen},
		{"region on another page", 2, Rect{X: 0.15, Y: 0.075, W: 0.1, H: 0.02}, "", ThreadOpen},
	} {
		if got := AnchorStatus(old, new, changes, tc.page, tc.rect, tc.quote); got != tc.want {
			t.Errorf("%s: AnchorStatus(%d, %+v, %q) = %s, want %s", tc.name, tc.page, tc.rect, tc.quote, got, tc.want)
		}
	}
	// Words replaced by others are addressed, not removed.
	old, new = pages(bleeding), pages(strings.Replace(bleeding, "serious and sometimes fatal", "severe", 1))
	if got := AnchorStatus(old, new, Compare(old, new), 1, Rect{}, "sometimes fatal"); got != ThreadAddressed {
		t.Errorf("replaced quote: %s, want %s", got, ThreadAddressed)
	}
	if got := AnchorStatus(nil, nil, nil, 1, Rect{}, ""); got != ThreadOpen {
		t.Errorf("nothing: %s, want %s", got, ThreadOpen)
	}
}

// checkChanges asserts that changes are a consistent redline from old to
// new: each change's kind fits its words, the words of Old (New) run in
// order through the old (new) text, and both texts keep as many words.
func checkChanges(t testing.TB, old, new []PageText, changes []TextChange) {
	t.Helper()
	keys := map[string]int32{}
	ow, nw := readVersion(old, keys).words, readVersion(new, keys).words
	wordsOf := func(s string) []int32 {
		var k []int32
		for _, w := range readVersion([]PageText{{Text: s}}, keys).words {
			k = append(k, w.key)
		}
		return k
	}
	// follow finds the words of s in text at or after *at.
	follow := func(text []word, s string, at *int, what string, c TextChange) int {
		ws := wordsOf(s)
		for i := *at; i+len(ws) <= len(text); i++ {
			if slices.EqualFunc(text[i:i+len(ws)], ws, func(w word, k int32) bool { return w.key == k }) {
				*at = i + len(ws)
				return len(ws)
			}
		}
		t.Fatalf("%s words of %+v not found in order in the %s text", what, c, what)
		return 0
	}
	var oi, ni, removed, added int
	for _, c := range changes {
		switch {
		case c.Kind == ChangeInsert && c.Old == "" && c.New != "":
		case c.Kind == ChangeDelete && c.Old != "" && c.New == "":
		case c.Kind == ChangeReplace && c.Old != "" && c.New != "":
		default:
			t.Fatalf("inconsistent change %+v", c)
		}
		removed += follow(ow, c.Old, &oi, "old", c)
		added += follow(nw, c.New, &ni, "new", c)
	}
	if len(ow)-removed != len(nw)-added {
		t.Fatalf("%d old words less %d removed is not %d new words less %d added", len(ow), removed, len(nw), added)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add(efficacy, strings.Replace(efficacy, "35%", "45%", 1))
	f.Add(bleeding+"\f"+dosing, dosing+"\f"+bleeding)
	f.Add("reduced the risk of stro-\nke", "reduced the risk of stroke")
	f.Add("ﬁrst-line eﬃcacy \u201cSPARC\u201d", "first line efficacy \"SPARC\"")
	f.Add("", "ZELTRA")
	f.Add("a a a b a a", "a b a a a a")
	f.Add("once-\n(daily) \u00ad\n- x", "once - daily \u00ad x")
	f.Fuzz(func(t *testing.T, a, b string) {
		split := func(s string) []PageText {
			var ps []PageText
			for i, p := range strings.Split(s, "\f") {
				ps = append(ps, layout(i+1, p))
			}
			return ps
		}
		old, new := split(a), split(b)
		changes := Compare(old, new)
		checkChanges(t, old, new, changes)
		for _, c := range changes {
			AnchorStatus(old, new, changes, c.OldPage, Rect{X: 0.1, Y: 0.1, W: 0.5, H: 0.5}, c.Old)
		}
	})
}

// document makes a document of n pages of about 500 words each, in lines
// of 12 words.
func document(rng *rand.Rand, n int) [][]string {
	vocabulary := strings.Fields(efficacy + " " + bleeding + " " + dosing +
		" patients atrial fibrillation embolism anticoagulant hemorrhage adverse reactions clinical trials 2.5 mg 10% placebo")
	doc := make([][]string, n)
	for p := range doc {
		for range 500 {
			doc[p] = append(doc[p], vocabulary[rng.IntN(len(vocabulary))])
		}
	}
	return doc
}

func render(doc [][]string) []PageText {
	ps := make([]PageText, len(doc))
	for i, words := range doc {
		var sb strings.Builder
		for j, w := range words {
			switch {
			case j == 0:
			case j%12 == 0:
				sb.WriteByte('\n')
			default:
				sb.WriteByte(' ')
			}
			sb.WriteString(w)
		}
		ps[i] = layout(i+1, sb.String())
	}
	return ps
}

func BenchmarkCompare20Pages(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	doc := document(rng, 20)
	old := render(doc)
	for e := range 30 {
		p := rng.IntN(len(doc))
		i := rng.IntN(len(doc[p]))
		switch e % 3 {
		case 0:
			doc[p][i] = "ZELTRA-XR"
		case 1:
			doc[p] = slices.Insert(doc[p], i, "in", "adults")
		default:
			doc[p] = slices.Delete(doc[p], i, i+1)
		}
	}
	new := render(doc)
	var changes []TextChange
	for b.Loop() {
		changes = Compare(old, new)
	}
	b.ReportMetric(float64(len(changes)), "changes")
}

// BenchmarkCompareRewrite compares two unrelated 100-page documents (50,000
// words each), the worst case, which the edit bound keeps in check.
func BenchmarkCompareRewrite(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	old, new := render(document(rng, 100)), render(document(rng, 100))
	var changes []TextChange
	for b.Loop() {
		changes = Compare(old, new)
	}
	b.ReportMetric(float64(len(changes)), "changes")
}
