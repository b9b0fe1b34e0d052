// Package openapitest checks real requests and responses against Fairshelf's
// OpenAPI document (package openapi). It is for tests only: import it from
// _test.go files, never from production code, so that kin-openapi and what it
// brings (gorilla/mux, a JSON-schema and a YAML library) stay out of the
// binary.
//
// The document is hand-written, so that its descriptions speak to the
// integrators who read it; the validator keeps it honest: the server's test
// suite passes every API exchange it makes through Check, and a test compares
// the documented operations with the routes the server registers.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/fairshelf/fairshelf/internal/openapi"
)

// Validator checks requests and responses against the document. It is for
// tests: every API call the server's test suite makes is checked, so the
// document cannot drift from the code.
//
// It is stricter than the published document in one way: response objects
// that list their properties are checked as if they had
// "additionalProperties: false", so a field the server sends but the
// document does not describe is a mismatch. (The published document leaves
// responses open so that clients tolerate fields added later.)
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// NewValidator loads and validates the embedded document. It fails if the
// document is not valid OpenAPI 3.
func NewValidator() (*Validator, error) {
	doc, err := load()
	if err != nil {
		return nil, err
	}
	closeResponseObjects(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapitest: router: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// load parses the embedded document and checks it against the OpenAPI 3
// rules.
func load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document())
	if err != nil {
		return nil, fmt.Errorf("openapitest: load document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapitest: invalid document: %w", err)
	}
	return doc, nil
}

// Check validates one exchange. reqBody is the request body that was sent
// (the request's Body has been consumed). It returns nil for paths outside
// /api/ that the document does not describe (web pages) and otherwise an
// error describing every mismatch, including "no operation for METHOD PATH"
// so that undocumented routes fail.
//
// The request is checked only when the server accepted it (status below
// 400): tests send malformed requests on purpose to see them refused, and
// a refused request says nothing about the document. An accepted request
// that the document calls invalid means the document is stricter than the
// server.
//
// A method or path the document does not know passes only when the server
// agreed that no such route exists, answering 404 (not_found) or 405
// (method_not_allowed) with the error envelope.
func (v *Validator) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if !strings.HasPrefix(req.URL.Path, "/api/") {
			return nil
		}
		if noRoute(status, header, body) {
			return nil
		}
		return fmt.Errorf("openapitest: no operation for %s %s (answered %d)", req.Method, req.URL.Path, status)
	}
	ctx := req.Context()
	reqOpts := &openapi3filter.Options{
		MultiError:                 true,
		AuthenticationFunc:         anyBearer,
		ExcludeReadOnlyValidations: true, // the server ignores read-only fields it is sent
		SkipSettingDefaults:        true,
	}
	reqOpts.WithCustomSchemaErrorFunc(schemaError)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: reqOpts}
	var errs []error
	if status < 400 {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		r.ContentLength = int64(len(reqBody))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
		rin := *in
		rin.Request = r
		if err := openapi3filter.ValidateRequest(ctx, &rin); err != nil {
			errs = append(errs, fmt.Errorf("request: %w", err))
		}
	}
	if err := v.checkResponse(ctx, in, status, header, body); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("openapitest: %s %s (%s) answered %d: %w", req.Method, req.URL.Path, route.Operation.OperationID, status, errors.Join(errs...))
}

func (v *Validator) checkResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	op := in.Route.Operation
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("status %d is not documented", status)
	}
	ct := header.Get("Content-Type")
	if len(ref.Value.Content) == 0 {
		if len(body) > 0 && in.Request.Method != http.MethodHead {
			return fmt.Errorf("status %d is documented without a body, but %d bytes of %q were sent", status, len(body), ct)
		}
	} else if ref.Value.Content.Get(ct) == nil && status != http.StatusNotModified && in.Request.Method != http.MethodHead {
		return fmt.Errorf("status %d: content type %q is not documented", status, ct)
	}
	opts := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		// Files (the content route, metrics) are checked for status,
		// content type and headers only.
		ExcludeResponseBody: !isJSON(ct),
	}
	opts.WithCustomSchemaErrorFunc(schemaError)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(ctx, out)
}

// schemaError words a schema mismatch on one line: where, what, and the
// offending value (shortened), instead of kin-openapi's dump of the whole
// schema.
func schemaError(err *openapi3.SchemaError) string {
	reason := err.Reason
	if reason == "" {
		reason = "does not match " + err.SchemaField
	}
	msg := fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), reason)
	if err.SchemaField == "required" || err.SchemaField == "additionalProperties" {
		return msg // the value is the whole object; the reason names the property
	}
	value, _ := json.Marshal(err.Value)
	if len(value) > 120 {
		value = append(value[:117:117], "..."...)
	}
	return fmt.Sprintf("%s (value %s)", msg, value)
}

// anyBearer accepts any bearer token: whether it is valid is the server's
// business; the validator only checks that one was sent where the document
// requires it.
func anyBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("security scheme %q is not an HTTP bearer scheme", in.SecuritySchemeName)
	}
	scheme, token, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New("no Authorization: Bearer header")
	}
	return nil
}

// noRoute reports whether the answer is the server's own "no such route":
// 404 or 405 with the matching code in the error envelope.
func noRoute(status int, header http.Header, body []byte) bool {
	var want string
	switch status {
	case http.StatusNotFound:
		want = "not_found"
	case http.StatusMethodNotAllowed:
		want = "method_not_allowed"
	default:
		return false
	}
	if !isJSON(header.Get("Content-Type")) {
		return false
	}
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &env) == nil && env.Error.Code == want
}

// isJSON reports whether a Content-Type is JSON (application/json or a
// +json type).
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// closeResponseObjects forbids undocumented properties in every response
// object schema that lists its properties and says nothing about others.
// Request schemas are left as written: they already say what the server
// accepts.
func closeResponseObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range list {
				walk(x)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}
