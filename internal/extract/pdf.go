package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// PDF files are parsed by pdfcpu (cross-reference tables and streams,
// object streams, repair of damaged cross-references, stream filters,
// decryption with an empty user password). The content streams are
// interpreted here: pdfcpu has no text extraction.
//
// Why pdfcpu rather than a reader with built-in text extraction such as
// github.com/ledongthuc/pdf: on mutated PDFs that reader loops forever (a
// cyclic /Prev chain, for one) and allocates whatever an xref /Size
// declares, and a goroutine that never returns cannot be stopped. pdfcpu
// checks its context while reading, bounds decoding and object counts
// (model.ResourceLimits), repairs broken cross-references and is actively
// maintained. Its cost is memory: it holds all objects of the file, so the
// file size is checked against Limits.MaxUncompressed before reading.

func init() {
	// pdfcpu otherwise writes a configuration directory under the user's
	// home on first use. This is the only global of pdfcpu we touch, and it
	// is set before any goroutine can read it.
	model.ConfigPath = "disable"
}

const (
	maxFormDepth   = 12      // nesting of form XObjects
	maxGStateDepth = 256     // q without Q
	maxOperands    = 256     // operands before an operator
	maxPageFrags   = 100_000 // text fragments kept per page
	maxTreeDepth   = 64      // page tree nesting
)

// pdfDoc is one PDF being read.
type pdfDoc struct {
	ctx    context.Context
	xt     *model.XRefTable
	lim    Limits
	budget *budget
	fonts  map[any]*pdfFont // by object number, or by dictionary for direct fonts
	forms  map[int][]byte   // decoded form XObjects, by object number
}

func pdfDamaged(cause error) *Error {
	hint := "it may be damaged"
	msg := strings.ToLower(cause.Error())
	switch {
	case strings.Contains(msg, "xref"), strings.Contains(msg, "cross reference"), strings.Contains(msg, "startxref"):
		hint = "damaged cross-reference table"
	case strings.Contains(msg, "header"), strings.Contains(msg, "version"):
		hint = "damaged file header"
	case strings.Contains(msg, "catalog"), strings.Contains(msg, "root"):
		hint = "the document catalog is missing"
	}
	return invalidf(cause, "The PDF could not be read: %s. Export it again from the authoring tool and upload the new copy.", hint)
}

func (d *pdfDoc) bomb(cause error) *Error {
	return tooLargef(cause, "The PDF expands to more than %d MiB of data and cannot be checked automatically.", d.lim.MaxUncompressed>>20)
}

// extractPDF reads the pages of a PDF in order. The lines of a page are in
// reading order: columns are found by recursive XY-cuts of the text
// fragments, and fragments whose baselines are within 0.4 em form a line.
// Text of form XObjects is included; text drawn as images or vector outlines
// is not (there is no OCR). Encrypted files open only when the user password
// is empty; otherwise extraction fails with a reason saying so.
func extractPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits, c *collector) error {
	// pdfcpu holds every object of the file in memory, stream data
	// included, so the file size itself counts against the budget.
	if size > lim.MaxUncompressed {
		return tooLargef(nil, "The PDF is larger than %d MiB and cannot be checked automatically.", lim.MaxUncompressed>>20)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Limits.MaxDecodeBytes = lim.MaxUncompressed
	conf.Limits.MaxStreamBytes = lim.MaxUncompressed
	pc, err := pdfcpu.ReadWithContext(ctx, io.NewSectionReader(r, 0, size), conf)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, pdfcpu.ErrWrongPassword):
			return invalidf(err, "The PDF is password-protected; upload a copy without a password.")
		case errors.Is(err, filter.ErrDecodeLimitExceeded):
			return tooLargef(
				err,
				"The PDF expands to more than %d MiB of data and cannot be checked automatically.",
				lim.MaxUncompressed>>20,
			)
		case strings.Contains(err.Error(), "encrypt"):
			return invalidf(err, "The PDF is encrypted in a way that cannot be opened; upload an unprotected copy.")
		}
		return pdfDamaged(err)
	}
	d := &pdfDoc{
		ctx:    ctx,
		xt:     pc.XRefTable,
		lim:    lim,
		budget: &budget{left: lim.MaxUncompressed},
		fonts:  map[any]*pdfFont{},
		forms:  map[int][]byte{},
	}
	pages, err := d.pages()
	if err != nil {
		return err
	}
	c.doc.Pages = len(pages)
	for i, p := range pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		lines, err := d.pageLines(p, i+1)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if err := c.add(i+1, l.text, l.size); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- objects ----

// deref resolves indirect references (and chains of them). A reference to
// a missing or unreadable object is null.
func (d *pdfDoc) deref(o types.Object) types.Object {
	for i := 0; i < 8; i++ {
		if _, ok := o.(types.IndirectRef); !ok {
			return o
		}
		v, err := d.xt.Dereference(o)
		if err != nil {
			return nil
		}
		o = v
	}
	return nil
}

func (d *pdfDoc) dict(o types.Object) types.Dict {
	switch v := d.deref(o).(type) {
	case types.Dict:
		return v
	case types.StreamDict:
		return v.Dict
	}
	return nil
}

func (d *pdfDoc) array(o types.Object) types.Array {
	a, _ := d.deref(o).(types.Array)
	return a
}

func (d *pdfDoc) name(o types.Object) string {
	n, _ := d.deref(o).(types.Name)
	return string(n)
}

func (d *pdfDoc) num(o types.Object) (float64, bool) {
	switch v := d.deref(o).(type) {
	case types.Integer:
		return float64(v), true
	case types.Float:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

func objNr(o types.Object) int {
	if r, ok := o.(types.IndirectRef); ok {
		return r.ObjectNumber.Value()
	}
	return -1
}

// streamData decodes a stream, charging the decoded bytes to the budget.
// A missing stream yields nil.
func (d *pdfDoc) streamData(o types.Object) ([]byte, error) {
	var sd types.StreamDict
	switch v := d.deref(o).(type) {
	case types.StreamDict:
		sd = v
	default:
		return nil, nil
	}
	sd.Content = nil // never reuse a decoding cached by pdfcpu; it was not charged
	if err := sd.DecodeWithLimit(max(d.budget.left, 1)); err != nil {
		if errors.Is(err, filter.ErrDecodeLimitExceeded) {
			return nil, d.bomb(err)
		}
		if errors.Is(err, filter.ErrUnsupportedFilter) {
			return nil, nil // image filters (JBIG2, JPX) carry no text
		}
		return nil, err
	}
	if !d.budget.take(int64(len(sd.Content))) {
		return nil, d.bomb(fmt.Errorf("stream of %d bytes", len(sd.Content)))
	}
	return sd.Content, nil
}

// ---- pages ----

type pdfPage struct {
	dict   types.Dict
	res    types.Dict
	rotate int
}

// pages walks the page tree once, depth first, passing inherited resources
// and rotation down. It stops at cycles, at maxTreeDepth and after
// lim.MaxPages pages, which is an error.
func (d *pdfDoc) pages() ([]pdfPage, error) {
	root, err := d.xt.Pages()
	if err != nil || root == nil {
		if err == nil {
			err = errors.New("no page tree")
		}
		return nil, invalidf(err, "The PDF could not be read: it has no pages.")
	}
	var pages []pdfPage
	seen := map[int]bool{}
	var walk func(o types.Object, res types.Dict, rot, depth int) error
	walk = func(o types.Object, res types.Dict, rot, depth int) error {
		if depth > maxTreeDepth {
			return nil
		}
		if n := objNr(o); n >= 0 {
			if seen[n] {
				return nil
			}
			seen[n] = true
		}
		node := d.dict(o)
		if node == nil {
			return nil
		}
		if r := d.dict(node["Resources"]); r != nil {
			res = r
		}
		if v, ok := d.num(node["Rotate"]); ok {
			rot = int(v)
		}
		kids, hasKids := node["Kids"]
		if d.name(node["Type"]) == "Pages" || hasKids && d.name(node["Type"]) != "Page" {
			for _, k := range d.array(kids) {
				if err := d.ctx.Err(); err != nil {
					return err
				}
				if err := walk(k, res, rot, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if len(pages) >= d.lim.MaxPages {
			return tooLargef(nil, "The PDF has more than %d pages.", d.lim.MaxPages)
		}
		pages = append(pages, pdfPage{dict: node, res: res, rotate: ((rot % 360) + 360) % 360 / 90 * 90})
		return nil
	}
	if err := walk(*root, nil, 0, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// pageLines interprets the content of one page and lays its text out.
func (d *pdfDoc) pageLines(p pdfPage, n int) ([]textLine, error) {
	var content []byte
	contents := d.deref(p.dict["Contents"])
	streams := []types.Object{contents}
	if a, ok := contents.(types.Array); ok {
		streams = a
	}
	for _, s := range streams {
		b, err := d.streamData(s)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return nil, e
			}
			return nil, invalidf(err, "The PDF could not be read: page %d is damaged.", n)
		}
		// Content streams of a page form one stream; a separator keeps
		// tokens at their boundaries apart.
		content = append(content, b...)
		content = append(content, '\n')
	}
	pt := &pageText{maxBytes: d.lim.MaxText}
	in := &interp{d: d, page: pt}
	in.gs.ctm = rotation(p.rotate)
	in.gs.th = 1
	if err := in.run(content, p.res, 0); err != nil {
		return nil, err
	}
	return pt.layout(d.ctx)
}

// rotation maps user space to the page as displayed with /Rotate.
func rotation(deg int) matrix {
	switch deg {
	case 90:
		return matrix{0, -1, 1, 0, 0, 0}
	case 180:
		return matrix{-1, 0, 0, -1, 0, 0}
	case 270:
		return matrix{0, 1, -1, 0, 0, 0}
	}
	return identity
}
