package extract

import (
	"bytes"
	"strconv"
)

// A small tokenizer for PDF content streams and CMaps (PDF 32000-1 7.2,
// 7.8.2). It never fails: malformed input yields odd tokens, which the
// interpreter ignores, and every loop consumes at least one byte.

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokNum
	tokName
	tokStr
	tokOp
	tokArrOpen
	tokArrClose
	tokDictOpen
	tokDictClose
)

type token struct {
	kind tokKind
	num  float64
	b    []byte // name (without "/"), decoded string or operator
}

type lexer struct {
	b []byte
	i int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) next() token {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if isPDFSpace(c) {
			l.i++
			continue
		}
		if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		break
	}
	if l.i >= len(l.b) {
		return token{kind: tokEOF}
	}
	c := l.b[l.i]
	switch {
	case c == '/':
		l.i++
		start := l.i
		for l.i < len(l.b) && !isPDFSpace(l.b[l.i]) && !isPDFDelim(l.b[l.i]) {
			l.i++
		}
		return token{kind: tokName, b: unescapeName(l.b[start:l.i])}
	case c == '(':
		l.i++
		return token{kind: tokStr, b: l.literal()}
	case c == '<':
		if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
			l.i += 2
			return token{kind: tokDictOpen}
		}
		l.i++
		return token{kind: tokStr, b: l.hex()}
	case c == '>':
		l.i++
		if l.i < len(l.b) && l.b[l.i] == '>' {
			l.i++
			return token{kind: tokDictClose}
		}
		return token{kind: tokOp, b: []byte(">")}
	case c == '[':
		l.i++
		return token{kind: tokArrOpen}
	case c == ']':
		l.i++
		return token{kind: tokArrClose}
	case c == ')' || c == '{' || c == '}':
		l.i++
		return token{kind: tokOp, b: l.b[l.i-1 : l.i]}
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		start := l.i
		l.i++
		for l.i < len(l.b) && (l.b[l.i] == '.' || l.b[l.i] >= '0' && l.b[l.i] <= '9' || l.b[l.i] == '-' || l.b[l.i] == '+') {
			l.i++
		}
		return token{kind: tokNum, num: parseNum(l.b[start:l.i])}
	}
	start := l.i
	for l.i < len(l.b) && !isPDFSpace(l.b[l.i]) && !isPDFDelim(l.b[l.i]) {
		l.i++
	}
	return token{kind: tokOp, b: l.b[start:l.i]}
}

// parseNum reads a PDF number leniently: "--5" or "1.2.3" yield what a
// viewer would make of their valid prefix, garbage yields 0.
func parseNum(b []byte) float64 {
	for len(b) > 1 && (b[0] == '+' || b[0] == '-') && (b[1] == '+' || b[1] == '-') {
		b = b[1:]
	}
	end := len(b)
	dot := false
	for i, c := range b {
		if c == '.' {
			if dot {
				end = i
				break
			}
			dot = true
		} else if (c == '-' || c == '+') && i > 0 {
			end = i
			break
		}
	}
	v, err := strconv.ParseFloat(string(b[:end]), 64)
	if err != nil || v != v || v > 1e15 || v < -1e15 {
		return 0
	}
	return v
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unescapeName(b []byte) []byte {
	if bytes.IndexByte(b, '#') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			h, ok1 := unhex(b[i+1])
			lo, ok2 := unhex(b[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return out
}

// literal reads a (string) body after the opening parenthesis.
func (l *lexer) literal() []byte {
	var out []byte
	depth := 1
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\\':
			if l.i >= len(l.b) {
				return out
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
						v = v*8 + int(l.b[l.i]-'0')
						l.i++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// hex reads a <hex string> body after the opening angle bracket.
func (l *lexer) hex() []byte {
	var out []byte
	var hi byte
	half := false
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

// skipInlineImage moves past the data of an inline image, which starts
// after the ID operator, up to and including the EI operator.
func (l *lexer) skipInlineImage() {
	if l.i < len(l.b) && isPDFSpace(l.b[l.i]) {
		l.i++
	}
	for l.i < len(l.b) {
		j := bytes.Index(l.b[l.i:], []byte("EI"))
		if j < 0 {
			l.i = len(l.b)
			return
		}
		at := l.i + j
		l.i = at + 2
		before := at == 0 || isPDFSpace(l.b[at-1])
		after := at+2 >= len(l.b) || isPDFSpace(l.b[at+2]) || isPDFDelim(l.b[at+2])
		if before && after {
			return
		}
	}
}

// operand is a value on the interpreter's stack.
type operand struct {
	kind tokKind // tokNum, tokName, tokStr, tokArrOpen (array) or tokDictOpen (dict, contents dropped)
	num  float64
	b    []byte
	arr  []operand
}

const (
	maxOperandDepth = 16
	maxArrayLen     = 1 << 16
)

// operand reads the value that starts with t: arrays are read whole (up to a
// nesting depth and a length), dictionaries are skipped.
func (l *lexer) operand(t token, depth int) (operand, bool) {
	switch t.kind {
	case tokNum, tokName, tokStr:
		return operand{kind: t.kind, num: t.num, b: t.b}, true
	case tokArrOpen:
		var arr []operand
		for {
			e := l.next()
			switch e.kind {
			case tokEOF, tokArrClose:
				return operand{kind: tokArrOpen, arr: arr}, true
			case tokOp:
				continue
			}
			if depth >= maxOperandDepth {
				continue
			}
			v, ok := l.operand(e, depth+1)
			if ok && len(arr) < maxArrayLen {
				arr = append(arr, v)
			}
		}
	case tokDictOpen:
		for n := 1; n > 0; {
			switch l.next().kind {
			case tokEOF:
				return operand{kind: tokDictOpen}, true
			case tokDictOpen:
				n++
			case tokDictClose:
				n--
			}
		}
		return operand{kind: tokDictOpen}, true
	}
	return operand{}, false
}
