package checker

import (
	"math"
	"slices"
)

// medianSize returns the median known type size of the lines in set, or 0.
func (r *run) medianSize(set []bool) float64 {
	var sizes []float64
	for l, ok := range set {
		if ok && r.d.lines[l].FontSize > 0 {
			sizes = append(sizes, r.d.lines[l].FontSize)
		}
	}
	return median(sizes)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// checkFontSize compares, in PDFs, the median type size of the label's ISI
// statements with that of the benefit claims.
func (r *run) checkFontSize() {
	if r.in.Piece.MediaType != "application/pdf" || len(r.benefit) == 0 {
		return
	}
	d := r.d
	claim := make([]bool, len(d.lines))
	for _, si := range r.benefit {
		s := d.sents[si]
		for t := s.start; t < s.end; t++ {
			if l := d.tokens[t].line; !r.isiLine[l] {
				claim[l] = true
			}
		}
	}
	isi := r.medianSize(r.stmtLine)
	cl := r.medianSize(claim)
	ratio := r.c.rules[RuleISIFont].Params["ratio"]
	if isi == 0 || cl == 0 || isi >= ratio*cl {
		return
	}
	first := slices.Index(r.stmtLine, true)
	l := d.lines[first]
	a, b := d.lineToks[first][0], d.lineToks[first][1]
	r.add(RuleISIFont, l.Page, l.Line, r.excerpt(a, max(b, a+1)), map[string]string{
		"isi_size": roundSize(isi), "claim_size": roundSize(cl), "ratio": formatSize(ratio)})
}

func roundSize(v float64) string { return formatSize(math.Round(v*10) / 10) }
