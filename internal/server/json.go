package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// decodeJSON reads the request body as exactly one JSON value into dst.
// Unknown fields are rejected so that a misspelt field is an error, not a
// silently ignored instruction; wrong types name the field.
func decodeJSON(c echo.Context, dst any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
		return domain.Errorf(domain.EUNSUPPORTED, "Send a JSON body with Content-Type: application/json.")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
			return err
		}
		return domain.Errorf(domain.EBADREQUEST, "The body must hold exactly one JSON value.")
	}
	return nil
}

// jsonCall answers a call with a JSON body: it decodes the body into a T
// and answers what do returns as JSON with status. Refusals go to the
// error handler.
func jsonCall[T, R any](c echo.Context, status int, do func(T) (R, error)) error {
	var in T
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := do(in)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

// decodeValid is decodeJSON for a new domain value: it also runs the
// value's own validation, which may normalise it.
func decodeValid(c echo.Context, dst interface{ Validate() error }) error {
	if err := decodeJSON(c, dst); err != nil {
		return err
	}
	return dst.Validate()
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &syn):
		return domain.Errorf(domain.EBADREQUEST, "The body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalidField(field, fmt.Sprintf("Expected %s.", typ.Type.String()))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EBADREQUEST, "The body is empty or incomplete JSON.")
	default:
		// Unknown fields and other decoder complaints are safe to show.
		return domain.Errorf(domain.EBADREQUEST, "The body could not be read: %s.", err.Error())
	}
}
