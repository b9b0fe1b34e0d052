package checker

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalized is text folded for matching, with a map back to the text it
// came from, so that a match can be cited in the reviewer's own words.
//
// Folding makes look-alike text compare equal: it lower-cases; decomposes
// compatibility characters (full-width letters, ligatures such as "ﬁ",
// superscript digits) and drops accents; maps Cyrillic and Greek letters
// that look like Latin ones (а е о р с х, ο ...) to those; turns curly
// quotes into straight ones and dashes and minus signs into "-"; removes
// zero-width characters and soft hyphens; turns ™ ® © ℠ into a space so that
// "ZELTRA®" still names ZELTRA; and collapses every run of white space into
// one space, without leading or trailing space.
type Normalized struct {
	// Text is the folded text. Folding it again changes nothing.
	Text string
	// Src holds, for every byte of Text, the byte offset in the original
	// text of the character that produced it, so Src has len(Text) entries,
	// each in [0, len(original)), in non-decreasing order.
	Src []int
}

// Normalize folds s for matching; see Normalized. Invalid UTF-8 bytes are
// dropped. It never fails and takes time linear in len(s).
func Normalize(s string) Normalized {
	n := Normalized{Src: make([]int, 0, len(s))}
	out := make([]byte, 0, len(s))
	var buf []rune
	pendingSpace := -1 // offset of a white-space run not yet written
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			i++
			continue
		}
		buf = foldRune(buf[:0], r)
		for _, o := range buf {
			if o == ' ' {
				if pendingSpace < 0 {
					pendingSpace = i
				}
				continue
			}
			if pendingSpace >= 0 {
				if len(out) > 0 {
					out = append(out, ' ')
					n.Src = append(n.Src, pendingSpace)
				}
				pendingSpace = -1
			}
			before := len(out)
			out = utf8.AppendRune(out, o)
			for range len(out) - before {
				n.Src = append(n.Src, i)
			}
		}
		i += size
	}
	n.Text = string(out)
	return n
}

// SourceSpan maps the byte range [start, end) of n.Text back to the range
// of orig, the text n was made from, that produced it: from the start of
// the character that produced byte start to the end of the character that
// produced byte end-1. Out-of-range arguments are clamped; an empty range
// maps to an empty range.
func (n Normalized) SourceSpan(orig string, start, end int) (int, int) {
	start = min(max(start, 0), len(n.Src))
	end = min(max(end, start), len(n.Src))
	if start == end {
		if start == len(n.Src) {
			return len(orig), len(orig)
		}
		a := min(n.Src[start], len(orig))
		return a, a
	}
	a := min(n.Src[start], len(orig))
	last := min(n.Src[end-1], len(orig))
	_, size := utf8.DecodeRuneInString(orig[last:])
	return a, max(a, last+size)
}

// foldRune appends the folded form of r to dst. Every rune it appends is a
// fixed point: folding it again yields itself, which makes Normalize
// idempotent. A space in the result stands for a word break.
func foldRune(dst []rune, r rune) []rune {
	if r < utf8.RuneSelf {
		switch {
		case r >= 'A' && r <= 'Z':
			return append(dst, r+('a'-'A'))
		case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == ' ':
			return append(dst, ' ')
		case r < 0x20 || r == 0x7f:
			return dst
		}
		return append(dst, r)
	}
	if m, ok := special[r]; ok {
		if m == 0 {
			return dst
		}
		return append(dst, m)
	}
	if unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) {
		return append(dst, ' ')
	}
	if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
		return dst // bidi controls, other format characters
	}
	if m, ok := lookAlikeUpper[r]; ok {
		return append(dst, m)
	}
	var tmp [utf8.UTFMax]byte
	dec := norm.NFKD.Append(nil, tmp[:utf8.EncodeRune(tmp[:], r)]...)
	for len(dec) > 0 {
		d, size := utf8.DecodeRune(dec)
		dec = dec[size:]
		if unicode.Is(unicode.Mn, d) {
			continue // accents and other combining marks
		}
		if d < utf8.RuneSelf {
			dst = foldRune(dst, d)
			continue
		}
		if m, ok := special[d]; ok {
			if m != 0 {
				dst = append(dst, m)
			}
			continue
		}
		if unicode.IsSpace(d) {
			dst = append(dst, ' ')
			continue
		}
		if m, ok := lookAlikeUpper[d]; ok {
			dst = append(dst, m)
			continue
		}
		d = unicode.ToLower(d)
		if m, ok := lookAlikeLower[d]; ok {
			d = m
		}
		if !stable(d) {
			continue // a character folding cannot settle; drop it
		}
		dst = append(dst, d)
	}
	return dst
}

// stable reports whether folding d yields d itself, guarding idempotency
// against the odd character whose lower case decomposes again.
func stable(d rune) bool {
	if d < utf8.RuneSelf {
		return d < 'A' || d > 'Z'
	}
	if _, ok := special[d]; ok {
		return false
	}
	if _, ok := lookAlikeUpper[d]; ok {
		return false
	}
	if _, ok := lookAlikeLower[d]; ok {
		return false
	}
	if unicode.IsSpace(d) || unicode.Is(unicode.Cc, d) || unicode.Is(unicode.Cf, d) || unicode.Is(unicode.Mn, d) {
		return false
	}
	var tmp [utf8.UTFMax]byte
	b := tmp[:utf8.EncodeRune(tmp[:], d)]
	return norm.NFKD.IsNormal(b) && unicode.ToLower(d) == d
}

// special maps characters folded before decomposition; 0 removes the
// character. Dashes, quotes and trademark signs are here because their
// compatibility decompositions are not what a reader means ("™" is not
// "tm").
var special = map[rune]rune{
	// zero-width and invisible characters join what surrounds them
	'\u00ad': 0, '\u200b': 0, '\u200c': 0, '\u200d': 0, '\u2060': 0, '\ufeff': 0, '\u180e': 0,
	// trademark signs stuck to names separate words
	'™': ' ', '®': ' ', '©': ' ', '℠': ' ', '℗': ' ',
	// dashes and minus signs
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-',
	'\u2212': '-', '\ufe58': '-', '\ufe63': '-', '\uff0d': '-', '\u2043': '-',
	// quotes and primes
	'\u2018': '\'', '\u2019': '\'', '\u201a': '\'', '\u201b': '\'', '\u2032': '\'', '\u00b4': '\'', '\u02bc': '\'',
	'\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
	// line and paragraph separators
	'\u2028': ' ', '\u2029': ' ', '\u0085': ' ',
	// multiplication sign as in "2× the risk"
	'\u00d7': 'x',
}

// lookAlikeUpper maps capital Cyrillic and Greek letters that look like
// Latin capitals to the Latin lower-case letter (their own lower case, such
// as Cyrillic "в", no longer looks Latin).
var lookAlikeUpper = map[rune]rune{
	'А': 'a', 'В': 'b', 'Е': 'e', 'Ѕ': 's', 'І': 'i', 'Ј': 'j', 'К': 'k', 'М': 'm', 'Н': 'h',
	'О': 'o', 'Р': 'p', 'С': 'c', 'Т': 't', 'У': 'y', 'Х': 'x', 'Ү': 'y', 'Ԛ': 'q', 'Ԝ': 'w',
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i', 'Κ': 'k', 'Μ': 'm', 'Ν': 'n',
	'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
}

// lookAlikeLower maps lower-case Cyrillic and Greek letters that look like
// Latin ones.
var lookAlikeLower = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y', 'і': 'i', 'ј': 'j',
	'ѕ': 's', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ү': 'y',
	'ο': 'o', 'α': 'a', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ρ': 'p', 'υ': 'u', 'ı': 'i',
}
