// Package render turns PDFs into page images and character boxes on the
// server, with PDFium compiled to WebAssembly and run by wazero (pure Go, no
// cgo), and scales PNG and JPEG pieces to the same screen and thumbnail sizes.
//
// # Sandbox
//
// PDFium runs inside a WebAssembly module, so a hostile PDF that breaks the
// parser can at worst corrupt that module's own linear memory. The module gets
// no file system (an empty mount table) and no network; what it prints to
// standard error goes to the logger at debug level, and documents are handed
// over as bytes. The WebAssembly build of PDFium has no JavaScript engine and
// forms are never initialised, so scripts in a PDF are never run: the page is
// drawn as a picture.
//
// # Bounds
//
// Each PDFium instance may use at most Config.MemoryLimitMiB of memory (a PDF
// file may take half of it), and at most Config.Instances instances exist at
// once; callers wait for a free one.
// A document gets a fresh instance, which is discarded afterwards, so nothing
// from one document survives into the next. Pages are drawn straight at the
// screen and thumbnail sizes, so a page that claims to be kilometres wide never
// needs a bigger bitmap than a normal one. A document may have at most
// Config.MaxPages pages, and each page must be done within Config.PageTimeout;
// an instance that overruns is stopped and thrown away. Panics inside the
// engine are recovered and reported as errors.
//
// Page images are encoded as JPEG in Go while PDFium draws the next page, so
// two cores keep both busy.
//
// # Cache
//
// Compiling the PDFium module to machine code takes seconds. New starts it in
// the background (Ready and Wait tell when it is done); with Config.CacheDir
// set, wazero keeps the compiled code in that folder and later starts only
// load it.
package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Config sets the bounds of an Engine. Zero fields take the defaults.
type Config struct {
	CacheDir       string        // folder for wazero's compiled code; "" keeps it in memory only
	Instances      int           // PDFium instances at once (default 2)
	MemoryLimitMiB int           // memory of one instance in MiB (default 512, at least 32)
	ScreenLongEdge int           // long edge of screen images in pixels (default 1600)
	ThumbLongEdge  int           // long edge of thumbnails in pixels (default 240)
	JPEGQuality    int           // JPEG quality 1..100 (default 85)
	MaxPages       int           // most pages a PDF may have (default 500)
	PageTimeout    time.Duration // longest time for one page (default 20s)
}

func (c Config) withDefaults() Config {
	if c.Instances <= 0 {
		c.Instances = 2
	}
	if c.MemoryLimitMiB <= 0 {
		c.MemoryLimitMiB = 512
	}
	c.MemoryLimitMiB = max(c.MemoryLimitMiB, 32) // PDFium starts with 18 MiB
	if c.ScreenLongEdge <= 0 {
		c.ScreenLongEdge = 1600
	}
	if c.ThumbLongEdge <= 0 {
		c.ThumbLongEdge = 240
	}
	if c.JPEGQuality <= 0 || c.JPEGQuality > 100 {
		c.JPEGQuality = 85
	}
	if c.MaxPages <= 0 {
		c.MaxPages = 500
	}
	if c.PageTimeout <= 0 {
		c.PageTimeout = 20 * time.Second
	}
	return c
}

// Box is a region of a page in fractions of the displayed page's width and
// height (rotation applied), origin at the top left.
type Box struct {
	X, Y, W, H float64
}

// Image is an encoded picture.
type Image struct {
	Data      []byte
	MediaType string // "image/jpeg" or "image/png"
	Width     int    // pixels
	Height    int    // pixels
}

// Page is one rendered page of a PDF.
type Page struct {
	Number        int     // 1-based
	Width, Height float64 // points, as displayed (the page's /Rotate applied)
	Screen, Thumb Image
	// Text is the page text in PDFium's reading order, lines separated by "\n".
	Text string
	// Boxes holds one box per rune of Text, in fractions of the displayed page;
	// the box of a "\n" is zero.
	Boxes []Box
}

// Error is a failure to render that the user should be told about, such as a
// password-protected or damaged file. Reason is a sentence for the user.
type Error struct {
	Reason string
	Err    error // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "render: " + e.Reason + " (" + e.Err.Error() + ")"
	}
	return "render: " + e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

// Engine renders PDFs with a bounded pool of sandboxed PDFium instances.
// It is safe for concurrent use.
type Engine struct {
	cfg   Config
	log   *slog.Logger
	ready chan struct{} // closed when compilation has finished
	pool  pdfium.Pool   // set before ready is closed, nil on failure
	err   error         // compilation error, set before ready is closed

	closeOnce sync.Once
	closeErr  error
}

// New returns an Engine at once and compiles PDFium in the background.
func New(cfg Config, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg.withDefaults(), log: log, ready: make(chan struct{})}
	go e.compile()
	return e
}

// compile creates the PDFium pool; it runs once, in the background.
func (e *Engine) compile() {
	defer close(e.ready)
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			e.err = fmt.Errorf("render: compiling PDFium panicked: %v", p)
		}
	}()
	limit := uint64(e.cfg.MemoryLimitMiB) << 20
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithMemoryLimitPages(uint32(limit >> 16)). // 64 KiB pages
		WithCloseOnContextDone(true)
	if e.cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(e.cfg.CacheDir)
		if err != nil {
			e.log.Warn("render: no compilation cache", "dir", e.cfg.CacheDir, "err", err)
		} else {
			rc = rc.WithCompilationCache(cache)
		}
	}
	pool, err := webassembly.Init(webassembly.Config{
		MinIdle:       0,
		MaxIdle:       e.cfg.Instances,
		MaxTotal:      e.cfg.Instances,
		FSConfig:      wazero.NewFSConfig(), // nothing of the host is mounted
		RuntimeConfig: rc,
		Stdout:        io.Discard,
		Stderr:        &logWriter{log: e.log},
	})
	if err != nil {
		e.err = fmt.Errorf("render: starting PDFium: %w", err)
		e.log.Error("render: PDFium unavailable", "err", err)
		return
	}
	e.pool = pool
	e.log.Info("render: PDFium ready", "took", time.Since(start).Round(time.Millisecond), "cache", e.cfg.CacheDir != "")
}

// Ready reports whether PDFium is compiled and usable.
func (e *Engine) Ready() bool {
	select {
	case <-e.ready:
		return e.err == nil
	default:
		return false
	}
}

// Wait waits until PDFium is compiled and returns the compilation error, if
// any, or ctx's error if ctx ends first.
func (e *Engine) Wait(ctx context.Context) error {
	select {
	case <-e.ready:
		return e.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close waits for compilation to finish and releases all PDFium instances.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		<-e.ready
		if e.pool != nil {
			e.closeErr = e.pool.Close()
		}
	})
	return e.closeErr
}

// RenderPDF renders every page of pdf in order and calls fn with each page as
// soon as it is done, so the first page can be shown before the rest. fn is
// called from one goroutine at a time, in page order, while PDFium already
// draws the next page. RenderPDF returns the number of pages of the document
// (0 if it could not be opened). Failures the user should see are *Error; an
// error from fn stops rendering and is returned as is.
func (e *Engine) RenderPDF(ctx context.Context, pdf []byte, fn func(Page) error) (pages int, err error) {
	if err := e.Wait(ctx); err != nil {
		return 0, err
	}
	if len(pdf) == 0 {
		return 0, &Error{Reason: "The file is empty."}
	}
	// The document is copied into the instance's memory, and PDFium needs
	// room beside it.
	if most := e.cfg.MemoryLimitMiB << 20 / 2; len(pdf) > most {
		return 0, &Error{Reason: fmt.Sprintf("The PDF is too large to show (%d MB; at most %d MB).", len(pdf)>>20, most>>20)}
	}
	inst, err := e.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("render: no PDFium instance: %w", err)
	}
	d := &document{e: e, inst: inst}
	defer d.close()

	// The encoder turns drawn pages into JPEGs and hands them to fn.
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan drawn, 1)
	done := make(chan struct{})
	var encErr error
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				e.log.Error("render: encoder panicked", "panic", p, "stack", string(debug.Stack()))
				encErr = &Error{Reason: "The PDF could not be rendered.", Err: fmt.Errorf("panic: %v", p)}
				cancel()
			}
		}()
		for dr := range work {
			if encErr != nil {
				continue
			}
			p, err := dr.encode(e.cfg.JPEGQuality)
			if err == nil {
				err = fn(p)
			}
			if err != nil {
				encErr = err
				cancel()
			}
		}
	}()
	err = d.draw(ectx, pdf, work)
	close(work)
	<-done
	switch {
	case encErr != nil:
		return d.pages, encErr
	case err != nil:
		return d.pages, err
	}
	return d.pages, ctx.Err()
}

// draw opens pdf and sends its pages, drawn, to work.
func (d *document) draw(ctx context.Context, pdf []byte, work chan<- drawn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			d.broken = true
			d.e.log.Error("render: PDFium panicked", "panic", p, "stack", string(debug.Stack()))
			err = &Error{Reason: "The PDF could not be rendered.", Err: fmt.Errorf("panic: %v", p)}
		}
	}()
	if err := d.guard(ctx, func() error { return d.open(pdf) }); err != nil {
		return d.failure(ctx, err, 0)
	}
	if d.pages <= 0 {
		return &Error{Reason: "The PDF has no pages."}
	}
	if d.pages > d.e.cfg.MaxPages {
		return &Error{Reason: fmt.Sprintf("The PDF has %d pages; at most %d can be shown.", d.pages, d.e.cfg.MaxPages)}
	}
	for i := 0; i < d.pages; i++ {
		var dr drawn
		err := d.guard(ctx, func() (err error) {
			dr, err = d.page(i)
			return err
		})
		if err != nil {
			return d.failure(ctx, err, i+1)
		}
		select {
		case work <- dr:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// document is one PDF open in one PDFium instance.
type document struct {
	e      *Engine
	inst   pdfium.Pdfium
	doc    references.FPDF_DOCUMENT
	pages  int
	broken bool        // the instance failed and must not be reused
	killed atomic.Bool // the instance was stopped for running too long
}

// guard runs step with the page timeout, stopping the instance if the step
// overruns it or ctx ends.
func (d *document) guard(ctx context.Context, step func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, d.e.cfg.PageTimeout)
	defer cancel()
	killed := make(chan struct{})
	stop := context.AfterFunc(tctx, func() {
		defer close(killed)
		d.killed.Store(true)
		_ = d.inst.Kill()
	})
	err := step()
	if !stop() {
		<-killed // the step overran: wait until the instance is gone
	}
	if d.killed.Load() {
		d.broken = true
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errTimeout
	}
	return err
}

var errTimeout = errors.New("timed out")

// failure turns an error of PDFium into the error RenderPDF returns; page is
// the 1-based page, or 0 while opening.
func (d *document) failure(ctx context.Context, err error, page int) error {
	var re *Error
	switch {
	case errors.As(err, &re):
		return err
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	case errors.Is(err, errTimeout) && page == 0:
		return &Error{Reason: "The PDF took too long to open.", Err: err}
	case errors.Is(err, errTimeout):
		return &Error{Reason: fmt.Sprintf("Page %d took too long to render.", page), Err: err}
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return &Error{Reason: "The PDF is password-protected.", Err: err}
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return &Error{Reason: "The PDF is encrypted in a way that cannot be read.", Err: err}
	}
	d.broken = true
	if strings.Contains(err.Error(), "could not create bitmap") {
		return &Error{Reason: fmt.Sprintf("Page %d needs more memory to render than is allowed.", page), Err: err}
	}
	if page == 0 {
		return &Error{Reason: "The file is not a readable PDF; it may be damaged or incomplete.", Err: err}
	}
	return &Error{Reason: fmt.Sprintf("Page %d of the PDF could not be rendered.", page), Err: err}
}

// open loads the document and counts its pages.
func (d *document) open(pdf []byte) error {
	res, err := d.inst.FPDF_LoadMemDocument(&requests.FPDF_LoadMemDocument{Data: &pdf})
	if err != nil {
		return err
	}
	d.doc = res.Document
	count, err := d.inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.doc})
	if err != nil {
		return err
	}
	d.pages = count.PageCount
	return nil
}

// close closes the document and gives up the instance, which is discarded.
func (d *document) close() {
	if d.killed.Load() {
		return // Kill already discarded the instance
	}
	if d.doc != "" && !d.broken {
		_, _ = d.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.doc})
	}
	if d.broken {
		_ = d.inst.Kill()
		return
	}
	_ = d.inst.Close()
}

// page draws page i (0-based).
func (d *document) page(i int) (drawn, error) {
	loaded, err := d.inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: d.doc, Index: i})
	if err != nil {
		return drawn{}, err
	}
	ref := loaded.Page
	defer d.inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: ref})
	pg := requests.Page{ByReference: &ref}

	w, err := d.inst.FPDF_GetPageWidthF(&requests.FPDF_GetPageWidthF{Page: pg})
	if err != nil {
		return drawn{}, err
	}
	h, err := d.inst.FPDF_GetPageHeightF(&requests.FPDF_GetPageHeightF{Page: pg})
	if err != nil {
		return drawn{}, err
	}
	p := Page{Number: i + 1, Width: float64(w.PageWidth), Height: float64(h.PageHeight)}
	if !(p.Width > 0 && p.Height > 0) || math.IsInf(p.Width, 0) || math.IsInf(p.Height, 0) {
		return drawn{}, &Error{Reason: fmt.Sprintf("Page %d of the PDF has no size.", p.Number)}
	}
	dr := drawn{page: p}
	if dr.screen, err = d.image(pg, p.Width, p.Height, d.e.cfg.ScreenLongEdge); err != nil {
		return drawn{}, err
	}
	if dr.thumb, err = d.image(pg, p.Width, p.Height, d.e.cfg.ThumbLongEdge); err != nil {
		return drawn{}, err
	}
	if dr.page.Text, dr.page.Boxes, err = d.text(pg, p.Width, p.Height); err != nil {
		return drawn{}, err
	}
	return dr, nil
}

// image draws a page so that its long edge is long pixels and copies the
// bitmap out of the module, flattened onto white.
func (d *document) image(pg requests.Page, w, h float64, long int) (*image.RGBA, error) {
	pw, ph := fit(w, h, long)
	res, err := d.inst.RenderPageInPixels(&requests.RenderPageInPixels{
		Page:        pg,
		Width:       pw,
		Height:      ph,
		RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
	})
	if err != nil {
		return nil, err
	}
	defer res.Cleanup()
	src, ok := res.Result.RenderedImage.(*image.RGBA)
	if !ok || src == nil {
		return nil, errors.New("no image")
	}
	img := &image.RGBA{Pix: pixels(len(src.Pix)), Stride: src.Stride, Rect: src.Rect}
	copy(img.Pix, src.Pix)
	if res.Result.HasTransparency {
		onWhite(img)
	}
	return img, nil
}

// drawn is a page drawn by PDFium whose images are not encoded yet.
type drawn struct {
	page          Page
	screen, thumb *image.RGBA
}

// encode returns the page with its images as JPEG, and recycles the bitmaps.
func (dr drawn) encode(quality int) (Page, error) {
	defer recycle(dr.screen)
	defer recycle(dr.thumb)
	p := dr.page
	var err error
	if p.Screen, err = encodeJPEG(dr.screen, quality); err != nil {
		return Page{}, err
	}
	if p.Thumb, err = encodeJPEG(dr.thumb, quality); err != nil {
		return Page{}, err
	}
	return p, nil
}

// pixelPool holds the buffers of screen images, megabytes each, for reuse.
var pixelPool sync.Pool

// pooled is the size from which bitmap buffers are reused.
const pooled = 1 << 20

// pixels returns a buffer of n bytes, whose contents are undefined.
func pixels(n int) []byte {
	if n >= pooled {
		if b, ok := pixelPool.Get().(*[]byte); ok && cap(*b) >= n {
			return (*b)[:n]
		}
	}
	return make([]byte, n)
}

// recycle gives the buffer of img back for reuse.
func recycle(img *image.RGBA) {
	if img != nil && cap(img.Pix) >= pooled {
		pixelPool.Put(&img.Pix)
	}
}

// encodeJPEG encodes img as a JPEG image.
func encodeJPEG(img image.Image, quality int) (Image, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return Image{}, fmt.Errorf("render: encoding JPEG: %w", err)
	}
	b := img.Bounds()
	return Image{Data: buf.Bytes(), MediaType: "image/jpeg", Width: b.Dx(), Height: b.Dy()}, nil
}

// onWhite flattens a bitmap with (not premultiplied) alpha onto white.
func onWhite(img *image.RGBA) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		a := uint32(img.Pix[i+3])
		if a == 0xff {
			continue
		}
		for j := i; j < i+3; j++ {
			img.Pix[j] = uint8((uint32(img.Pix[j])*a + 0xff*(0xff-a) + 0x7f) / 0xff)
		}
		img.Pix[i+3] = 0xff
	}
}

// fit scales w×h so that its long edge is long pixels, at least 1×1.
func fit(w, h float64, long int) (int, int) {
	s := float64(long) / math.Max(w, h)
	return max(1, int(math.Round(w*s))), max(1, int(math.Round(h*s)))
}

// text reads the characters of a page and their boxes. PDFium's char boxes
// are in page space (y up, unrotated); FPDF_PageToDevice gives the mapping to
// the displayed page, which is affine, so three points fix it.
func (d *document) text(pg requests.Page, w, h float64) (string, []Box, error) {
	const unit = 1 << 20 // device units along the long edge
	sx, sy := fit(w, h, unit)
	toDevice := func(x, y float64) (float64, float64, error) {
		r, err := d.inst.FPDF_PageToDevice(&requests.FPDF_PageToDevice{
			Page: pg, SizeX: sx, SizeY: sy, PageX: x, PageY: y,
		})
		if err != nil {
			return 0, 0, err
		}
		return float64(r.DeviceX), float64(r.DeviceY), nil
	}
	const span = 1000.0
	ox, oy, err := toDevice(0, 0)
	if err != nil {
		return "", nil, err
	}
	xx, xy, err := toDevice(span, 0)
	if err != nil {
		return "", nil, err
	}
	yx, yy, err := toDevice(0, span)
	if err != nil {
		return "", nil, err
	}
	// Fractions of the displayed page for page point (x, y).
	a, b := (xx-ox)/span/float64(sx), (xy-oy)/span/float64(sy)
	c, dd := (yx-ox)/span/float64(sx), (yy-oy)/span/float64(sy)
	e, f := ox/float64(sx), oy/float64(sy)
	mapPoint := func(x, y float64) (float64, float64) {
		return a*x + c*y + e, b*x + dd*y + f
	}

	tp, err := d.inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: pg})
	if err != nil {
		return "", nil, err
	}
	defer d.inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	n, err := d.inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return "", nil, err
	}
	var text bytes.Buffer
	boxes := make([]Box, 0, max(n.Count, 0)) // PDFium counts -1 on failure
	prevCR := false
	for i := 0; i < n.Count; i++ {
		u, err := d.inst.FPDFText_GetUnicode(&requests.FPDFText_GetUnicode{TextPage: tp.TextPage, Index: i})
		if err != nil {
			return "", nil, err
		}
		r := cleanRune(u.Unicode)
		if r == '\r' || r == '\n' {
			if !(r == '\n' && prevCR) {
				text.WriteByte('\n')
				boxes = append(boxes, Box{})
			}
			prevCR = r == '\r'
			continue
		}
		prevCR = false
		var box Box
		lb, err := d.inst.FPDFText_GetLooseCharBox(&requests.FPDFText_GetLooseCharBox{TextPage: tp.TextPage, Index: i})
		if err == nil {
			x0, y0 := mapPoint(float64(lb.Rect.Left), float64(lb.Rect.Top))
			x1, y1 := mapPoint(float64(lb.Rect.Right), float64(lb.Rect.Bottom))
			box = boxOf(x0, y0, x1, y1)
		}
		text.WriteRune(r)
		boxes = append(boxes, box)
	}
	return text.String(), boxes, nil
}

// cleanRune makes a character code from PDFium safe to store as text: PDFium
// marks a hyphen it found at a line end as 2, and gives 0 for characters it
// could not map.
func cleanRune(u uint) rune {
	switch {
	case u == 2:
		return '-'
	case u == '\r' || u == '\n' || u == '\t':
		return rune(u)
	case u < 0x20 || u == 0x7f:
		return ' '
	case u > utf8.MaxRune || !utf8.ValidRune(rune(u)) || u == 0xfffe || u == 0xffff:
		return utf8.RuneError
	}
	return rune(u)
}

// boxOf returns the box with corners (x0, y0) and (x1, y1), clipped to the page.
func boxOf(x0, y0, x1, y1 float64) Box {
	clamp := func(v float64) float64 {
		if math.IsNaN(v) {
			return 0
		}
		return math.Min(1, math.Max(0, v))
	}
	x0, x1 = clamp(math.Min(x0, x1)), clamp(math.Max(x0, x1))
	y0, y1 = clamp(math.Min(y0, y1)), clamp(math.Max(y0, y1))
	return Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// logWriter passes what PDFium prints to the logger at debug level.
type logWriter struct {
	log *slog.Logger
}

func (w *logWriter) Write(p []byte) (int, error) {
	const most = 1 << 10
	s := bytes.TrimSpace(p)
	if len(s) > most {
		s = s[:most]
	}
	if len(s) > 0 {
		w.log.Debug("render: PDFium says", "msg", string(s))
	}
	return len(p), nil
}
