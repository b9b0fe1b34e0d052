package checker

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower case and spaces", "  ZELTRA   Reduces\tStroke \n", "zeltra reduces stroke"},
		{"registered sign stuck to a name", "ZELTRA® (zeltaparin)", "zeltra (zeltaparin)"},
		{"trademark and copyright", "Zeltra™ ©2025", "zeltra 2025"},
		{"Cyrillic look-alikes", "ZЕLTRА is sаfе", "zeltra is safe"}, // Е, А, а, е are Cyrillic
		{"Cyrillic lower case", "сurе орех", "cure opex"},            // с у р е о х
		{"Greek omicron", "Nο side effects", "no side effects"},      // ο is Greek
		{"Greek capitals", "ΖΕLΤRΑ", "zeltra"},                       // Ζ Ε Τ Α are Greek
		{"full-width letters", "ＺＥＬＴＲＡ １００％", "zeltra 100%"},
		{"ligatures", "eﬃcacy and ﬁrst-in-class, ﬂexible", "efficacy and first-in-class, flexible"},
		{"non-breaking and thin spaces", "risk\u00a0free\u2009choice\u202fnow", "risk free choice now"},
		{"zero-width characters join", "sa\u200bfe gu\u200carant\u200deed\ufeff", "safe guaranteed"},
		{"soft hyphen joins", "break\u00adthrough", "breakthrough"},
		{"curly quotes", "“Best” it’s ‘new’", "\"best\" it's 'new'"},
		{"dashes and minus", "risk–free risk—free risk‑free −5", "risk-free risk-free risk-free -5"},
		{"accents dropped", "Café naïve ZÉLTRA", "cafe naive zeltra"},
		{"superscript reference digits", "warfarin¹²", "warfarin12"},
		{"multiplication sign", "2× the risk", "2x the risk"},
		{"controls dropped", "safe\x00\x07ty", "safety"},
		{"bidi override dropped", "sa\u202efe", "safe"},
		{"line separator", "one\u2028two", "one two"},
		{"invalid UTF-8 dropped", "sa\xfffe", "safe"},
		{"empty", "", ""},
		{"only spaces", " \t\u00a0\n", ""},
		{"dotless and dotted i", "İnfo ınfo", "info info"},
		{"Kelvin and Ohm signs", "\u212a\u2126", "kω"},
		{"ellipsis", "more…", "more..."},
		{"keeps symbols", "p<0.05, #1, 50%", "p<0.05, #1, 50%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Normalize(tt.in)
			if n.Text != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, n.Text, tt.want)
			}
			checkNormalized(t, tt.in, n)
		})
	}
}

// checkNormalized verifies the invariants of a Normalized: idempotent,
// one in-range, non-decreasing source offset per byte.
func checkNormalized(t *testing.T, in string, n Normalized) {
	t.Helper()
	if !utf8.ValidString(n.Text) {
		t.Fatalf("Normalize(%q) = %q is not valid UTF-8", in, n.Text)
	}
	if again := Normalize(n.Text).Text; again != n.Text {
		t.Fatalf("not idempotent: Normalize(%q) = %q, again %q", in, n.Text, again)
	}
	if len(n.Src) != len(n.Text) {
		t.Fatalf("len(Src) = %d, len(Text) = %d", len(n.Src), len(n.Text))
	}
	for i, o := range n.Src {
		if o < 0 || o >= len(in) {
			t.Fatalf("Src[%d] = %d outside the input of %d bytes", i, o, len(in))
		}
		if i > 0 && o < n.Src[i-1] {
			t.Fatalf("Src not monotonic at %d: %d after %d", i, o, n.Src[i-1])
		}
	}
	if strings.HasPrefix(n.Text, " ") || strings.HasSuffix(n.Text, " ") || strings.Contains(n.Text, "  ") {
		t.Fatalf("white space not collapsed: %q", n.Text)
	}
}

func TestNormalizeSourceSpan(t *testing.T) {
	tests := []struct {
		in, find, want string
	}{
		{"Take ZELTRA® daily", "zeltra", "ZELTRA"},
		{"ZELTRA® daily", "zeltra daily", "ZELTRA® daily"},
		{"the ﬁrst choice", "first", "ﬁrst"},
		{"is sаfе here", "safe", "sаfе"}, // Cyrillic а, е
		{"no   side\u00a0effects", "no side effects", "no   side\u00a0effects"},
		{"ＺＥＬＴＲＡ works", "zeltra", "ＺＥＬＴＲＡ"},
		{"sa\u200bfe", "safe", "sa\u200bfe"},
		{"Café", "cafe", "Café"},
		{"x ﬁ", "f", "ﬁ"}, // half a ligature maps to the whole character
	}
	for _, tt := range tests {
		n := Normalize(tt.in)
		i := strings.Index(n.Text, tt.find)
		if i < 0 {
			t.Fatalf("%q not in %q", tt.find, n.Text)
		}
		a, b := n.SourceSpan(tt.in, i, i+len(tt.find))
		if got := tt.in[a:b]; got != tt.want {
			t.Errorf("SourceSpan of %q in %q = %q, want %q", tt.find, tt.in, got, tt.want)
		}
	}
	// clamping
	n := Normalize("abc")
	if a, b := n.SourceSpan("abc", -5, 99); a != 0 || b != 3 {
		t.Errorf("clamped span = %d,%d, want 0,3", a, b)
	}
	if a, b := n.SourceSpan("abc", 3, 3); a != 3 || b != 3 {
		t.Errorf("empty span at end = %d,%d, want 3,3", a, b)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"ZELTRA® reduces", "ZЕLTRА sаfе", "ＺＥＬＴＲＡ", "ﬁrst", "\u00a0\u200b\ufeff", "“best”", "risk–free",
		"warfarin¹²", "İı", "\xff\xfe", "a\u0301\u0302", "\u212a\u2126\u00b5", "ǅǈǋ", "ﾊﾟ", "㍿", "\u1e9e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		checkNormalized(t, s, n)
		if len(n.Text) > 0 {
			a, b := n.SourceSpan(s, 0, len(n.Text))
			if a < 0 || b > len(s) || a > b {
				t.Fatalf("SourceSpan(0, %d) = %d,%d outside %d bytes", len(n.Text), a, b, len(s))
			}
		}
	})
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want string // tokens joined by |, markers suffixed with ^
	}{
		{"ZELTRA's benefit", "zeltra|benefit"},
		{"don't stop", "don't|stop"},
		{"p<0.05 and 1,000 patients", "p|<|0.05|and|1,000|patients"},
		{"#1 in 100% of cases", "#|1|in|100|%|of|cases"},
		{"2x lower", "2|x|lower"},
		{"risk-free", "risk|free"},
		{"than warfarin.1 Next", "than|warfarin|1^|next"},
		{"than warfarin1,2 next", "than|warfarin|1^|2^|next"},
		{"reduced by 35%.3", "reduced|by|35|%|3^"},
		{"data [1,2] and [3-5]", "data|1^|2^|and|3^|5^"},
		{"in 2023 trial", "in|2023|trial"},
		{"1,2 mg", "1|2|mg"},
		{"B12 level", "b|12|level"},
		{"A1C below 7%", "a1c|below|7|%"},
		{"CYP3A4 inhibitors", "cyp3a4|inhibitors"},
		{"HR 0.79).1 Next", "hr|0.79|1^|next"},
	}
	for _, tt := range tests {
		var got []string
		for _, tok := range tokenize(Normalize(tt.in).Text) {
			s := tok.text
			if tok.marker {
				s += "^"
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("tokenize(%q) = %s, want %s", tt.in, g, tt.want)
		}
	}
}
