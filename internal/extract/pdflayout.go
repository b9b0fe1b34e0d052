package extract

import (
	"context"
	"math"
	"sort"
	"strings"
)

// Layout of the glyphs of one PDF page into lines in reading order.
//
// Glyphs that follow each other on one baseline in one size become a
// fragment; a gap wider than 1 em starts a new fragment, so fragments never
// bridge a column gutter. The fragments are then split recursively (an
// XY-cut): first at the widest vertical gap that separates two columns of
// real text, else at the widest horizontal gap; what cannot be split is
// grouped into lines by baseline and read left to right.

const (
	spaceGap     = 0.18 // gap between glyphs, in em, read as a word space
	fragmentGap  = 1.0  // gap, in em, that starts a new fragment
	baselineTol  = 0.4  // baselines closer than this, in em, share a line
	maxCutFrags  = 5000 // above this, lines are formed without column detection
	maxCutDepth  = 500
	minColumnRun = 8 // a column has a fragment of at least this many characters
)

type frag struct {
	x0, x1, y          float64 // horizontal text: start and end of the baseline
	bx0, by0, bx1, by1 float64 // bounding box
	ex, ey             float64 // end of the last glyph
	dx, dy             float64 // unit direction of the baseline
	size               float64
	horiz              bool
	text               []byte
	chars              int
}

type textLine struct {
	text string
	size float64
}

type pageText struct {
	frags    []*frag
	cur      *frag
	bytes    int
	maxBytes int
}

// glyph records one shown glyph: its origin, the end of its advance, the
// direction of the baseline, the font size and its text ("" when unknown).
func (p *pageText) glyph(x0, y0, x1, y1, dirx, diry, size float64, text string) {
	if p.bytes > p.maxBytes {
		return
	}
	sz := math.Max(size, 0.01)
	norm := math.Hypot(dirx, diry)
	if norm == 0 {
		return
	}
	dirx, diry = dirx/norm, diry/norm
	horiz := dirx > 0 && math.Abs(diry) <= 0.05
	if c := p.cur; c != nil && c.horiz == horiz && math.Abs(c.size-sz) <= 0.02*math.Max(c.size, sz) {
		var gap float64
		same := false
		if horiz {
			gap = x0 - c.x1
			same = math.Abs(y0-c.y) <= 0.1*sz && gap > -0.5*sz && gap < fragmentGap*sz
		} else if c.dx*dirx+c.dy*diry > 0.99 {
			gap = (x0-c.ex)*dirx + (y0-c.ey)*diry
			across := math.Abs(-(x0-c.ex)*diry + (y0-c.ey)*dirx)
			same = across <= 0.1*sz && gap > -0.5*sz && gap < fragmentGap*sz
		}
		if same {
			if text != "" {
				if gap > spaceGap*sz && !endsSpace(c.text) && !strings.HasPrefix(text, " ") {
					c.text = append(c.text, ' ')
				}
				c.text = append(c.text, text...)
				c.chars++
				p.bytes += len(text)
			}
			c.extend(x0, y0, x1, y1, sz)
			return
		}
	}
	if text == "" || len(p.frags) >= maxPageFrags {
		p.cur = nil
		return
	}
	f := &frag{x0: x0, x1: x0, y: y0, bx0: x0, bx1: x0, by0: y0, by1: y0, dx: dirx, dy: diry, size: sz, horiz: horiz}
	f.text = append(f.text, text...)
	f.chars = 1
	p.bytes += len(text)
	f.extend(x0, y0, x1, y1, sz)
	p.frags = append(p.frags, f)
	p.cur = f
}

func (f *frag) extend(x0, y0, x1, y1, sz float64) {
	f.ex, f.ey = x1, y1
	if f.horiz {
		f.x1 = math.Max(f.x1, math.Max(x0, x1))
		f.bx0 = math.Min(f.bx0, math.Min(x0, x1))
		f.bx1 = math.Max(f.bx1, f.x1)
		f.by0 = math.Min(f.by0, f.y-0.25*sz)
		f.by1 = math.Max(f.by1, f.y+0.75*sz)
		return
	}
	h := 0.5 * sz
	f.bx0 = math.Min(f.bx0, math.Min(x0, x1)-h)
	f.bx1 = math.Max(f.bx1, math.Max(x0, x1)+h)
	f.by0 = math.Min(f.by0, math.Min(y0, y1)-h)
	f.by1 = math.Max(f.by1, math.Max(y0, y1)+h)
}

func endsSpace(b []byte) bool { return len(b) > 0 && b[len(b)-1] == ' ' }

// layout returns the page's lines in reading order.
func (p *pageText) layout(ctx context.Context) ([]textLine, error) {
	var fs []*frag
	for _, f := range p.frags {
		if strings.TrimSpace(string(f.text)) != "" {
			fs = append(fs, f)
		}
	}
	var leaves [][]*frag
	if len(fs) > maxCutFrags {
		leaves = [][]*frag{fs}
	} else if err := xycut(ctx, fs, 0, &leaves); err != nil {
		return nil, err
	}
	var lines []textLine
	for _, leaf := range leaves {
		lines = append(lines, groupLines(leaf)...)
	}
	return lines, nil
}

func medianSize(fs []*frag) float64 {
	s := make([]float64, len(fs))
	for i, f := range fs {
		s[i] = f.size
	}
	sort.Float64s(s)
	return s[len(s)/2]
}

// columnOf reports whether fragments look like a column of running text
// rather than bullets, numbers or a narrow label column.
func columnOf(fs []*frag) bool {
	for _, f := range fs {
		if f.chars >= minColumnRun {
			return true
		}
	}
	return false
}

func xycut(ctx context.Context, fs []*frag, depth int, out *[][]*frag) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(fs) <= 1 || depth >= maxCutDepth {
		*out = append(*out, fs)
		return nil
	}
	gutter := math.Max(fragmentGap*medianSize(fs), 3)

	// Vertical cuts: gaps in the projection on the x axis, widest first.
	byX := append([]*frag(nil), fs...)
	sort.SliceStable(byX, func(i, j int) bool { return byX[i].bx0 < byX[j].bx0 })
	type cut struct {
		at  int
		gap float64
	}
	var cuts []cut
	maxX := byX[0].bx1
	for i := 1; i < len(byX); i++ {
		if g := byX[i].bx0 - maxX; g > gutter {
			cuts = append(cuts, cut{i, g})
		}
		maxX = math.Max(maxX, byX[i].bx1)
	}
	sort.SliceStable(cuts, func(i, j int) bool { return cuts[i].gap > cuts[j].gap })
	for _, c := range cuts {
		left, right := byX[:c.at], byX[c.at:]
		if columnOf(left) && columnOf(right) {
			if err := xycut(ctx, left, depth+1, out); err != nil {
				return err
			}
			return xycut(ctx, right, depth+1, out)
		}
	}

	// Horizontal cut at the widest gap in the projection on the y axis.
	byY := append([]*frag(nil), fs...)
	sort.SliceStable(byY, func(i, j int) bool { return byY[i].by1 > byY[j].by1 })
	best, at := 0.0, -1
	minY := byY[0].by0
	for i := 1; i < len(byY); i++ {
		if g := minY - byY[i].by1; g > best {
			best, at = g, i
		}
		minY = math.Min(minY, byY[i].by0)
	}
	if at < 0 {
		*out = append(*out, fs)
		return nil
	}
	if err := xycut(ctx, byY[:at], depth+1, out); err != nil {
		return err
	}
	return xycut(ctx, byY[at:], depth+1, out)
}

// groupLines forms lines from fragments by baseline, top to bottom, each
// read left to right. Text that is not horizontal makes lines of its own.
func groupLines(fs []*frag) []textLine {
	type group struct {
		y     float64
		size  float64 // largest size in the group
		frags []*frag
	}
	var groups []*group
	var horiz []*frag
	for _, f := range fs {
		if f.horiz {
			horiz = append(horiz, f)
		} else {
			groups = append(groups, &group{y: f.by1, size: f.size, frags: []*frag{f}})
		}
	}
	sort.SliceStable(horiz, func(i, j int) bool {
		if horiz[i].y != horiz[j].y {
			return horiz[i].y > horiz[j].y
		}
		return horiz[i].x0 < horiz[j].x0
	})
	var cur *group
	for _, f := range horiz {
		if cur != nil && cur.y-f.y <= baselineTol*math.Max(cur.size, f.size) {
			cur.frags = append(cur.frags, f)
			cur.size = math.Max(cur.size, f.size)
			continue
		}
		cur = &group{y: f.y, size: f.size, frags: []*frag{f}}
		groups = append(groups, cur)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].y > groups[j].y })

	lines := make([]textLine, 0, len(groups))
	for _, g := range groups {
		sort.SliceStable(g.frags, func(i, j int) bool { return g.frags[i].x0 < g.frags[j].x0 })
		var b strings.Builder
		sizes := map[float64]int{}
		var prev *frag
		for _, f := range g.frags {
			if prev != nil {
				gap := f.x0 - prev.x1
				sz := math.Min(prev.size, f.size)
				tight := gap <= spaceGap*sz && gap >= -0.5*sz
				if !tight && !endsSpace(prev.text) && !strings.HasPrefix(string(f.text), " ") {
					b.WriteByte(' ')
				}
			}
			b.Write(f.text)
			sizes[roundSize(f.size)] += f.chars
			prev = f
		}
		lines = append(lines, textLine{text: b.String(), size: dominantSize(sizes)})
	}
	return lines
}
