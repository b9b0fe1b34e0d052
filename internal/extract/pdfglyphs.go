package extract

import (
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Glyph names and the simple-font encodings of PDF 32000-1 Annex D, reduced
// to what promotional documents use: Latin text, punctuation, the ligatures
// and the common symbols. Unknown names of the form uniXXXX and uXXXX are
// decoded from their hex digits.

// asciiNames are the glyph names of U+0020..U+007E in order.
var asciiNames = strings.Fields(`space exclam quotedbl numbersign dollar percent ampersand
quotesingle parenleft parenright asterisk plus comma hyphen period slash zero one two three
four five six seven eight nine colon semicolon less equal greater question at A B C D E F G H
I J K L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum underscore
grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright asciitilde`)

// latin1Names are the glyph names of U+00A0..U+00FF in order.
var latin1Names = strings.Fields(`nbspace exclamdown cent sterling currency yen brokenbar
section dieresis copyright ordfeminine guillemotleft logicalnot sfthyphen registered macron
degree plusminus twosuperior threesuperior acute mu paragraph periodcentered cedilla
onesuperior ordmasculine guillemotright onequarter onehalf threequarters questiondown Agrave
Aacute Acircumflex Atilde Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex Edieresis
Igrave Iacute Icircumflex Idieresis Eth Ntilde Ograve Oacute Ocircumflex Otilde Odieresis
multiply Oslash Ugrave Uacute Ucircumflex Udieresis Yacute Thorn germandbls agrave aacute
acircumflex atilde adieresis aring ae ccedilla egrave eacute ecircumflex edieresis igrave
iacute icircumflex idieresis eth ntilde ograve oacute ocircumflex otilde odieresis divide
oslash ugrave uacute ucircumflex udieresis yacute thorn ydieresis`)

var otherNames = map[string]string{
	"Euro": "€", "quotesinglbase": "‚", "florin": "ƒ", "quotedblbase": "„", "ellipsis": "…",
	"dagger": "†", "daggerdbl": "‡", "circumflex": "ˆ", "perthousand": "‰", "Scaron": "Š",
	"guilsinglleft": "‹", "OE": "Œ", "Zcaron": "Ž", "quoteleft": "‘", "quoteright": "’",
	"quotedblleft": "“", "quotedblright": "”", "bullet": "•", "endash": "–", "emdash": "—",
	"tilde": "˜", "trademark": "™", "scaron": "š", "guilsinglright": "›", "oe": "œ",
	"zcaron": "ž", "Ydieresis": "Ÿ", "fi": "fi", "fl": "fl", "ff": "ff", "ffi": "ffi", "ffl": "ffl",
	"dotlessi": "ı", "fraction": "⁄", "minus": "−", "Lslash": "Ł", "lslash": "ł", "ring": "˚",
	"breve": "˘", "dotaccent": "˙", "hungarumlaut": "˝", "ogonek": "˛", "caron": "ˇ",
	"nonbreakingspace": "\u00a0", "softhyphen": "\u00ad", "mu1": "µ", "Omega": "Ω",
	"Delta": "∆", "summation": "∑", "product": "∏", "radical": "√", "infinity": "∞",
	"integral": "∫", "approxequal": "≈", "notequal": "≠", "lessequal": "≤",
	"greaterequal": "≥", "lozenge": "◊", "partialdiff": "∂", "pi": "π", "alpha": "α",
	"beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ", "lambda": "λ",
	"sigma": "σ", "tau": "τ", "theta": "θ", "omega": "ω", "chi": "χ", "phi": "φ", "psi": "ψ",
	"registersans": "®", "registerserif": "®", "copyrightsans": "©", "copyrightserif": "©",
	"trademarksans": "™", "trademarkserif": "™", "arrowright": "→", "arrowleft": "←",
	"arrowup": "↑", "arrowdown": "↓", "degree": "°", "periodcentered": "·",
	"middot": "·", "figuredash": "‒", "hyphentwo": "‐", "uni00A0": "\u00a0",
	"fj": "fj", "st": "st", "checkmark": "✓", "a20": "✔", "a71": "●", "a72": "❍",
}

var glyphNames = func() map[string]string {
	m := make(map[string]string, len(asciiNames)+len(latin1Names)+len(otherNames))
	for i, n := range asciiNames {
		m[n] = string(rune(0x20 + i))
	}
	for i, n := range latin1Names {
		m[n] = string(rune(0xA0 + i))
	}
	for n, s := range otherNames {
		m[n] = s
	}
	return m
}()

// glyphText returns the text of a glyph name, or "" when it is unknown.
func glyphText(name string) string {
	if s, ok := glyphNames[name]; ok {
		return s
	}
	// Variants: "a.sc", "one.oldstyle", "f_f_i".
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphText(name[:i])
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			t := glyphText(part)
			if t == "" {
				return ""
			}
			b.WriteString(t)
		}
		return b.String()
	}
	switch {
	case strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0:
		var b strings.Builder
		for i := 3; i < len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 32)
			if err != nil || v >= 0xD800 && v < 0xE000 {
				return ""
			}
			b.WriteRune(rune(v))
		}
		return b.String()
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		v, err := strconv.ParseUint(name[1:], 16, 32)
		if err != nil || v > 0x10FFFF || v >= 0xD800 && v < 0xE000 {
			return ""
		}
		return string(rune(v))
	}
	return ""
}

// encoding maps the 256 codes of a simple font to text; "" is unknown.
type encoding [256]string

func charmapEncoding(cm *charmap.Charmap) *encoding {
	var e encoding
	for c := 0x20; c < 256; c++ {
		if r := cm.DecodeByte(byte(c)); r != '\uFFFD' && r >= 0x20 && r != 0x7F {
			e[c] = string(r)
		}
	}
	return &e
}

var (
	winAnsiEncoding  = charmapEncoding(charmap.Windows1252)
	macRomanEncoding = charmapEncoding(charmap.Macintosh)
	standardEncoding = func() *encoding {
		var e encoding
		for i, n := range asciiNames {
			e[0x20+i] = glyphNames[n]
		}
		e[0x27], e[0x60] = "’", "‘"
		upper := map[byte]string{
			0xA1: "exclamdown", 0xA2: "cent", 0xA3: "sterling", 0xA4: "fraction", 0xA5: "yen",
			0xA6: "florin", 0xA7: "section", 0xA8: "currency", 0xA9: "quotesingle",
			0xAA: "quotedblleft", 0xAB: "guillemotleft", 0xAC: "guilsinglleft",
			0xAD: "guilsinglright", 0xAE: "fi", 0xAF: "fl", 0xB1: "endash", 0xB2: "dagger",
			0xB3: "daggerdbl", 0xB4: "periodcentered", 0xB6: "paragraph", 0xB7: "bullet",
			0xB8: "quotesinglbase", 0xB9: "quotedblbase", 0xBA: "quotedblright",
			0xBB: "guillemotright", 0xBC: "ellipsis", 0xBD: "perthousand", 0xBF: "questiondown",
			0xC1: "grave", 0xC2: "acute", 0xC3: "circumflex", 0xC4: "tilde", 0xC5: "macron",
			0xC6: "breve", 0xC7: "dotaccent", 0xC8: "dieresis", 0xCA: "ring", 0xCB: "cedilla",
			0xCD: "hungarumlaut", 0xCE: "ogonek", 0xCF: "caron", 0xD0: "emdash", 0xE1: "AE",
			0xE3: "ordfeminine", 0xE8: "Lslash", 0xE9: "Oslash", 0xEA: "OE",
			0xEB: "ordmasculine", 0xF1: "ae", 0xF5: "dotlessi", 0xF8: "lslash", 0xF9: "oslash",
			0xFA: "oe", 0xFB: "germandbls",
		}
		for c, n := range upper {
			e[c] = glyphText(n)
		}
		return &e
	}()
	// symbolEncoding covers the Symbol font's Greek letters and the marks
	// that promotional pieces set in it (®, ™, ©, •, ±, ≤, ≥, °, ×).
	symbolEncoding = func() *encoding {
		var e encoding
		for c := 0x20; c < 0x7F; c++ {
			e[c] = string(rune(c))
		}
		const upper = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"
		const lower = "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"
		for i, r := range []rune(upper) {
			e['A'+i] = string(r)
		}
		for i, r := range []rune(lower) {
			e['a'+i] = string(r)
		}
		e[0x22], e[0x24], e[0x27], e[0x2D], e[0x40] = "∀", "∃", "∋", "−", "≅"
		extra := map[byte]string{
			0xA2: "′", 0xA3: "≤", 0xA5: "∞", 0xA7: "♣", 0xA8: "♦", 0xA9: "♥", 0xAA: "♠",
			0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓", 0xB0: "°", 0xB1: "±",
			0xB2: "″", 0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "•", 0xB8: "÷",
			0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xBC: "…", 0xD2: "®", 0xD3: "©", 0xD4: "™",
			0xD5: "∏", 0xD6: "√", 0xD7: "⋅", 0xE2: "®", 0xE3: "©", 0xE4: "™", 0xE5: "∑",
		}
		for c, s := range extra {
			e[c] = s
		}
		return &e
	}()
)
