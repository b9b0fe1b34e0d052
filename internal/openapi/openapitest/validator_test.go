package openapitest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDocumentIsValidOpenAPI(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Info.Title != "Fairshelf API" || doc.Info.Version != "1.0.0" {
		t.Errorf("openapi %q, title %q, version %q; want 3.0.3, Fairshelf API, 1.0.0", doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %v, want one with url /", doc.Servers)
	}
	if _, err := NewValidator(); err != nil {
		t.Fatal(err)
	}
}

// TestEveryOperationIsDescribed checks what an integrator needs of every
// operation: an ID, a summary and description, the failures an API call can
// meet, and the error envelope for each of them.
func TestEveryOperationIsDescribed(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	public := []string{"login", "getOpenAPI", "healthz", "readyz", "metrics"}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" || op.Description == "" {
				t.Errorf(
					"%s: operationId %q, summary %q, description of %d bytes; want all three",
					name,
					op.OperationID,
					op.Summary,
					len(op.Description),
				)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			isPublic := op.Security != nil && len(*op.Security) == 0
			if isPublic != slices.Contains(public, op.OperationID) {
				t.Errorf("%s: public = %v; only %v are public", name, isPublic, public)
			}
			var has4xx, has2xx bool
			for code, r := range op.Responses.Map() {
				has2xx = has2xx || strings.HasPrefix(code, "2")
				has4xx = has4xx || strings.HasPrefix(code, "4")
				if strings.HasPrefix(path, "/api/") && (code[0] == '4' || code[0] == '5') {
					if r.Ref == "" || !strings.HasPrefix(r.Ref, "#/components/responses/") {
						t.Errorf("%s %s: use a shared error response from components/responses", name, code)
					}
				}
			}
			if !has2xx {
				t.Errorf("%s: no success response", name)
			}
			// Health checks and metrics answer no client error; every API
			// operation can.
			if strings.HasPrefix(path, "/api/") && !has4xx {
				t.Errorf("%s: no 4xx response", name)
			}
			if strings.HasPrefix(path, "/api/") && !isPublic && (op.Responses.Status(401) == nil || op.Responses.Status(503) == nil) {
				t.Errorf("%s: a protected operation must document 401 and 503", name)
			}
		}
	}
}

// pendingRoutes are documented operations the server does not register
// yet. Remove an entry once routes.go serves it.
var pendingRoutes = map[string]bool{}

// TestDocumentMatchesRoutes reads the server's route table as text (this
// package must not import the server) and compares it with the document
// both ways.
func TestDocumentMatchesRoutes(t *testing.T) {
	src, err := os.ReadFile("../../server/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`s\.add\(http\.Method(\w+),\s*"([^"]+)"`)
	param := regexp.MustCompile(`:(\w+)`)
	registered := map[string]bool{}
	for _, m := range re.FindAllSubmatch(src, -1) {
		method, path := strings.ToUpper(string(m[1])), param.ReplaceAllString(string(m[2]), "{$1}")
		registered[method+" "+path] = true
	}
	if len(registered) < 10 {
		t.Fatalf("found only %d routes in routes.go; has the s.add pattern changed?", len(registered))
	}
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for r := range registered {
		if strings.Contains(r, " /api/") && !documented[r] {
			t.Errorf("route %s is registered in routes.go but not documented in openapi.json", r)
		}
	}
	for d := range documented {
		switch {
		case registered[d] && pendingRoutes[d]:
			t.Logf("%s is now registered; remove it from pendingRoutes", d)
		case pendingRoutes[d]:
			t.Logf("%s is documented but not registered yet (pending)", d)
		case !registered[d]:
			t.Errorf("operation %s is documented but not registered in routes.go", d)
		}
	}
}

const bearer = "Bearer fs_test"

// exchange is one request and answer for Check.
type exchange struct {
	name       string
	method     string
	target     string
	auth       string
	reqType    string
	reqBody    []byte
	status     int
	respType   string
	respHeader map[string]string
	respBody   []byte
	wantErr    string // "" when the exchange matches the document
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// with returns a copy of m with the given keys set (or removed when the
// value is nil).
func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	const (
		uid = "01933b8e-8d3c-7c4e-9a51-3f0e6c2b9d10"
		aid = "01933b8e-8d3c-7c4e-9a51-3f0e6c2b9d11"
		vid = "01933b8e-8d3c-7c4e-9a51-3f0e6c2b9d12"
		sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
		now = "2026-11-25T09:00:00.123456Z"
	)
	user := map[string]any{
		"id": uid, "email": "rep@example.com", "display_name": "Rhea Rep", "disabled": false,
		"roles": []any{map[string]any{"role": "rep", "brand": "ZELTRA"}}, "created_at": now, "updated_at": now,
	}
	version := map[string]any{
		"id": vid, "asset_id": aid, "number": 1, "state": "draft", "sha256": sum, "size": 1234,
		"media_type": "application/pdf", "filename": "detail aid.pdf", "pages": 2, "text_status": "ok",
		"uploaded_by": uid, "uploader": "Mark Marketer", "created_at": now,
	}
	asset := map[string]any{
		"id": aid, "job_code": "ZEL-HCP-0042", "title": "ZELTRA HCP detail aid", "brand": "ZELTRA", "audience": "hcp",
		"channel": "detail_aid", "tags": []any{}, "owner_id": uid, "owner": "Mark Marketer", "created_at": now, "updated_at": now,
	}
	newAsset := map[string]any{
		"job_code": "ZEL-HCP-0042",
		"title":    "ZELTRA HCP detail aid",
		"brand":    "ZELTRA",
		"audience": "hcp",
		"channel":  "detail_aid",
	}
	errBody := func(code string, extra ...any) []byte {
		return mustJSON(
			t,
			map[string]any{"error": with(map[string]any{"code": code, "message": "Something.", "request_id": "0a1b2c"}, extra...)},
		)
	}
	contentHeaders := map[string]string{
		"ETag": `"sha256-` + sum + `"`, "Content-Disposition": `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`,
		"Accept-Ranges": "bytes",
	}
	upload := func(field string) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, err := w.CreateFormFile(field, "detail aid.pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte("%PDF-1.7\n..."))
		w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	uploadType, uploadBody := upload("file")
	wrongType, wrongBody := upload("document")

	for _, x := range []exchange{
		// Matching exchanges.
		{name: "me", method: "GET", target: "/api/v1/me", auth: bearer, status: 200, respBody: mustJSON(t, user)},
		{name: "error envelope", method: "GET", target: "/api/v1/users/nobody", auth: bearer, status: 404, respBody: errBody("not_found")},
		{name: "422 with fields", method: "POST", target: "/api/v1/assets", auth: bearer, reqType: "application/json",
			reqBody: []byte(`{"job_code":""}`),
			status:  422, respBody: errBody("invalid", "fields", map[string]any{"job_code": "Use 3-64 letters."})},
		{name: "401 without token", method: "GET", target: "/api/v1/me", status: 401, respBody: errBody("unauthorized")},
		{name: "login", method: "POST", target: "/api/v1/auth/login", reqType: "application/json",
			reqBody: []byte(`{"email":"rep@example.com","password":"a sound password 9"}`),
			status:  200, respHeader: map[string]string{"Cache-Control": "no-store"},
			respBody: mustJSON(t, map[string]any{"token": "fs_abc", "expires_at": now, "user": user})},
		{name: "logout", method: "POST", target: "/api/v1/auth/logout", auth: bearer, status: 204, respType: "-"},
		{name: "create asset", method: "POST", target: "/api/v1/assets", auth: bearer, reqType: "application/json",
			reqBody: mustJSON(t, newAsset), status: 201, respBody: mustJSON(t, asset)},
		{name: "asset detail", method: "GET", target: "/api/v1/assets/" + aid, auth: bearer, status: 200,
			respBody: mustJSON(t, with(asset, "latest_version", version, "versions", []any{version}))},
		{name: "asset list", method: "GET", target: "/api/v1/assets?state=draft&limit=10", auth: bearer, status: 200,
			respBody: mustJSON(t, map[string]any{"assets": []any{asset}, "next_cursor": ""})},
		{name: "upload", method: "POST", target: "/api/v1/assets/" + aid + "/versions", auth: bearer, reqType: uploadType,
			reqBody: uploadBody, status: 201, respBody: mustJSON(t, version)},
		{name: "text", method: "GET", target: "/api/v1/versions/" + vid + "/text", auth: bearer, status: 200,
			respBody: []byte(`{"version_id":"` + vid +
				`","text_status":"ok","pages":1,"lines":[` +
				`{"page":1,"line":1,"text":"ZELTRA","font_size":12.5},{"page":1,"line":2,"text":"x"}]}`)},
		{name: "download", method: "GET", target: "/api/v1/versions/" + vid + "/content", auth: bearer, status: 200,
			respType: "application/pdf", respHeader: contentHeaders, respBody: []byte("%PDF-1.7")},
		{name: "partial download", method: "GET", target: "/api/v1/versions/" + vid + "/content?disposition=inline", auth: bearer,
			status: 206, respType: "application/pdf",
			respHeader: map[string]string{"ETag": contentHeaders["ETag"], "Content-Disposition": "inline", "Content-Range": "bytes 0-3/8"},
			respBody:   []byte("%PDF")},
		{name: "not modified", method: "GET", target: "/api/v1/versions/" + vid + "/content", auth: bearer, status: 304, respType: "-",
			respHeader: map[string]string{"ETag": contentHeaders["ETag"]}},
		{name: "range not satisfiable", method: "GET", target: "/api/v1/versions/" + vid + "/content", auth: bearer, status: 416,
			respType: "application/json",
			respBody: []byte(`{"error":{"code":"range_not_satisfiable","message":"The requested byte range is outside the file."}}`)},
		{name: "audit verify", method: "GET", target: "/api/v1/audit/verify", auth: bearer, status: 200,
			respBody: []byte(`{"ok":false,"checked":4,"last_seq":4,"last_hash":"` + sum +
				`","broken":{"seq":5,"reason":"event altered"}}`)},
		{name: "healthz", method: "GET", target: "/healthz", status: 200, respBody: []byte(`{"status":"ok"}`)},
		{name: "readyz down", method: "GET", target: "/readyz", status: 503,
			respBody: []byte(`{"status":"unavailable","checks":{"database":"ok","objects":"unreachable"}}`)},
		{name: "metrics", method: "GET", target: "/metrics", status: 200,
			respType: "text/plain; version=0.0.4; charset=utf-8; escaping=underscores", respBody: []byte("# HELP x\n")},
		{name: "web page", method: "GET", target: "/assets", status: 200, respType: "text/html; charset=UTF-8",
			respBody: []byte("<!doctype html>")},
		{name: "web method refused", method: "DELETE", target: "/healthz", status: 405, respBody: errBody("method_not_allowed")},
		{name: "unknown API path refused", method: "GET", target: "/api/v1/nope", auth: bearer, status: 404,
			respBody: errBody("not_found")},
		{name: "unknown API method refused", method: "DELETE", target: "/api/v1/me", auth: bearer, status: 405,
			respBody: errBody("method_not_allowed")},
		{name: "refused request is not checked", method: "POST", target: "/api/v1/assets", auth: bearer, reqType: "text/plain",
			reqBody: []byte("hello"), status: 415, respBody: errBody("unsupported_media_type")},

		// Mismatches.
		{name: "missing required field", method: "GET", target: "/api/v1/me", auth: bearer, status: 200,
			respBody: mustJSON(t, with(user, "roles", nil)),
			wantErr:  `property "roles" is missing`},
		{name: "undocumented field", method: "GET", target: "/api/v1/me", auth: bearer, status: 200,
			respBody: mustJSON(t, with(user, "password_hash", "x")),
			wantErr:  "password_hash"},
		{name: "null array", method: "GET", target: "/api/v1/assets/" + aid, auth: bearer, status: 200,
			respBody: mustJSON(t, with(asset, "versions", nil)),
			wantErr:  `property "versions" is missing`},
		{name: "wrong enum", method: "GET", target: "/api/v1/versions/" + vid, auth: bearer, status: 200,
			respBody: mustJSON(t, with(version, "state", "pending")),
			wantErr:  "state"},
		{name: "bad error envelope", method: "GET", target: "/api/v1/users/nobody", auth: bearer, status: 404,
			respBody: []byte(`{"message":"not found"}`),
			wantErr:  `property "error" is missing`},
		{name: "undocumented path", method: "GET", target: "/api/v1/nope", auth: bearer, status: 200, respBody: []byte(`{}`),
			wantErr: "no operation for GET /api/v1/nope"},
		{name: "undocumented method", method: "DELETE", target: "/api/v1/me", auth: bearer, status: 204, respType: "-",
			wantErr: "no operation for DELETE /api/v1/me"},
		{name: "undocumented status", method: "GET", target: "/api/v1/me", auth: bearer, status: 409, respBody: errBody("conflict"),
			wantErr: "status 409 is not documented"},
		{name: "wrong content type", method: "GET", target: "/api/v1/me", auth: bearer, status: 200, respType: "text/html",
			respBody: []byte("<p>"),
			wantErr:  `content type "text/html" is not documented`},
		{name: "body on 204", method: "POST", target: "/api/v1/auth/logout", auth: bearer, status: 204, respBody: []byte(`{}`),
			wantErr: "without a body"},
		{name: "accepted request missing a field", method: "POST", target: "/api/v1/assets", auth: bearer, reqType: "application/json",
			reqBody: mustJSON(t, with(newAsset, "channel", nil)),
			status:  201, respBody: mustJSON(t, asset), wantErr: `property "channel" is missing`},
		{name: "accepted request with unknown field", method: "POST", target: "/api/v1/assets", auth: bearer, reqType: "application/json",
			reqBody: mustJSON(t, with(newAsset, "colour", "red")),
			status:  201, respBody: mustJSON(t, asset), wantErr: "colour"},
		{name: "served without a token", method: "GET", target: "/api/v1/me", status: 200, respBody: mustJSON(t, user),
			wantErr: "security requirements failed"},
		{name: "bad query parameter accepted", method: "GET", target: "/api/v1/assets?limit=500", auth: bearer, status: 200,
			respBody: mustJSON(t, map[string]any{"assets": []any{}, "next_cursor": ""}), wantErr: `parameter "limit"`},
		{name: "upload without file part accepted", method: "POST", target: "/api/v1/assets/" + aid + "/versions", auth: bearer,
			reqType: wrongType, reqBody: wrongBody,
			status: 201, respBody: mustJSON(t, version), wantErr: "request body has an error"},
		{name: "download without ETag", method: "GET", target: "/api/v1/versions/" + vid + "/content", auth: bearer, status: 200,
			respType:   "application/pdf",
			respHeader: with2(contentHeaders, "ETag", ""), respBody: []byte("%PDF-1.7"), wantErr: `response header "ETag" missing`},
		{name: "bad health", method: "GET", target: "/healthz", status: 200, respBody: []byte(`{"status":"fine"}`), wantErr: "status"},
	} {
		t.Run(x.name, func(t *testing.T) {
			req := httptest.NewRequest(x.method, x.target, bytes.NewReader(x.reqBody))
			if x.auth != "" {
				req.Header.Set("Authorization", x.auth)
			}
			if x.reqType != "" {
				req.Header.Set("Content-Type", x.reqType)
			}
			h := http.Header{}
			switch x.respType {
			case "":
				h.Set("Content-Type", "application/json")
			case "-":
			default:
				h.Set("Content-Type", x.respType)
			}
			for k, val := range x.respHeader {
				if val != "" {
					h.Set(k, val)
				}
			}
			err := v.Check(req, x.reqBody, x.status, h, x.respBody)
			switch {
			case x.wantErr == "" && err != nil:
				t.Errorf("Check: %v", err)
			case x.wantErr != "" && err == nil:
				t.Errorf("Check passed; want an error containing %q", x.wantErr)
			case x.wantErr != "" && !strings.Contains(err.Error(), x.wantErr):
				t.Errorf("Check: %v\nwant an error containing %q", err, x.wantErr)
			}
		})
	}
}

func with2(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
