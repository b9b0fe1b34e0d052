package server

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

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
		return 0, &domain.Error{
			Code:    domain.EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{name: hint},
		}
	}
	return n, nil
}
