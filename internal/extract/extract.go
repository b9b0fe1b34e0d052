// Package extract recognises uploaded files by their bytes and pulls their
// text out with positions, so that the fair-balance checker can cite "page 3,
// line 12" and compare the type sizes of claims and safety information.
//
// Uploads are hostile: zip bombs, deeply nested XML, damaged or malicious
// PDFs and huge pages are all expected. Every entry point is bounded in time
// and memory by Limits, never panics, and reports a failure as an *Error whose
// Reason a marketer can act on.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Allowed media types. Detect returns one of these and Extract accepts them.
const (
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	HTML = "text/html"
	Text = "text/plain"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	MP4  = "video/mp4"
)

// Line is one line of text and where it is in the document. It is the
// domain's TextLine, so that extracted lines reach the checker and the store
// as they are.
type Line = domain.TextLine

// Document is the text of one file.
type Document struct {
	MediaType string `json:"media_type"`
	// Pages is the number of pages (PDF), slides (PPTX) or counted pages
	// (DOCX); 1 for HTML and plain text; 0 for images and video.
	Pages int    `json:"pages"`
	Lines []Line `json:"lines"`
	// Truncated is true when extraction stopped at Limits.MaxText: the text
	// kept is a prefix of the document's text.
	Truncated bool `json:"truncated"`
}

// Plain returns the text for searching: the lines in order separated by
// "\n", with a form feed "\f" at the start of the first line of every page
// after the first (pages without text leave no trace). It has no trailing
// newline and is "" for a document without text.
func (d Document) Plain() string {
	var b strings.Builder
	for i, l := range d.Lines {
		if i > 0 {
			b.WriteByte('\n')
			if l.Page != d.Lines[i-1].Page {
				b.WriteByte('\f')
			}
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// Limits bounds the work Extract does on one file. A zero field takes its
// default from DefaultLimits, so Limits{} is usable.
type Limits struct {
	// MaxText is how many bytes of extracted text are kept. Beyond it the
	// Document is returned with Truncated set; it is not an error.
	MaxText int
	// MaxUncompressed is the total number of bytes that may be read out of
	// ZIP entries (DOCX, PPTX) or decoded from PDF streams. Exceeding it is
	// an error: the file is treated as a decompression bomb.
	MaxUncompressed int64
	// MaxXMLDepth is the deepest element nesting accepted in DOCX/PPTX XML
	// and HTML; deeper is an error.
	MaxXMLDepth int
	// MaxPages is the largest number of PDF pages or PPTX slides accepted;
	// more is an error.
	MaxPages int
	// Timeout bounds the wall-clock time of one Extract call; exceeding it
	// is an error.
	Timeout time.Duration
}

// DefaultLimits returns the limits used for production uploads: 4 MiB of
// text, 256 MiB of decompressed data, XML nesting 256 deep, 2000 pages and
// 30 seconds.
func DefaultLimits() Limits {
	return Limits{
		MaxText:         4 << 20,
		MaxUncompressed: 256 << 20,
		MaxXMLDepth:     256,
		MaxPages:        2000,
		Timeout:         30 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = d.MaxUncompressed
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = d.MaxXMLDepth
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	return l
}

// Error is an extraction failure. Reason is a sentence a marketer can act on
// ("The PDF is password-protected; upload an unprotected copy."), Err is the
// technical cause for the logs (may be nil) and Code is the domain error code
// (domain.EINVALID for damaged or protected files, domain.ETOOLARGE for files
// over a limit, domain.EUNSUPPORTED for a media type Extract cannot handle).
//
// Error unwraps to both Err and an equivalent *domain.Error, so that
// domain.ErrorCode and domain.ErrorMessage report Code and Reason without the
// server knowing this type.
type Error struct {
	Code   string
	Reason string
	Err    error
}

// Error returns "extract: " followed by the reason and, if present, the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "extract: " + e.Reason
	}
	return "extract: " + e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the domain form of the error first and then the cause.
func (e *Error) Unwrap() []error {
	errs := []error{&domain.Error{Code: e.Code, Message: e.Reason}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func invalidf(cause error, format string, args ...any) *Error {
	return &Error{Code: domain.EINVALID, Reason: fmt.Sprintf(format, args...), Err: cause}
}

func tooLargef(cause error, format string, args ...any) *Error {
	return &Error{Code: domain.ETOOLARGE, Reason: fmt.Sprintf(format, args...), Err: cause}
}

// kindName names a media type the way a marketer would.
func kindName(mediaType string) string {
	switch mediaType {
	case PDF:
		return "PDF"
	case DOCX:
		return "Word document"
	case PPTX:
		return "PowerPoint file"
	case HTML:
		return "HTML file"
	case Text:
		return "text file"
	}
	return "file"
}

// Extract returns the text of r (size bytes) read as mediaType, a type
// returned by Detect. Images and video return a Document with no lines and a
// nil error: they have no text to extract, and the checker asks for manual
// review.
//
// Any failure returns a zero Document and an *Error: a malformed or
// password-protected file, a decompression bomb or nesting over lim, more
// pages than lim.MaxPages, lim.Timeout or ctx ending, or a panic inside a
// parser, which is recovered. Extract never panics. Text beyond lim.MaxText
// is dropped and reported by Document.Truncated, not as an error.
//
// The parsing runs in its own goroutine so that a timeout returns promptly.
// That goroutine checks the context in all of its loops and stops soon after;
// until it has stopped it may still read from r, so a caller that closes r
// right after a timeout makes those reads fail, which also stops it.
func Extract(ctx context.Context, r io.ReaderAt, size int64, mediaType string, lim Limits) (Document, error) {
	lim = lim.withDefaults()
	switch mediaType {
	case PNG, JPEG, MP4:
		return Document{MediaType: mediaType, Lines: []Line{}}, nil
	case PDF, DOCX, PPTX, HTML, Text:
	default:
		return Document{}, &Error{Code: domain.EUNSUPPORTED, Reason: fmt.Sprintf("Text cannot be extracted from %q files.", mediaType)}
	}
	if r == nil || size < 0 {
		return Document{}, invalidf(errors.New("nil reader or negative size"), "The %s could not be read.", kindName(mediaType))
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	type result struct {
		doc Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				err := invalidf(fmt.Errorf("panic: %v", p), "The %s could not be read; it may be damaged.", kindName(mediaType))
				done <- result{err: err}
			}
		}()
		doc, err := extract(ctx, r, size, mediaType, lim)
		done <- result{doc, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return Document{}, wrapErr(ctx, res.err, mediaType, lim)
		}
		return res.doc, nil
	case <-ctx.Done():
		return Document{}, ctxErr(ctx, mediaType, lim)
	}
}

// wrapErr makes sure every failure leaving Extract is an *Error.
func wrapErr(ctx context.Context, err error, mediaType string, lim Limits) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if ctx.Err() != nil {
		return ctxErr(ctx, mediaType, lim)
	}
	return invalidf(err, "The %s could not be read; it may be damaged.", kindName(mediaType))
}

func ctxErr(ctx context.Context, mediaType string, lim Limits) *Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return tooLargef(
			ctx.Err(),
			"Reading the %s took longer than %s; it is too large or too complex to check automatically.",
			kindName(mediaType),
			lim.Timeout,
		)
	}
	return invalidf(ctx.Err(), "Reading the %s was cancelled.", kindName(mediaType))
}

func extract(ctx context.Context, r io.ReaderAt, size int64, mediaType string, lim Limits) (Document, error) {
	c := newCollector(mediaType, lim.MaxText)
	var err error
	switch mediaType {
	case PDF:
		err = extractPDF(ctx, r, size, lim, c)
	case DOCX:
		err = extractDOCX(ctx, r, size, lim, c)
	case PPTX:
		err = extractPPTX(ctx, r, size, lim, c)
	case HTML:
		err = extractHTML(ctx, io.NewSectionReader(r, 0, size), lim, c)
	case Text:
		err = extractText(ctx, io.NewSectionReader(r, 0, size), c)
	}
	if err != nil && !errors.Is(err, errFull) {
		return Document{}, err
	}
	return c.doc, nil
}

// errFull stops an extractor once MaxText is reached; it is not a failure.
var errFull = errors.New("extract: text limit reached")

// collector accumulates lines, numbers them and enforces MaxText.
type collector struct {
	doc     Document
	maxText int
	used    int
	page    int // page of the last line added or skipped
	line    int // number of the last line on that page
}

func newCollector(mediaType string, maxText int) *collector {
	return &collector{doc: Document{MediaType: mediaType, Lines: []Line{}}, maxText: maxText}
}

// add appends a line on page (1-based) unless text is blank. It returns
// errFull once the text limit is reached; the line that crosses the limit is
// kept cut at a character boundary.
func (c *collector) add(page int, text string, size float64) error {
	if c.doc.Truncated {
		return errFull
	}
	text = strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD"))
	if text == "" {
		return nil
	}
	c.advance(page)
	if c.doc.Pages < page {
		c.doc.Pages = page
	}
	full := false
	if rest := c.maxText - c.used; len(text) > rest {
		text = cutUTF8(text, rest)
		full = true
	}
	if text != "" {
		c.doc.Lines = append(c.doc.Lines, Line{Page: page, Line: c.line, Text: text, FontSize: roundSize(size)})
		c.used += len(text)
	}
	if full {
		c.doc.Truncated = true
		return errFull
	}
	return nil
}

// skip counts a line on page without keeping it (a blank line in a text file).
func (c *collector) skip(page int) { c.advance(page) }

func (c *collector) advance(page int) {
	if page != c.page {
		c.page, c.line = page, 0
	}
	c.line++
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a character.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func roundSize(s float64) float64 {
	if !(s > 0) || s > 1e5 {
		return 0
	}
	return float64(int64(s*100+0.5)) / 100
}

// budget counts decompressed bytes against Limits.MaxUncompressed across all
// parts of one file.
type budget struct {
	left int64
}

// take charges n bytes and reports whether they fit.
func (b *budget) take(n int64) bool {
	if n < 0 || n > b.left {
		b.left = -1
		return false
	}
	b.left -= n
	return true
}

// ctxReader fails reads once ctx is done, so that a long stream copy stops
// at the deadline.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
