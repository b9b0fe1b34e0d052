package domain

import (
	"strings"
	"unicode"
)

// Change kinds.
const (
	ChangeInsert  = "insert"
	ChangeDelete  = "delete"
	ChangeReplace = "replace"
)

// TextChange is one difference between two versions of a piece: words
// removed from the old version, words added in the new one, or both. (The
// name Change is the library's sync feed entry.)
type TextChange struct {
	Kind     string `json:"kind"`      // "insert", "delete" or "replace"
	Page     int    `json:"page"`      // page in the NEW version (for a delete: where the text would be)
	Old      string `json:"old"`       // words removed ("" for insert)
	New      string `json:"new"`       // words added ("" for delete)
	Rects    []Rect `json:"rects"`     // boxes of New on Page of the new version (or a thin marker for a delete)
	OldPage  int    `json:"old_page"`  // page of the OLD version
	OldRects []Rect `json:"old_rects"` // boxes of Old on OldPage of the old version
}

// ThreadStatus says what became of a comment's text in a newer version.
const (
	ThreadAddressed = "addressed"
	ThreadOpen      = "open"
	ThreadRemoved   = "removed"
)

// markerWidth is the width, as a fraction of the page, of the rect that
// marks where deleted text was.
const markerWidth = 0.004

// maxEdits bounds the word-level diff: beyond this many inserted plus
// deleted words between the first and the last difference, Compare first
// diffs whole lines and then refines each changed block of lines word by
// word under the same bound, and a block still over the bound is reported
// as one replace. It keeps the diff's time near O((N+M)·maxEdits) and its
// memory near O(maxEdits²/2) 4-byte entries.
var maxEdits = 1500

// Compare is a word-level redline of two versions' texts, from the pages of
// the old version to those of the new one. It diffs the whole document, so
// text that only moves across a page break is not a change; unchanged words
// are skipped and an adjacent delete and insert become one replace. Words
// are compared after the same normalisation as Find, hyphens between letters
// ignored, and punctuation at a word's edges is a word of its own. A change
// is split where its words cross a page break of either version, so each
// change has its words on one page of each. Rects and OldRects are never nil
// (empty without boxes), so they encode as JSON arrays.
func Compare(from, to []PageText) []TextChange {
	keys := make(map[string]int32)
	a, b := readVersion(from, keys), readVersion(to, keys)
	deleted, inserted := diffWords(a.words, b.words, keys)
	var hs []hunk
	forHunks(deleted, inserted, func(i0, i1, j0, j1 int) {
		hs = append(hs, hunk{i0, i1, j0, j1})
	})
	slide(hs, a.words, b.words, keys)
	var changes []TextChange
	for _, h := range hs {
		changes = append(changes, hunkChanges(a, b, h.i0, h.i1, h.j0, h.j1)...)
	}
	return changes
}

// hunk is a run of differing words: a[i0:i1] deleted, b[j0:j1] inserted.
type hunk struct{ i0, i1, j0, j1 int }

// slide moves each pure insert or delete along the words around it where
// that reads the same (inserting "b a" after "a" is inserting "a b" before
// it) to where it reads best: not starting with the punctuation that ends a
// word, not ending with the punctuation that starts one, and else as late as
// possible. A hunk keeps at least one unchanged word between it and its
// neighbours.
func slide(hs []hunk, a, b []word, keys map[string]int32) {
	trailing, leading := map[int32]bool{}, map[int32]bool{}
	for _, r := range trailingMarks {
		if id, ok := keys[string(r)]; ok {
			trailing[id] = true
		}
	}
	for _, r := range leadingMarks {
		if id, ok := keys[string(r)]; ok {
			leading[id] = true
		}
	}
	for n := range hs {
		h := &hs[n]
		var ws []word // the side that changes
		var lo, hi *int
		switch {
		case h.i0 == h.i1 && h.j0 < h.j1:
			ws, lo, hi = b, &h.j0, &h.j1
		case h.j0 == h.j1 && h.i0 < h.i1:
			ws, lo, hi = a, &h.i0, &h.i1
		default:
			continue
		}
		// Unchanged word pairs before and after the hunk that it may cross.
		before, after := h.i0, len(a)-h.i1
		if n > 0 {
			before = h.i0 - hs[n-1].i1 - 1
		}
		if n < len(hs)-1 {
			after = hs[n+1].i0 - h.i1 - 1
		}
		// Both sides move: the hunk crosses unchanged pairs of words.
		shift := func(d int) { h.i0, h.i1, h.j0, h.j1 = h.i0+d, h.i1+d, h.j0+d, h.j1+d }
		for ; before > 0 && ws[*lo-1].key == ws[*hi-1].key; before-- {
			shift(-1)
			after++
		}
		score := func() int {
			s := 0
			if !trailing[ws[*lo].key] {
				s += 2
			}
			if !leading[ws[*hi-1].key] {
				s++
			}
			return s
		}
		best, bestAt, at := score(), 0, 0
		for ; after > 0 && ws[*lo].key == ws[*hi].key; after-- {
			shift(1)
			at++
			if s := score(); s >= best {
				best, bestAt = s, at
			}
		}
		shift(bestAt - at)
	}
}

// AnchorStatus says what became of a comment anchored on page of the old
// version (at rect, on quote) in the new version, given the changes Compare
// found between their pages from and to. A quote still found in the new
// version leaves the thread open; a quote all of whose words were deleted with
// nothing inserted in their place was removed; any other quote was
// addressed. A comment without a quote (a region drawn on an image) is
// addressed when the OldRects of a change on its page intersect rect, and
// open otherwise.
func AnchorStatus(from, to []PageText, changes []TextChange, page int, rect Rect, quote string) string {
	q := strings.TrimSpace(string(normalize([]rune(quote), false, nil).runes))
	if q == "" {
		for _, c := range changes {
			if c.OldPage != page {
				continue
			}
			for _, r := range c.OldRects {
				if r.Intersects(rect) {
					return ThreadAddressed
				}
			}
		}
		return ThreadOpen
	}
	if _, _, _, ok := Locate(to, quote, page); ok {
		return ThreadOpen
	}
	oldPage, start, end, found := Locate(from, quote, page)
	if !found {
		oldPage = page
	}
	var quoteRects []Rect
	for _, p := range from {
		if found && p.Page == oldPage {
			quoteRects = p.Rects(start, end)
		}
	}
	for _, c := range changes {
		if c.Kind != ChangeDelete || c.OldPage != oldPage {
			continue
		}
		if !strings.Contains(string(normalize([]rune(c.Old), false, nil).runes), q) {
			continue
		}
		if len(quoteRects) > 0 && len(c.OldRects) > 0 && !anyIntersect(quoteRects, c.OldRects) {
			continue // the same words deleted elsewhere on the page
		}
		return ThreadRemoved
	}
	return ThreadAddressed
}

// anyIntersect reports whether a rect of a intersects a rect of b.
func anyIntersect(a, b []Rect) bool {
	for _, r := range a {
		for _, s := range b {
			if r.Intersects(s) {
				return true
			}
		}
	}
	return false
}

// word is one word of a version's text.
type word struct {
	key        int32 // the normalised word, interned
	page       int32 // index of its page in the version's pages
	start, end int32 // rune offsets of the word in the page's text
	line       int32 // line number counted over the whole version
}

// version is a version's text read for comparison.
type version struct {
	pages   []PageText
	runes   [][]rune
	dropped [][]bool // runes that normalisation drops (soft and line-end hyphens)
	words   []word
}

// readVersion splits pages into words, interning their normalised forms in
// keys.
func readVersion(pages []PageText, keys map[string]int32) *version {
	v := &version{pages: pages, runes: make([][]rune, len(pages)), dropped: make([][]bool, len(pages))}
	var line int32
	var key []rune
	for pi, p := range pages {
		src := []rune(p.Text)
		v.runes[pi], v.dropped[pi] = src, make([]bool, len(src))
		n := normalize(src, false, v.dropped[pi])
		newlines, scanned := int32(0), 0
		emit := func(i, j int) {
			key = key[:0]
			for k := i; k < j; k++ {
				if n.runes[k] == '-' && k > i && k < j-1 && unicode.IsLetter(n.runes[k-1]) && unicode.IsLetter(n.runes[k+1]) {
					continue
				}
				key = append(key, n.runes[k])
			}
			s := string(key)
			id, ok := keys[s]
			if !ok {
				id = int32(len(keys))
				keys[s] = id
			}
			start := int(n.from[i])
			for ; scanned < start; scanned++ {
				if src[scanned] == '\n' {
					newlines++
				}
			}
			v.words = append(v.words, word{key: id, page: int32(pi), start: n.from[i], end: n.to[j-1], line: line + newlines})
		}
		for i := 0; i < len(n.runes); {
			if n.runes[i] == ' ' {
				i++
				continue
			}
			j := i
			for j < len(n.runes) && n.runes[j] != ' ' {
				j++
			}
			lo, hi := i, j
			for lo < hi && strings.ContainsRune(leadingMarks, n.runes[lo]) {
				emit(lo, lo+1)
				lo++
			}
			for hi > lo && strings.ContainsRune(trailingMarks, n.runes[hi-1]) {
				hi--
			}
			if lo < hi {
				emit(lo, hi)
			}
			for k := hi; k < j; k++ {
				emit(k, k+1)
			}
			i = j
		}
		for _, r := range src[scanned:] {
			if r == '\n' {
				newlines++
			}
		}
		line += newlines + 1
	}
	return v
}

// Punctuation at the edges of a word that is compared as a word of its own.
const (
	leadingMarks  = "([{\"'¿¡"
	trailingMarks = ".,;:!?)]}\"'"
)

// forHunks calls f for each run of differing words, a[i0:i1] deleted and
// b[j0:j1] inserted, between runs of words the diff kept.
func forHunks(deleted, inserted []bool, f func(i0, i1, j0, j1 int)) {
	i, j := 0, 0
	for i < len(deleted) || j < len(inserted) {
		if i < len(deleted) && j < len(inserted) && !deleted[i] && !inserted[j] {
			i, j = i+1, j+1
			continue
		}
		i0, j0 := i, j
		for i < len(deleted) && deleted[i] {
			i++
		}
		for j < len(inserted) && inserted[j] {
			j++
		}
		if i == i0 && j == j0 {
			// Unbalanced marks: never produced by the diff, but do not loop.
			i, j = len(deleted), len(inserted)
		}
		f(i0, i, j0, j)
	}
}

// hunkChanges turns the old words a.words[i0:i1], replaced by the new words
// b.words[j0:j1], into changes, one per page of either version: the k-th
// page's worth of old words pairs with the k-th page's worth of new words.
func hunkChanges(a, b *version, i0, i1, j0, j1 int) []TextChange {
	olds, news := pageRuns(a.words, i0, i1), pageRuns(b.words, j0, j1)
	changes := make([]TextChange, max(len(olds), len(news)))
	for k := range changes {
		c := &changes[k]
		c.Rects, c.OldRects = []Rect{}, []Rect{}
		if k < len(news) {
			r := news[k]
			c.Page = b.pages[r.page].Page
			c.New = b.text(r)
			c.Rects = nonNil(b.pages[r.page].Rects(r.start, r.end))
		} else {
			c.Page, c.Rects = b.marker(j1)
		}
		if k < len(olds) {
			r := olds[k]
			c.OldPage = a.pages[r.page].Page
			c.Old = a.text(r)
			c.OldRects = nonNil(a.pages[r.page].Rects(r.start, r.end))
		} else if len(olds) > 0 {
			c.OldPage = a.pages[olds[len(olds)-1].page].Page
		} else {
			c.OldPage = a.pageAt(i1)
		}
		switch {
		case k >= len(olds):
			c.Kind = ChangeInsert
		case k >= len(news):
			c.Kind = ChangeDelete
		default:
			c.Kind = ChangeReplace
		}
	}
	return changes
}

// nonNil returns rs, or an empty slice for nil.
func nonNil(rs []Rect) []Rect {
	if rs == nil {
		return []Rect{}
	}
	return rs
}

// pageRun is a run of consecutive words on one page: the runes [start, end)
// of the page's text.
type pageRun struct {
	page       int
	start, end int
	first      int // index of the first word
	last       int // index of the last word
}

// pageRuns splits the words [lo, hi) at page breaks.
func pageRuns(words []word, lo, hi int) []pageRun {
	var runs []pageRun
	for i := lo; i < hi; i++ {
		w := words[i]
		if n := len(runs); n > 0 && runs[n-1].page == int(w.page) {
			runs[n-1].end, runs[n-1].last = int(w.end), i
			continue
		}
		runs = append(runs, pageRun{page: int(w.page), start: int(w.start), end: int(w.end), first: i, last: i})
	}
	return runs
}

// text returns the original text of run r as a reader sees it: white space
// runs as one space, soft hyphens and line-end hyphens of joined words left
// out.
func (v *version) text(r pageRun) string {
	src, dropped := v.runes[r.page], v.dropped[r.page]
	var sb strings.Builder
	space := false
	for i := r.start; i < r.end; i++ {
		c := src[i]
		switch {
		case dropped[i] || invisible(c):
		case unicode.IsSpace(c):
			space = true
		default:
			if space && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			space = false
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// marker returns where text deleted before word i of v would be: the page
// of that word and a thin rect at its left edge, or, past the last word, at
// the right edge of the last word. The rects are empty without boxes.
func (v *version) marker(i int) (page int, rects []Rect) {
	rects = []Rect{}
	switch {
	case i < len(v.words):
		w := v.words[i]
		if rs := v.pages[w.page].Rects(int(w.start), int(w.end)); len(rs) > 0 {
			r := rs[0]
			rects = append(rects, Rect{X: max(r.X-markerWidth/2, 0), Y: r.Y, W: markerWidth, H: r.H})
		}
		return v.pages[w.page].Page, rects
	case len(v.words) > 0:
		w := v.words[len(v.words)-1]
		if rs := v.pages[w.page].Rects(int(w.start), int(w.end)); len(rs) > 0 {
			r := rs[len(rs)-1]
			rects = append(rects, Rect{X: min(r.X+r.W-markerWidth/2, 1-markerWidth), Y: r.Y, W: markerWidth, H: r.H})
		}
		return v.pages[w.page].Page, rects
	case len(v.pages) > 0:
		return v.pages[len(v.pages)-1].Page, rects
	}
	return 0, rects
}

// pageAt returns the number of the page where text inserted before word i
// of v would be: the page of that word, else of the last word.
func (v *version) pageAt(i int) int {
	switch {
	case i < len(v.words):
		return v.pages[v.words[i].page].Page
	case len(v.words) > 0:
		return v.pages[v.words[len(v.words)-1].page].Page
	case len(v.pages) > 0:
		return v.pages[len(v.pages)-1].Page
	}
	return 0
}

// diffWords marks the words of a deleted and those of b inserted by a
// shortest edit script, found by Myers' O(ND) algorithm on the words between
// the common prefix and suffix. When that script would need more than
// maxEdits edits, it diffs lines first (see maxEdits).
func diffWords(a, b []word, keys map[string]int32) (deleted, inserted []bool) {
	deleted, inserted = make([]bool, len(a)), make([]bool, len(b))
	ak, bk := make([]int32, len(a)), make([]int32, len(b))
	for i, w := range a {
		ak[i] = w.key
	}
	for i, w := range b {
		bk[i] = w.key
	}
	pre, sa, sb := trim(ak, bk)
	if diffRange(ak[pre:sa], bk[pre:sb], deleted[pre:sa], inserted[pre:sb]) {
		return deleted, inserted
	}
	al, bl := lines(a, pre, sa, keys), lines(b, pre, sb, keys)
	lk := func(ls []line) []int32 {
		k := make([]int32, len(ls))
		for i, l := range ls {
			k[i] = l.key
		}
		return k
	}
	ld, li := make([]bool, len(al)), make([]bool, len(bl))
	if !diffRange(lk(al), lk(bl), ld, li) {
		markAll(deleted[pre:sa])
		markAll(inserted[pre:sb])
		return deleted, inserted
	}
	forHunks(ld, li, func(i0, i1, j0, j1 int) {
		wa0, wa1 := pre, pre
		if i1 > i0 {
			wa0, wa1 = al[i0].lo, al[i1-1].hi
		}
		wb0, wb1 := pre, pre
		if j1 > j0 {
			wb0, wb1 = bl[j0].lo, bl[j1-1].hi
		}
		if !diffRange(ak[wa0:wa1], bk[wb0:wb1], deleted[wa0:wa1], inserted[wb0:wb1]) {
			markAll(deleted[wa0:wa1])
			markAll(inserted[wb0:wb1])
		}
	})
	return deleted, inserted
}

// line is the words [lo, hi) of one line of text.
type line struct {
	key    int32
	lo, hi int
}

// lines groups the words [lo, hi) by line, interning each line's sequence of
// word keys in keys.
func lines(words []word, lo, hi int, keys map[string]int32) []line {
	var out []line
	var buf []byte
	for i := lo; i < hi; {
		j := i
		buf = append(buf[:0], 0) // no word is empty, so no line key equals a word key
		for j < hi && words[j].line == words[i].line {
			k := uint32(words[j].key)
			buf = append(buf, byte(k), byte(k>>8), byte(k>>16), byte(k>>24))
			j++
		}
		id, ok := keys[string(buf)]
		if !ok {
			id = int32(len(keys))
			keys[string(buf)] = id
		}
		out = append(out, line{key: id, lo: i, hi: j})
		i = j
	}
	return out
}

// markAll sets every entry of m.
func markAll(m []bool) {
	for i := range m {
		m[i] = true
	}
}

// trim returns the length of the common prefix of a and b and the ends of
// a and b before their common suffix.
func trim(a, b []int32) (pre, endA, endB int) {
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	endA, endB = len(a), len(b)
	for endA > pre && endB > pre && a[endA-1] == b[endB-1] {
		endA--
		endB--
	}
	return pre, endA, endB
}

// diffRange marks in del the entries of a, and in ins those of b, that a
// shortest edit script from a to b deletes and inserts. It reports false,
// marking nothing, when that script needs more than maxEdits edits.
func diffRange(a, b []int32, del, ins []bool) bool {
	pre, endA, endB := trim(a, b)
	a, b, del, ins = a[pre:endA], b[pre:endB], del[pre:endA], ins[pre:endB]
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		markAll(del)
		markAll(ins)
		return true
	}
	limit := min(maxEdits, n+m)
	// v[off+k] is the furthest x reached on diagonal k = x-y, -1 for none.
	off := limit + 1
	v := make([]int32, 2*limit+3)
	for i := range v {
		v[i] = -1
	}
	// trace holds v for diagonals -d, -d+2, ..., d after each step d, from
	// offset d(d+1)/2.
	var trace []int32
	for d := 0; d <= limit; d++ {
		for k := -d; k <= d; k += 2 {
			x := 0
			if d > 0 {
				var ok bool
				if x, _, ok = step(v[off+k+1], v[off+k-1], k, n, m); !ok {
					v[off+k] = -1
					continue
				}
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = int32(x)
			if x == n && y == m {
				backtrack(trace, d, n, m, del, ins)
				return true
			}
		}
		for k := -d; k <= d; k += 2 {
			trace = append(trace, v[off+k])
		}
	}
	return false
}

// step returns where the furthest path on diagonal k starts at the next
// step, given the furthest x of the previous step on diagonals k+1 (a move
// down, inserting) and k-1 (a move right, deleting): the move that reaches
// further, down on a tie. ok is false when neither move stays in the n by m
// edit graph.
func step(above, left int32, k, n, m int) (x int, down, ok bool) {
	canDown := above >= 0 && int(above)-k <= m
	canRight := left >= 0 && int(left)+1 <= n
	switch {
	case canDown && (!canRight || above >= left+1):
		return int(above), true, true
	case canRight:
		return int(left) + 1, false, true
	}
	return 0, false, false
}

// backtrack walks the furthest paths recorded in trace back from (n, m),
// reached at step d, marking the moves of the edit script.
func backtrack(trace []int32, d, n, m int, del, ins []bool) {
	x, y := n, m
	for ; d > 0; d-- {
		k := x - y
		base := (d - 1) * d / 2
		at := func(k int) int32 {
			if k < -(d-1) || k > d-1 {
				return -1
			}
			return trace[base+(k+d-1)/2]
		}
		sx, down, _ := step(at(k+1), at(k-1), k, n, m)
		if down {
			ins[sx-k-1] = true
			x, y = sx, sx-k-1
		} else {
			del[sx-1] = true
			x, y = sx-1, sx-k
		}
	}
}
