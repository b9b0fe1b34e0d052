package extract

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ooxml is an opened DOCX or PPTX package: the ZIP directory plus the
// decompression budget shared by all parts read from it.
type ooxml struct {
	ctx    context.Context
	kind   string // kindName of the media type
	files  map[string]*zip.File
	budget *budget
	lim    Limits
}

func openOOXML(ctx context.Context, r io.ReaderAt, size int64, mediaType string, lim Limits) (*ooxml, error) {
	kind := kindName(mediaType)
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, invalidf(err, "The %s could not be opened; the file is damaged.", kind)
	}
	p := &ooxml{ctx: ctx, kind: kind, files: make(map[string]*zip.File, len(zr.File)), budget: &budget{left: lim.MaxUncompressed}, lim: lim}
	for _, f := range zr.File {
		// Part names are case-insensitive in OPC.
		name := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		if _, dup := p.files[name]; !dup {
			p.files[name] = f
		}
	}
	return p, nil
}

func (p *ooxml) bomb(cause error) *Error {
	return tooLargef(cause, "The %s expands to more than %d MiB and looks like a zip bomb.", p.kind, p.lim.MaxUncompressed>>20)
}

// errBomb is returned by budgetReader when the decompression budget runs out.
var errBomb = errors.New("decompressed size limit exceeded")

// budgetReader charges every byte it reads to a budget and stops with
// errBomb when it runs out, whatever the ZIP header declared.
type budgetReader struct {
	r io.Reader
	b *budget
}

func (br budgetReader) Read(p []byte) (int, error) {
	if br.b.left <= 0 {
		return 0, errBomb
	}
	if int64(len(p)) > br.b.left+1 {
		p = p[:br.b.left+1]
	}
	n, err := br.r.Read(p)
	if !br.b.take(int64(n)) {
		return 0, errBomb
	}
	return n, err
}

// maxXMLRun bounds the bytes between two "<" in a part. encoding/xml holds
// a whole text node or tag in memory; real documents never come close.
const maxXMLRun = 16 << 20

var errLongRun = errors.New("XML text run or tag too long")

// runGuard fails with errLongRun once maxXMLRun bytes pass without a "<".
type runGuard struct {
	r   io.Reader
	run int
}

func (g *runGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if c == '<' {
			g.run = 0
		} else {
			g.run++
		}
	}
	if g.run > maxXMLRun {
		return 0, errLongRun
	}
	return n, err
}

// part opens a part by name for streaming. ok is false when it is missing.
func (p *ooxml) part(name string) (rc io.ReadCloser, ok bool, err error) {
	f := p.files[strings.ToLower(name)]
	if f == nil {
		return nil, false, nil
	}
	if f.UncompressedSize64 > uint64(p.budget.left) {
		return nil, true, p.bomb(fmt.Errorf("%s declares %d bytes", f.Name, f.UncompressedSize64))
	}
	raw, err := f.Open()
	if err != nil {
		return nil, true, invalidf(err, "The %s could not be read; part %s is damaged.", p.kind, f.Name)
	}
	return struct {
		io.Reader
		io.Closer
	}{budgetReader{ctxReader{p.ctx, raw}, p.budget}, raw}, true, nil
}

// xmlWalker streams one XML part, tracking the open elements and enforcing
// the depth limit, and maps read failures to *Error.
type xmlWalker struct {
	p     *ooxml
	name  string
	dec   *xml.Decoder
	close io.Closer
	stack []string // local names of the open elements
}

func (p *ooxml) walk(name string) (*xmlWalker, bool, error) {
	rc, ok, err := p.part(name)
	if !ok || err != nil {
		return nil, ok, err
	}
	dec := xml.NewDecoder(&runGuard{r: rc})
	// Non-UTF-8 declarations are rare in OOXML; read them as is rather
	// than fail.
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return &xmlWalker{p: p, name: name, dec: dec, close: rc}, true, nil
}

// next returns the next token, or io.EOF at the end of the part.
func (w *xmlWalker) next() (xml.Token, error) {
	tok, err := w.dec.Token()
	if err != nil {
		switch {
		case errors.Is(err, io.EOF):
			if len(w.stack) > 0 {
				return nil, invalidf(err, "The %s could not be read; part %s is truncated.", w.p.kind, w.name)
			}
			return nil, io.EOF
		case errors.Is(err, errBomb):
			return nil, w.p.bomb(err)
		case errors.Is(err, errLongRun):
			return nil, tooLargef(err, "The %s contains a single text run larger than %d MiB.", w.p.kind, maxXMLRun>>20)
		case w.p.ctx.Err() != nil:
			return nil, w.p.ctx.Err()
		}
		return nil, invalidf(err, "The %s could not be read; part %s is damaged.", w.p.kind, w.name)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if len(w.stack) >= w.p.lim.MaxXMLDepth {
			return nil, invalidf(nil, "The %s nests XML elements more than %d deep.", w.p.kind, w.p.lim.MaxXMLDepth)
		}
		w.stack = append(w.stack, t.Name.Local)
	case xml.EndElement:
		if len(w.stack) > 0 {
			w.stack = w.stack[:len(w.stack)-1]
		}
	}
	return tok, nil
}

// parent returns the local name of the element n levels above the current
// one (0 is the current element), or "".
func (w *xmlWalker) parent(n int) string {
	if i := len(w.stack) - 1 - n; i >= 0 {
		return w.stack[i]
	}
	return ""
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// lineBuilder gathers the runs of one paragraph and remembers how many
// characters each type size covers, so that the line reports the size of
// most of its text.
type lineBuilder struct {
	b     strings.Builder
	sizes map[float64]int
	max   int // bytes kept; more than the collector's MaxText marks truncation
}

func (l *lineBuilder) write(s string, size float64) {
	if l.b.Len() > l.max {
		return // the collector keeps at most MaxText of it anyway
	}
	l.b.WriteString(s)
	if strings.TrimSpace(s) == "" {
		return
	}
	if l.sizes == nil {
		l.sizes = map[float64]int{}
	}
	l.sizes[size] += len(s)
}

func (l *lineBuilder) emit(c *collector, page int) error {
	text, size := l.b.String(), dominantSize(l.sizes)
	l.b.Reset()
	clear(l.sizes)
	return c.add(page, text, size)
}

// dominantSize returns the known size (non-zero) covering the most
// characters, or 0 when no size is known; ties go to the larger size so that
// the result does not depend on map order.
func dominantSize(sizes map[float64]int) float64 {
	best, n := 0.0, -1
	for s, k := range sizes {
		if s > 0 && (k > n || k == n && s > best) {
			best, n = s, k
		}
	}
	return best
}

// skipped reports elements whose content duplicates or hides other content:
// the fallback of mc:AlternateContent and text moved away by tracked changes.
func skipped(local string) bool {
	return local == "Fallback" || local == "moveFrom" || local == "del"
}

// skipElement consumes the rest of the current element.
func (w *xmlWalker) skipElement() error {
	depth := len(w.stack)
	for len(w.stack) >= depth {
		if _, err := w.next(); err != nil {
			return err
		}
	}
	return nil
}

// paragraphs reads the text of one DOCX or PPTX part into lines. Both
// formats share the text model: every p element is a paragraph and a line of
// its own, and the character data of a t element inside a run is the text.
// What differs (type sizes, line and page breaks, tabs) is left to the
// format's element function.
type paragraphs struct {
	w          *xmlWalker
	c          *collector
	line       lineBuilder
	page       int
	textOnPage bool     // text was seen since the last page advance
	runs       []string // the elements whose t children hold text
	// size returns the type size of the text being read.
	size func() float64
	// element is called with every start element but t and those whose
	// content is skipped; for p, after the line before it was emitted.
	element func(xml.StartElement) error
}

// newParagraphs returns a reader of w's paragraphs, starting on page, that
// reads text in t elements whose parent is one of runs.
func newParagraphs(w *xmlWalker, c *collector, page int, runs ...string) *paragraphs {
	return &paragraphs{w: w, c: c, line: lineBuilder{max: c.maxText}, page: page, runs: runs}
}

// read reads the part to its end; the last line is emitted there.
func (pw *paragraphs) read() error {
	w := pw.w
	inText := false
	for {
		tok, err := w.next()
		if err == io.EOF {
			return pw.endLine()
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case skipped(t.Name.Local):
				err = w.skipElement()
			case t.Name.Local == "t":
				inText = slices.Contains(pw.runs, w.parent(1))
			case t.Name.Local == "p":
				if err = pw.endLine(); err == nil {
					err = pw.element(t)
				}
			default:
				err = pw.element(t)
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if err := pw.endLine(); err != nil {
					return err
				}
			}
		case xml.CharData:
			if inText {
				pw.line.write(string(t), pw.size())
				if strings.TrimSpace(string(t)) != "" {
					pw.textOnPage = true
				}
			}
		}
	}
}

// endLine emits the line being built, if it holds text.
func (pw *paragraphs) endLine() error { return pw.line.emit(pw.c, pw.page) }

// newPage ends the line and advances to the next page.
func (pw *paragraphs) newPage() error {
	if err := pw.endLine(); err != nil {
		return err
	}
	pw.page++
	pw.textOnPage = false
	return nil
}

// ---- DOCX ----

// docxStyles are the type sizes found in word/styles.xml.
type docxStyles struct {
	defaultSize float64            // docDefaults, or Word's 10 pt
	paraDefault string             // id of the default paragraph style
	own         map[string]float64 // style id → its own w:sz in points
	basedOn     map[string]string
}

// size returns the size a style sets, following basedOn, or 0.
func (s *docxStyles) size(id string) float64 {
	for i := 0; id != "" && i < 32; i++ {
		if sz, ok := s.own[id]; ok {
			return sz
		}
		id = s.basedOn[id]
	}
	return 0
}

func halfPoints(v string) float64 {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 || n > 10000 {
		return 0
	}
	return n / 2
}

func (p *ooxml) docxStyles() (*docxStyles, error) {
	st := &docxStyles{defaultSize: 10, own: map[string]float64{}, basedOn: map[string]string{}}
	w, ok, err := p.walk("word/styles.xml")
	if !ok || err != nil {
		return st, err
	}
	defer w.close.Close()
	var cur string // style id being read
	for {
		tok, err := w.next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return nil, err
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			if end, ok := tok.(xml.EndElement); ok && end.Name.Local == "style" {
				cur = ""
			}
			continue
		}
		switch e.Name.Local {
		case "style":
			cur = attr(e, "styleId")
			if attr(e, "type") == "paragraph" && (attr(e, "default") == "1" || attr(e, "default") == "true") {
				st.paraDefault = cur
			}
		case "basedOn":
			if cur != "" {
				st.basedOn[cur] = attr(e, "val")
			}
		case "sz":
			if w.parent(1) != "rPr" {
				continue
			}
			sz := halfPoints(attr(e, "val"))
			if sz == 0 {
				continue
			}
			if cur != "" {
				st.own[cur] = sz
			} else if w.parent(2) == "rPrDefault" {
				st.defaultSize = sz
			}
		}
	}
}

// extractDOCX reads word/document.xml. Every paragraph is a line (nested
// paragraphs of text boxes and tables become lines of their own); w:br
// starts a new line and w:tab is a tab. Pages advance at explicit page
// breaks and at the page breaks Word recorded when it last laid the document
// out (w:lastRenderedPageBreak), which may be stale or missing; a recorded
// break right after an explicit one is not counted twice.
func extractDOCX(ctx context.Context, r io.ReaderAt, size int64, lim Limits, c *collector) error {
	p, err := openOOXML(ctx, r, size, DOCX, lim)
	if err != nil {
		return err
	}
	styles, err := p.docxStyles()
	if err != nil {
		return err
	}
	w, ok, err := p.walk("word/document.xml")
	if err != nil {
		return err
	}
	if !ok {
		return invalidf(nil, "The Word document has no main document part.")
	}
	defer w.close.Close()

	var (
		pw       = newParagraphs(w, c, 1, "r")
		paraSize = styles.size(styles.paraDefault)
		runSize  float64 // direct w:sz of the current run
		runStyle float64 // size from the run's character style
	)
	if paraSize == 0 {
		paraSize = styles.defaultSize
	}
	defer func() { c.doc.Pages = max(c.doc.Pages, pw.page) }()
	pw.size = func() float64 {
		switch {
		case runSize > 0:
			return runSize
		case runStyle > 0:
			return runStyle
		}
		return paraSize
	}
	pw.element = func(t xml.StartElement) error {
		switch t.Name.Local {
		case "p":
			paraSize = styles.size(styles.paraDefault)
			if paraSize == 0 {
				paraSize = styles.defaultSize
			}
		case "pStyle":
			if sz := styles.size(attr(t, "val")); sz > 0 {
				paraSize = sz
			}
		case "pageBreakBefore":
			if v := attr(t, "val"); v != "0" && v != "false" && pw.textOnPage {
				return pw.newPage()
			}
		case "r":
			runSize, runStyle = 0, 0
		case "rStyle":
			runStyle = styles.size(attr(t, "val"))
		case "sz":
			if w.parent(1) == "rPr" && w.parent(2) == "r" {
				runSize = halfPoints(attr(t, "val"))
			}
		case "tab":
			if w.parent(1) == "r" {
				pw.line.write("\t", pw.size())
			}
		case "br", "cr":
			if attr(t, "type") == "page" {
				return pw.newPage()
			}
			return pw.endLine()
		case "lastRenderedPageBreak":
			if pw.textOnPage {
				return pw.newPage()
			}
		}
		return nil
	}
	return pw.read()
}

// ---- PPTX ----

var slideName = regexp.MustCompile(`^ppt/slides/slide([0-9]{1,9})\.xml$`)

// slideParts returns the slide part names in presentation order: the order
// of p:sldIdLst resolved through the presentation's relationships, or, when
// that is missing or broken, the slideN.xml parts by number.
func (p *ooxml) slideParts() ([]string, error) {
	rels := map[string]string{}
	err := p.startElements("ppt/_rels/presentation.xml.rels", func(e xml.StartElement) bool {
		if e.Name.Local == "Relationship" && strings.HasSuffix(attr(e, "Type"), "/slide") {
			target := attr(e, "Target")
			if strings.HasPrefix(target, "/") {
				target = path.Clean(target[1:])
			} else {
				target = path.Join("ppt", target)
			}
			rels[attr(e, "Id")] = strings.ToLower(target)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var order []string
	err = p.startElements("ppt/presentation.xml", func(e xml.StartElement) bool {
		if e.Name.Local != "sldId" {
			return true
		}
		for _, a := range e.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" {
				if target, ok := rels[a.Value]; ok && p.files[target] != nil {
					order = append(order, target)
				}
			}
		}
		return len(order) <= p.lim.MaxPages
	})
	if err != nil {
		return nil, err
	}
	if len(order) > 0 {
		return order, nil
	}
	type numbered struct {
		n    int
		name string
	}
	var slides []numbered
	for name := range p.files {
		if m := slideName.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			slides = append(slides, numbered{n, name})
		}
	}
	sort.Slice(slides, func(i, j int) bool { return slides[i].n < slides[j].n })
	for _, s := range slides {
		order = append(order, s.name)
	}
	return order, nil
}

// startElements calls fn with the start elements of part name in document
// order until fn returns false. A missing part has none.
func (p *ooxml) startElements(name string, fn func(xml.StartElement) bool) error {
	w, ok, err := p.walk(name)
	if !ok || err != nil {
		return err
	}
	defer w.close.Close()
	for {
		tok, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if e, ok := tok.(xml.StartElement); ok && !fn(e) {
			return nil
		}
	}
}

// extractPPTX reads the slides in presentation order; the page of a line is
// its slide number. Every a:p paragraph is a line and a:br starts a new one.
// The size is the run's a:rPr sz; sizes inherited from placeholders, layouts
// and masters are not resolved and leave FontSize 0. Speaker notes are not
// read.
func extractPPTX(ctx context.Context, r io.ReaderAt, size int64, lim Limits, c *collector) error {
	p, err := openOOXML(ctx, r, size, PPTX, lim)
	if err != nil {
		return err
	}
	slides, err := p.slideParts()
	if err != nil {
		return err
	}
	if len(slides) > lim.MaxPages {
		return tooLargef(nil, "The PowerPoint file has more than %d slides.", lim.MaxPages)
	}
	c.doc.Pages = len(slides)
	for i, name := range slides {
		if err := p.slide(name, i+1, c); err != nil {
			return err
		}
	}
	return nil
}

func (p *ooxml) slide(name string, page int, c *collector) error {
	w, ok, err := p.walk(name)
	if !ok || err != nil {
		return err
	}
	defer w.close.Close()
	var runSize float64
	pw := newParagraphs(w, c, page, "r", "fld")
	pw.size = func() float64 { return runSize }
	pw.element = func(t xml.StartElement) error {
		switch t.Name.Local {
		case "r", "fld":
			runSize = 0
		case "rPr":
			if sz, err := strconv.ParseFloat(attr(t, "sz"), 64); err == nil && sz > 0 && sz < 400000 {
				runSize = sz / 100
			}
		case "br":
			return pw.endLine()
		}
		return nil
	}
	return pw.read()
}
