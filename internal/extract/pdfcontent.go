package extract

import (
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// matrix is a PDF transformation [a b c d e f]; points are row vectors, so
// p' = p × m.
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n: first m, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// gstate is the part of the graphics state that matters for text.
type gstate struct {
	ctm                  matrix
	font                 *pdfFont
	size                 float64
	tc, tw, th, tl, rise float64
}

// interp runs content streams (PDF 32000-1 8, 9) and reports every shown
// glyph with its position to a pageText.
type interp struct {
	d     *pdfDoc
	page  *pageText
	gs    gstate
	stack []gstate
	tm    matrix // text matrix
	tlm   matrix // text line matrix
	ops   int
	forms map[int]bool // form XObjects being run, against cycles
}

// run interprets content with the resources res. depth counts nested forms.
func (in *interp) run(content []byte, res types.Dict, depth int) error {
	l := &lexer{b: content}
	var args []operand
	fonts := in.d.dict(res["Font"])
	for {
		t := l.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokOp:
		default:
			v, ok := l.operand(t, 0)
			if !ok {
				continue
			}
			if len(args) >= maxOperands {
				args = args[:0]
			}
			args = append(args, v)
			continue
		}
		in.ops++
		if in.ops&1023 == 0 {
			if err := in.d.ctx.Err(); err != nil {
				return err
			}
		}
		if err := in.op(string(t.b), args, l, res, fonts, depth); err != nil {
			return err
		}
		args = args[:0]
	}
}

// nums returns the n numeric operands of an operator, or false.
func nums(args []operand, n int) ([]float64, bool) {
	if len(args) < n {
		return nil, false
	}
	args = args[len(args)-n:]
	v := make([]float64, n)
	for i, a := range args {
		if a.kind != tokNum {
			return nil, false
		}
		v[i] = a.num
	}
	return v, true
}

func lastArg(args []operand, kind tokKind) (operand, bool) {
	if len(args) == 0 || args[len(args)-1].kind != kind {
		return operand{}, false
	}
	return args[len(args)-1], true
}

func finite(m matrix) bool {
	for _, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e9 {
			return false
		}
	}
	return true
}

func (in *interp) op(op string, args []operand, l *lexer, res, fonts types.Dict, depth int) error {
	g := &in.gs
	switch op {
	case "q":
		if len(in.stack) < maxGStateDepth {
			in.stack = append(in.stack, *g)
		}
	case "Q":
		if n := len(in.stack); n > 0 {
			*g = in.stack[n-1]
			in.stack = in.stack[:n-1]
		}
	case "cm":
		if v, ok := nums(args, 6); ok {
			if m := (matrix{v[0], v[1], v[2], v[3], v[4], v[5]}).mul(g.ctm); finite(m) {
				g.ctm = m
			}
		}
	case "BT":
		in.tm, in.tlm = identity, identity
	case "Tf":
		if v, ok := nums(args, 1); ok && len(args) >= 2 && args[len(args)-2].kind == tokName {
			g.size = v[0]
			g.font = in.d.font(fonts[string(args[len(args)-2].b)])
		}
	case "Tc", "Tw", "Tz", "TL", "Ts":
		v, ok := nums(args, 1)
		if !ok {
			break
		}
		switch op {
		case "Tc":
			g.tc = v[0]
		case "Tw":
			g.tw = v[0]
		case "Tz":
			g.th = v[0] / 100 // horizontal scaling is given in percent
		case "TL":
			g.tl = v[0]
		case "Ts":
			g.rise = v[0]
		}
	case "Td":
		if v, ok := nums(args, 2); ok {
			in.nextLine(v[0], v[1])
		}
	case "TD":
		if v, ok := nums(args, 2); ok {
			g.tl = -v[1]
			in.nextLine(v[0], v[1])
		}
	case "Tm":
		if v, ok := nums(args, 6); ok {
			if m := (matrix{v[0], v[1], v[2], v[3], v[4], v[5]}); finite(m) {
				in.tm, in.tlm = m, m
			}
		}
	case "T*":
		in.nextLine(0, -g.tl)
	case "Tj":
		if s, ok := lastArg(args, tokStr); ok {
			in.show(s.b)
		}
	case "'":
		in.nextLine(0, -g.tl)
		if s, ok := lastArg(args, tokStr); ok {
			in.show(s.b)
		}
	case "\"":
		if v, ok := nums(args[:max(len(args)-1, 0)], 2); ok {
			g.tw, g.tc = v[0], v[1]
		}
		in.nextLine(0, -g.tl)
		if s, ok := lastArg(args, tokStr); ok {
			in.show(s.b)
		}
	case "TJ":
		a, ok := lastArg(args, tokArrOpen)
		if !ok {
			return nil
		}
		for _, e := range a.arr {
			switch e.kind {
			case tokStr:
				in.show(e.b)
			case tokNum:
				tx := -e.num / 1000 * g.size * g.th
				in.tm = matrix{1, 0, 0, 1, tx, 0}.mul(in.tm)
			}
		}
	case "BI":
		// Inline image: skip its dictionary and data.
		for {
			t := l.next()
			if t.kind == tokEOF {
				return nil
			}
			if t.kind == tokOp && string(t.b) == "ID" {
				l.skipInlineImage()
				return nil
			}
		}
	case "Do":
		if n, ok := lastArg(args, tokName); ok {
			return in.form(in.d.dict(res["XObject"])[string(n.b)], res, depth)
		}
	}
	return nil
}

func (in *interp) nextLine(tx, ty float64) {
	if m := (matrix{1, 0, 0, 1, tx, ty}).mul(in.tlm); finite(m) {
		in.tlm = m
		in.tm = m
	}
}

// form runs a form XObject with its own resources (or the page's) and
// matrix. Image XObjects and forms nested too deeply or recursively are
// skipped.
func (in *interp) form(o types.Object, res types.Dict, depth int) error {
	if depth >= maxFormDepth {
		return nil
	}
	sd, ok := in.d.deref(o).(types.StreamDict)
	if !ok || in.d.name(sd.Dict["Subtype"]) != "Form" {
		return nil
	}
	n := objNr(o)
	if n >= 0 {
		if in.forms[n] {
			return nil
		}
		if in.forms == nil {
			in.forms = map[int]bool{}
		}
		in.forms[n] = true
		defer delete(in.forms, n)
	}
	data, cached := in.d.forms[n]
	if !cached {
		var err error
		if data, err = in.d.streamData(o); err != nil {
			if _, bomb := err.(*Error); bomb {
				return err
			}
			return nil // a damaged form loses its own text only
		}
		if n >= 0 {
			// Forms repeat on many pages (footers, ISI blocks); decode and
			// charge them once.
			in.d.forms[n] = data
		}
	}
	// The form runs with its own q/Q stack, so unbalanced operators in it
	// cannot disturb the caller's.
	saved, savedStack, tm, tlm := in.gs, in.stack, in.tm, in.tlm
	in.stack = nil
	defer func() { in.gs, in.stack, in.tm, in.tlm = saved, savedStack, tm, tlm }()
	if m := in.d.array(sd.Dict["Matrix"]); len(m) == 6 {
		var fm matrix
		for i := range fm {
			fm[i], _ = in.d.num(m[i])
		}
		if c := fm.mul(in.gs.ctm); finite(c) {
			in.gs.ctm = c
		}
	}
	formRes := in.d.dict(sd.Dict["Resources"])
	if formRes == nil {
		formRes = res
	}
	return in.run(data, formRes, depth+1)
}

// show draws the string s with the current font and advances the text
// matrix (PDF 32000-1 9.4.4).
func (in *interp) show(s []byte) {
	g := &in.gs
	f := g.font
	if f == nil {
		f = defaultFont
	}
	m := in.tm.mul(g.ctm)
	size := math.Abs(g.size) * f.sizeScale * math.Hypot(m[2], m[3])
	f.glyphs(s, func(gl glyph) bool {
		if in.ops++; in.ops&1023 == 0 && in.d.ctx.Err() != nil {
			return false // run notices the context at its next operator
		}
		trm := matrix{g.size * g.th, 0, 0, g.size, 0, g.rise}.mul(in.tm).mul(g.ctm)
		if !finite(trm) {
			return false
		}
		x0, y0 := trm[4], trm[5]
		x1, y1 := trm.apply(gl.width, 0)
		in.page.glyph(x0, y0, x1, y1, trm[0], trm[1], size, gl.text)
		tx := gl.width*g.size + g.tc
		if gl.space {
			tx += g.tw
		}
		tx *= g.th
		in.tm = matrix{1, 0, 0, 1, tx, 0}.mul(in.tm)
		return true
	})
}
