package server

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// statusOf maps each domain error code to its HTTP status. It is the only
// place in Fairshelf that chooses status codes for errors.
var statusOf = map[string]int{
	domain.EINVALID:     http.StatusUnprocessableEntity,
	domain.EBADREQUEST:  http.StatusBadRequest,
	domain.EUNAUTH:      http.StatusUnauthorized,
	domain.EFORBIDDEN:   http.StatusForbidden,
	domain.EPWCHANGE:    http.StatusForbidden,
	domain.ENOTFOUND:    http.StatusNotFound,
	domain.ECONFLICT:    http.StatusConflict,
	domain.EGONE:        http.StatusGone,
	domain.ETOOLARGE:    http.StatusRequestEntityTooLarge,
	domain.EUNSUPPORTED: http.StatusUnsupportedMediaType,
	domain.ERANGE:       http.StatusRequestedRangeNotSatisfiable,
	domain.ETOOMANY:     http.StatusTooManyRequests,
	domain.EUNAVAILABLE: http.StatusServiceUnavailable,
	domain.EINTEGRITY:   http.StatusServiceUnavailable,
	domain.EINTERNAL:    http.StatusInternalServerError,
}

// errorBody is the JSON error envelope of the public API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// classify turns any error into a status and client-safe detail. Echo's own
// errors (unknown route, wrong method, bad binding) and oversized bodies are
// translated too, so no error escapes as a bare 500.
func classify(err error) (int, errorDetail) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, errorDetail{Code: domain.ETOOLARGE, Message: "The request body is too large."}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		status, ok := statusOf[de.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		if status == http.StatusInternalServerError {
			return status, errorDetail{Code: domain.EINTERNAL, Message: "An internal error occurred."}
		}
		return status, errorDetail{Code: de.Code, Message: de.Message, Fields: de.Fields}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		d := errorDetail{Code: codeForStatus(he.Code), Message: http.StatusText(he.Code) + "."}
		switch he.Code {
		case http.StatusNotFound:
			d.Message = "No such page or resource."
		case http.StatusMethodNotAllowed:
			d.Message = "This method is not allowed here."
		case http.StatusBadRequest:
			d.Message = "The request could not be read."
		}
		return he.Code, d
	}
	return http.StatusInternalServerError, errorDetail{Code: domain.EINTERNAL, Message: "An internal error occurred."}
}

func codeForStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	if status == http.StatusMethodNotAllowed {
		return "method_not_allowed"
	}
	return domain.EBADREQUEST
}

// handleError is Echo's error handler: it logs internal errors with the
// request ID, never shows their text, and answers JSON or an HTML page by
// the Accept header.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Warn("http: error after response started", "err", err, "request_id", requestID(c))
		return
	}
	status, d := classify(err)
	d.RequestID = requestID(c)
	// A handler may have prepared headers for the content it meant to
	// send; they must not describe the error instead.
	h := c.Response().Header()
	h.Del(echo.HeaderContentType)
	h.Del(echo.HeaderContentDisposition)
	h.Del("ETag")
	switch {
	case d.Code == domain.EINTEGRITY:
		// Retrying does not help: the stored file stays refused until an
		// administrator restores it. The alarm was raised when it was found.
		s.log.Warn("http: content refused, integrity failure", "err", err, "request_id", d.RequestID)
	case status == http.StatusServiceUnavailable:
		// The message says which dependency failed ("The database is not
		// reachable."), never why; the cause goes to the log.
		s.log.Warn("http: dependency unavailable", "err", err, "request_id", d.RequestID)
		c.Response().Header().Set("Retry-After", "5")
	case status >= 500:
		s.log.Error("http: internal error", "err", err, "request_id", d.RequestID, "method", c.Request().Method, "path", c.Path())
		d.Message = "An internal error occurred. Quote the request ID to support."
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(status)
	case wantsHTML(c.Request()):
		werr = s.renderError(c, status, d)
	default:
		werr = c.JSON(status, errorBody{Error: d})
	}
	if werr != nil {
		s.log.Warn("http: write error response", "err", werr, "request_id", d.RequestID)
	}
}

// wantsHTML reports whether the client is a browser asking for a page rather
// than an API client. API paths always get JSON.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	return strings.Contains(r.Header.Get(echo.HeaderAccept), "text/html")
}

// errorView is what error.html shows.
type errorView struct {
	*pageData
	Error *pageError
}

func (errorView) templateName() string { return "error.html" }

func (s *Server) renderError(c echo.Context, status int, d errorDetail) error {
	var buf bytes.Buffer
	data := errorView{pageData: s.pageData(c, "Error"),
		Error: &pageError{Code: d.Code, Message: d.Message, Status: status, RequestID: d.RequestID}}
	if err := s.pages.render(&buf, data); err != nil {
		s.log.Error("http: render error page", "err", err)
		return c.JSON(status, errorBody{Error: d})
	}
	return c.HTMLBlob(status, buf.Bytes())
}
