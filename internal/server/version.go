package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
	"github.com/fairshelf/fairshelf/internal/object"
)

// apiUploadVersion streams the multipart field "file" into a new version of
// the asset. The body is read part by part, never buffered whole.
func (s *Server) apiUploadVersion(c echo.Context) error {
	_, v, err := s.uploadVersion(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

// uploadVersion receives the upload into a new version of the asset named by
// the path and starts its compliance check. It fails when the caller may not
// upload to that asset or the stream is refused.
func (s *Server) uploadVersion(c echo.Context) (domain.Asset, domain.Version, error) {
	a, err := s.visibleAsset(c, c.Param("id"), "version", "upload")
	if err != nil {
		return domain.Asset{}, domain.Version{}, err
	}
	v, err := s.receiveUpload(c, a)
	if err != nil {
		return domain.Asset{}, domain.Version{}, err
	}
	s.checkAfterUpload(c, v)
	s.kickRenditions()
	return a, v, nil
}

// webUploadVersion is the browser's upload. The page's script sends the
// CSRF token as a header; the body is a stream and is never parsed as a
// form, so a form-field token would not be seen.
func (s *Server) webUploadVersion(c echo.Context) error {
	a, v, err := s.uploadVersion(c)
	if err != nil {
		return err
	}
	if wantsHTML(c.Request()) {
		return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(a.ID)+"?version="+url.QueryEscape(v.ID))
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) receiveUpload(c echo.Context, a domain.Asset) (domain.Version, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return domain.Version{}, domain.Errorf(domain.EUNSUPPORTED, "Send the file as multipart/form-data in a field named \"file\".")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return domain.Version{}, err
			}
			return domain.Version{}, domain.Errorf(domain.EBADREQUEST, "The multipart body could not be read.")
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		body := &partReader{r: part}
		v, err := s.objects.Upload(c.Request().Context(), s.actor(c), a.ID, part.FileName(), body)
		part.Close()
		var mbe *http.MaxBytesError
		if err != nil && body.err != nil && !errors.As(body.err, &mbe) {
			// The client's body broke off or was malformed mid-file: its
			// fault, not the server's.
			return domain.Version{}, domain.Errorf(
				domain.EBADREQUEST,
				"The upload was cut short or its multipart body is malformed; send the file again.",
			)
		}
		return v, err
	}
	return domain.Version{}, invalidField("file", "Choose a file to upload.")
}

// partReader remembers the error that reading an upload's part ended with,
// other than EOF, so that a body that breaks off is told apart from a
// failure of the server's own.
type partReader struct {
	r   io.Reader
	err error
}

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		p.err = err
	}
	return n, err
}

// visibleVersion loads a version the caller may do object/action on, under
// the same not-found rule as visibleAsset.
func (s *Server) visibleVersion(c echo.Context, object, action string) (domain.Version, error) {
	v, err := s.store.Version(c.Request().Context(), c.Param("id"))
	if err != nil {
		return v, err
	}
	if err := s.allowed(c, v.Brand, "version", "version", object, action); err != nil {
		return domain.Version{}, err
	}
	return v, nil
}

// versionJSON answers an API call on the version the route names: it loads
// the version the caller may do object/action on and answers what do
// returns as JSON with status. Refusals go to the error handler.
func versionJSON[R any](s *Server, c echo.Context, object, action string, status int, do func(domain.Version) (R, error)) error {
	v, err := s.visibleVersion(c, object, action)
	if err != nil {
		return err
	}
	out, err := do(v)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

// versionJSONBody is versionJSON for a call with a JSON body. The body is
// decoded only once the version is found and allowed, so a caller who may
// not see the version learns nothing from the answer to a bad body.
func versionJSONBody[T, R any](s *Server, c echo.Context, object, action string, status int, do func(domain.Version, T) (R, error)) error {
	v, err := s.visibleVersion(c, object, action)
	if err != nil {
		return err
	}
	return jsonCall(c, status, func(in T) (R, error) { return do(v, in) })
}

// versionForm handles a form posted from the asset page on the version the
// route names: a refusal from do renders the page again with the problem,
// success redirects back to the version with the flash message.
func (s *Server) versionForm(c echo.Context, object, action, flash string, do func(domain.Version) error) error {
	v, err := s.visibleVersion(c, object, action)
	if err != nil {
		return err
	}
	if err := do(v); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, flash)
	return backToVersion(c, v)
}

func (s *Server) apiGetVersion(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiVersionText(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return err
	}
	_, lines, err := s.store.VersionText(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusOK)
	_, err = fmt.Fprintf(c.Response(), `{"version_id":%q,"text_status":%q,"pages":%d,"lines":%s}`, v.ID, v.TextStatus, v.Pages, lines)
	return err
}

// apiVersionContent streams a version's file with Range and conditional
// request support. Every download is audited before the first byte leaves.
func (s *Server) apiVersionContent(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "download")
	if err != nil {
		return err
	}
	return s.serveVersion(c, v, wantsInline(c, v.MediaType), func() error {
		details := map[string]any{}
		if r := c.Request().Header.Get("Range"); r != "" {
			details["range"] = truncateHeader(r)
		}
		return s.store.AuditDownload(c.Request().Context(), s.actor(c), v, details)
	})
}

// serveVersion streams a version's verified file. record (audit or usage)
// runs for a GET that sends content once its first block is verified, right
// before the first byte: a download refused before any byte left is not
// recorded, and no byte leaves unrecorded.
func (s *Server) serveVersion(c echo.Context, v domain.Version, inline bool, record func() error) error {
	req := c.Request()
	etag := s.contentHeaders(c, v, inline)
	notModified := req.Method == http.MethodGet && etagMatches(req.Header.Get("If-None-Match"), etag)
	if !notModified {
		if err := checkRange(c, v.Size); err != nil {
			return err
		}
	}
	content, err := s.objects.Open(req.Context(), v.ObjectKey)
	if err != nil {
		if req.Context().Err() != nil {
			return nil // the client left while an old file was checked whole
		}
		return err
	}
	defer content.Close()
	if req.Method != http.MethodGet || notModified {
		record = nil
	}
	return s.sendContent(c, v, content, record)
}

// sendContent answers with the content through http.ServeContent, which
// reads it block by block, each block verified before any of its bytes are
// written. The status line is held back until the first byte, so a failure
// in the first block (a missing or damaged object, an unreachable store)
// still gets a clean error response. A failure after bytes went out aborts
// the connection: the client sees a broken transfer, never a clean end of a
// body with wrong or missing bytes. record, if not nil, runs before the
// first byte; its failure is answered like a read failure.
func (s *Server) sendContent(c echo.Context, v domain.Version, content *object.Reader, record func() error) error {
	w := &heldResponse{ResponseWriter: c.Response(), before: record}
	http.ServeContent(w, c.Request(), "", v.CreatedAt, content)
	err := content.Err()
	if err == nil {
		err = w.release()
	}
	if err == nil {
		return nil
	}
	if !w.sent {
		if req := c.Request(); req.Context().Err() != nil {
			return nil // the client left; there is no one to answer
		}
		// ServeContent described the content it meant to send.
		h := c.Response().Header()
		stale := []string{echo.HeaderContentLength, "Content-Range", "Accept-Ranges", "Last-Modified", echo.HeaderContentEncoding}
		for _, k := range stale {
			h.Del(k)
		}
		return err
	}
	s.log.Warn("http: download aborted after its status was sent", "err", err, "version_id", v.ID, "request_id", requestID(c))
	// net/http closes the connection without logging, and Echo's recover
	// middleware passes this value on untouched.
	panic(http.ErrAbortHandler)
}

// heldResponse holds back a 200 or 206 status until the first byte of the
// body is written, so that the handler can still answer with an error when
// reading the content fails before anything was sent.
type heldResponse struct {
	http.ResponseWriter
	before func() error // runs before the held status goes out; nil: nothing
	code   int          // held status, 0 when none
	sent   bool         // the held status went out
	err    error        // before's failure; nothing is sent after it
}

func (w *heldResponse) WriteHeader(code int) {
	if code == http.StatusOK || code == http.StatusPartialContent {
		w.code = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *heldResponse) Write(p []byte) (int, error) {
	if err := w.release(); err != nil {
		return 0, err
	}
	return w.ResponseWriter.Write(p)
}

// release sends the held status, if any, after running before: for a
// body-less answer (HEAD) the status is all there is.
func (w *heldResponse) release() error {
	if w.err != nil || w.code == 0 || w.sent {
		return w.err
	}
	if w.before != nil {
		if w.err = w.before(); w.err != nil {
			return w.err
		}
	}
	w.sent = true
	w.ResponseWriter.WriteHeader(w.code)
	return nil
}

// contentPolicy is the Content-Security-Policy of every stored file the
// server sends. Whatever a piece holds (a PDF's OpenAction JavaScript, an
// HTML page's script, markup in a file that claims to be an image), a
// browser that opens the response treats it as a sandboxed document of an
// opaque origin: no script, no plugin, no form, no request anywhere, and it
// may not be framed.
const contentPolicy = "default-src 'none'; sandbox; frame-ancestors 'none'"

// inlineMediaTypes are the only types served inline, for the asset page's
// <img> and <video>: a browser decodes them as media and runs nothing from
// them. Everything else (PDF, HTML, Office files, text) is always an
// attachment, whatever the request asks for, so that no viewer with a
// script engine opens it inside the site.
var inlineMediaTypes = map[string]bool{extract.PNG: true, extract.JPEG: true, extract.MP4: true}

// wantsInline reports whether the request asks to see the file inline and
// its type is one a browser shows as media.
func wantsInline(c echo.Context, mediaType string) bool {
	return c.QueryParam("disposition") == "inline" && inlineMediaTypes[mediaType]
}

// ReadFrom is how io.CopyN inside http.ServeContent writes the body: the
// content is written a verified block per write rather than through a
// small copy buffer.
func (w *heldResponse) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if c, ok := lr.R.(*object.Reader); ok {
			n, err := c.WriteN(writerOnly{w}, lr.N)
			lr.N -= n
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return n, err
		}
	}
	return io.Copy(writerOnly{w}, r)
}

// writerOnly hides a writer's ReadFrom, so that io.Copy does not call it
// again.
type writerOnly struct{ io.Writer }

// Unwrap lets http.ResponseController reach the connection.
func (w *heldResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// contentHeaders sets the headers of a file response and returns its ETag.
func (s *Server) contentHeaders(c echo.Context, v domain.Version, inline bool) string {
	h := c.Response().Header()
	etag := `"sha256-` + v.SHA256 + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	h.Set(echo.HeaderContentType, v.MediaType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentPolicy)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	disposition := "attachment"
	if inline && inlineMediaTypes[v.MediaType] {
		disposition = "inline"
	}
	h.Set(echo.HeaderContentDisposition, contentDisposition(disposition, downloadName(v.MediaType, v.Filename)))
	return etag
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == etag || t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

func truncateHeader(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// downloadExtensions are the file name extensions that agree with each
// accepted media type; the first is the one a download name gets when it
// has none of them.
var downloadExtensions = map[string][]string{
	extract.PDF: {".pdf"}, extract.DOCX: {".docx"}, extract.PPTX: {".pptx"}, extract.HTML: {".html", ".htm"},
	extract.Text: {".txt"}, extract.PNG: {".png"}, extract.JPEG: {".jpg", ".jpeg"}, extract.MP4: {".mp4", ".m4v"},
}

// downloadName is the name a browser saves a version under: the uploaded
// name, with the extension of the detected type added when the name claims
// another. Type is detected from the bytes, so a PDF uploaded as
// "setup.exe" or an SVG with a script uploaded as "logo.svg" must not be
// saved under a name the desktop would run or open in a browser.
func downloadName(mediaType, name string) string {
	exts := downloadExtensions[mediaType]
	if len(exts) == 0 || slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		return name
	}
	return name + exts[0]
}

// contentDisposition formats the header with an ASCII fallback and the
// UTF-8 name (RFC 6266), so any sanitized name survives every browser.
func contentDisposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	base := mime.FormatMediaType(kind, map[string]string{"filename": ascii})
	if base == "" {
		base = kind
	}
	return base + "; filename*=UTF-8''" + url.PathEscape(name)
}

// checkRange answers a Range header that cannot be served (malformed, or
// no range inside the file) with a JSON 416 before anything is sent, as
// http.ServeContent would otherwise answer in plain text. A header that is
// ignored because of If-Range is left to http.ServeContent.
func checkRange(c echo.Context, size int64) error {
	req := c.Request()
	header := req.Header.Get("Range")
	if header == "" || req.Header.Get("If-Range") != "" {
		return nil
	}
	if !rangeSatisfiable(header, size) {
		c.Response().Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		return domain.Errorf(domain.ERANGE, "The requested byte range is malformed or outside the file (%d bytes).", size)
	}
	return nil
}

// rangeSatisfiable reports whether a Range header is well formed and asks
// for at least one byte of a file of size bytes.
func rangeSatisfiable(header string, size int64) bool {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok {
		return false
	}
	satisfiable := false
	for _, r := range strings.Split(spec, ",") {
		r = strings.TrimSpace(r)
		start, end, ok := strings.Cut(r, "-")
		if !ok {
			return false
		}
		start, end = strings.TrimSpace(start), strings.TrimSpace(end)
		if start == "" {
			n, err := strconv.ParseInt(end, 10, 64)
			if err != nil || n < 0 {
				return false
			}
			satisfiable = satisfiable || (n > 0 && size > 0)
			continue
		}
		s, err := strconv.ParseInt(start, 10, 64)
		if err != nil || s < 0 {
			return false
		}
		if end != "" {
			e, err := strconv.ParseInt(end, 10, 64)
			if err != nil || e < s {
				return false
			}
		}
		satisfiable = satisfiable || s < size
	}
	return satisfiable
}
