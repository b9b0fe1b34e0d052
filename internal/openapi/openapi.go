// Package openapi holds the OpenAPI 3 description of Fairshelf's JSON API,
// served at GET /api/v1/openapi.json.
//
// The document is hand-written, so that its descriptions speak to the
// integrators who read it. The validator that checks it against the server's
// real exchanges lives in openapitest, apart from this package, so that the
// production binary embeds the document without linking the validator's
// dependencies.
package openapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document as JSON. The slice is a copy, so
// callers may keep or change it.
func Document() []byte { return bytes.Clone(document) }
