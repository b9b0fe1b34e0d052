package server

import (
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// queryChoice reads the query parameter name, which must be empty or one
// of choices; anything else is a field error with hint.
func queryChoice(c echo.Context, name, hint string, choices ...string) (string, error) {
	q := c.QueryParam(name)
	if q != "" && !slices.Contains(choices, q) {
		return "", invalidField(name, hint)
	}
	return q, nil
}

// queryInt reads the whole-number query parameter name, which must lie in
// [lo, hi]. An absent parameter is def; anything else outside the range is
// a field error with hint.
func queryInt(c echo.Context, name string, def, lo, hi int, hint string) (int, error) {
	q := c.QueryParam(name)
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < lo || n > hi {
		return 0, invalidField(name, hint)
	}
	return n, nil
}

// invalidField is the refusal of a request with one field wrong.
func invalidField(name, hint string) error {
	return &domain.Error{
		Code:    domain.EINVALID,
		Message: "Some fields are not valid.",
		Fields:  map[string]string{name: hint},
	}
}
