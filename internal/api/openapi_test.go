package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/rs/zerolog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"filmsearch/internal/index"
)

func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router from openapi.json: %v", err)
	}
	return doc, router
}

func TestOpenAPIDocument(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	// Every error code the server can send is in the envelope's enum, and nothing else is.
	var enum []string
	for _, v := range doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum {
		enum = append(enum, v.(string))
	}
	var codes []string
	for c := range statusOf {
		codes = append(codes, c)
	}
	slices.Sort(enum)
	slices.Sort(codes)
	if !slices.Equal(enum, codes) {
		t.Errorf("error codes in openapi.json = %v; statusOf has %v", enum, codes)
	}
	// The served document is the embedded one.
	h := newTestHandler(t, Options{})
	rec := get(t, h, "/openapi.json")
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), openAPIDoc) {
		t.Errorf("GET /openapi.json = %d, %d bytes; want 200 and the embedded document", rec.Code, rec.Body.Len())
	}
}

// failingSearcher answers every search with err, to reach the 500 and 503 answers.
type failingSearcher struct {
	*index.Index
	err error
}

func (f failingSearcher) Search(context.Context, index.Request) (*index.Result, error) {
	return nil, f.err
}

func (f failingSearcher) Similar(context.Context, string, int, int) (*index.Result, error) {
	return nil, f.err
}

// TestOpenAPIResponses sends a representative set of requests through the real router and
// validates each response, status, headers and body, against openapi.json. An answer the
// document does not describe fails, so the document cannot drift from the code.
func TestOpenAPIResponses(t *testing.T) {
	doc, router := loadOpenAPI(t)
	// The dashboard is HTML, a string to the document.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
	const key = "test-admin-key"
	opts := Options{
		AdminKey:     key,
		CacheEntries: 16,
		Reload:       func(context.Context) (bool, error) { return false, nil },
		Reindex:      func(context.Context) error { return nil },
	}
	h := newTestHandler(t, opts)
	failingReload := opts
	failingReload.Reload = func(context.Context) (bool, error) { return false, errors.New("disk on fire") }
	ix := testIndex(t)
	handlers := map[string]http.Handler{
		"default":        h,
		"no-admin":       newTestHandler(t, Options{}),
		"failing-reload": newTestHandler(t, failingReload),
		"not-ready":      newTestHandler(t, Options{Ready: func() bool { return false }}),
		"starting":       NewStarting(zerolog.Nop(), func() string { return "building the first index" }),
		"rate-limited":   newTestHandlerFor(t, ix, Options{RatePerSecond: 0.001, RateBurst: 1}),
		"broken":         newTestHandlerFor(t, failingSearcher{ix, errors.New("disk on fire")}, Options{}),
		"slow":           newTestHandlerFor(t, failingSearcher{ix, context.DeadlineExceeded}, Options{}),
	}

	// A real film id and ETag, so the film and 304 cases use what the server hands out.
	first := get(t, h, "/api/search?q=nutcracker")
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(first.Body.Bytes(), &res); err != nil || len(res.Hits) == 0 {
		t.Fatalf("search nutcracker: %d %s", first.Code, first.Body)
	}
	filmID, etag := res.Hits[0].ID, first.Header().Get("ETag")
	similarETag := get(t, h, "/api/films/"+filmID+"/similar").Header().Get("ETag")
	longQuery := words(index.MaxQueryTerms+1, " ")

	tests := []struct {
		name, handler, method, target string
		header                        map[string]string
		warm                          int // requests sent first (rate limit)
		want                          int
		code                          string // error code, for error answers
	}{
		{name: "search", target: "/api/search?q=nutcracker", want: 200},
		{name: "browse", target: "/api/search", want: 200},
		{name: "filtered page", target: "/api/search?q=ballet&decade=1970s&decade=1980s&sort=-year&per_page=5&page=2&facet_size=3", want: 200},
		{name: "year range", target: "/api/search?q=swan&year_min=1950&year_max=1990&year=1957&sort=title", want: 200},
		{name: "zero results", target: "/api/search?q=zzqxjv", want: 200},
		{name: "typo", target: "/api/search?q=nutcraker", want: 200},
		{name: "not modified", target: "/api/search?q=nutcracker", header: map[string]string{"If-None-Match": etag}, want: 304},
		{name: "bad per_page", target: "/api/search?per_page=0", want: 400, code: CodeInvalidParameter},
		{name: "unknown param", target: "/api/search?qq=1", want: 400, code: CodeInvalidParameter},
		{name: "bad query", target: "/api/search?q=" + strings.ReplaceAll(longQuery, " ", "+"), want: 400, code: CodeBadQuery},
		{name: "search internal", handler: "broken", target: "/api/search?q=swan", want: 500, code: CodeInternal},
		{name: "search timeout", handler: "slow", target: "/api/search?q=swan", want: 503, code: CodeUnavailable},
		{name: "rate limited", handler: "rate-limited", target: "/api/search?q=swan", warm: 1, want: 429, code: CodeRateLimited},
		{name: "preflight", method: http.MethodOptions, target: "/api/search", header: map[string]string{"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}, want: 204},
		{name: "suggest", target: "/api/suggest?q=nut", want: 200},
		{name: "suggest limit", target: "/api/suggest?q=s&limit=3", want: 200},
		{name: "suggest bad limit", target: "/api/suggest?limit=99", want: 400, code: CodeInvalidParameter},
		{name: "suggest preflight", method: http.MethodOptions, target: "/api/suggest", header: map[string]string{"Origin": "https://example.org"}, want: 204},
		{name: "film", target: "/api/films/" + filmID, want: 200},
		{name: "film missing", target: "/api/films/no-such-film-1900", want: 404, code: CodeNotFound},
		{name: "film bad id", target: "/api/films/Bad~Id", want: 400, code: CodeInvalidParameter},
		{name: "similar", target: "/api/films/" + filmID + "/similar", want: 200},
		{name: "similar page", target: "/api/films/" + filmID + "/similar?per_page=2&page=2", want: 200},
		{name: "similar missing", target: "/api/films/no-such-film-1900/similar", want: 404, code: CodeNotFound},
		{name: "similar bad id", target: "/api/films/Bad~Id/similar", want: 400, code: CodeInvalidParameter},
		{name: "similar bad per_page", target: "/api/films/" + filmID + "/similar?per_page=51", want: 400, code: CodeInvalidParameter},
		{name: "similar unknown param", target: "/api/films/" + filmID + "/similar?q=x", want: 400, code: CodeInvalidParameter},
		{name: "similar not modified", target: "/api/films/" + filmID + "/similar", header: map[string]string{"If-None-Match": similarETag}, want: 304},
		{name: "similar internal", handler: "broken", target: "/api/films/" + filmID + "/similar", want: 500, code: CodeInternal},
		{name: "similar timeout", handler: "slow", target: "/api/films/" + filmID + "/similar", want: 503, code: CodeUnavailable},
		{name: "film preflight", method: http.MethodOptions, target: "/api/films/" + filmID, header: map[string]string{"Origin": "https://example.org"}, want: 204},
		{name: "healthz", target: "/healthz", want: 200},
		{name: "readyz", target: "/readyz", want: 200},
		{name: "readyz draining", handler: "not-ready", target: "/readyz", want: 503},
		{name: "healthz starting", handler: "starting", target: "/healthz", want: 200},
		{name: "readyz starting", handler: "starting", target: "/readyz", want: 503},
		{name: "search starting", handler: "starting", target: "/api/search?q=swan", want: 503, code: CodeUnavailable},
		{name: "metrics", target: "/metrics", want: 200},
		{name: "openapi", target: "/openapi.json", want: 200},
		{name: "reload", method: http.MethodPost, target: "/api/admin/reload", header: map[string]string{"Authorization": "Bearer " + key}, want: 200},
		{name: "reload failed", handler: "failing-reload", method: http.MethodPost, target: "/api/admin/reload", header: map[string]string{"Authorization": "Bearer " + key}, want: 503, code: CodeUnavailable},
		{name: "reload wrong key", method: http.MethodPost, target: "/api/admin/reload", header: map[string]string{"Authorization": "Bearer nope"}, want: 401, code: CodeUnauthorized},
		{name: "reload off", handler: "no-admin", method: http.MethodPost, target: "/api/admin/reload", want: 404, code: CodeNotFound},
		{name: "reindex", method: http.MethodPost, target: "/api/admin/reindex", header: map[string]string{"Authorization": "Bearer " + key}, want: 202},
		{name: "insights", target: "/api/admin/insights?limit=5", header: map[string]string{"Authorization": "Bearer " + key}, want: 200},
		{name: "insights bad limit", target: "/api/admin/insights?limit=0", header: map[string]string{"Authorization": "Bearer " + key}, want: 400, code: CodeInvalidParameter},
		{name: "insights no key", target: "/api/admin/insights", want: 401, code: CodeUnauthorized},
		{name: "dashboard", target: "/admin", header: map[string]string{"Authorization": "Bearer " + key}, want: 200},
		{name: "dashboard no key", target: "/admin", want: 401, code: CodeUnauthorized},
		{name: "dashboard off", handler: "no-admin", target: "/admin", want: 404, code: CodeNotFound},
		{name: "dashboard parameter", target: "/admin?x=1", header: map[string]string{"Authorization": "Bearer " + key}, want: 400, code: CodeInvalidParameter},
		// Not in the document's paths: their bodies are checked against the Error schema.
		{name: "no such endpoint", target: "/api/nope", want: 404, code: CodeNotFound},
		{name: "wrong method", method: http.MethodDelete, target: "/api/search", want: 405, code: CodeMethodNotAllowed},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hh := handlers[orDefault(tt.handler, "default")]
			method := orDefault(tt.method, http.MethodGet)
			var rec *httptest.ResponseRecorder
			for range tt.warm + 1 {
				req := httptest.NewRequest(method, tt.target, nil)
				for k, v := range tt.header {
					req.Header.Set(k, v)
				}
				rec = httptest.NewRecorder()
				hh.ServeHTTP(rec, req)
			}
			if rec.Code != tt.want {
				t.Fatalf("%s %s = %d; want %d\n%s", method, tt.target, rec.Code, tt.want, rec.Body)
			}
			if tt.code != "" {
				var env struct {
					Error struct{ Code string } `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != tt.code {
					t.Errorf("%s %s: error code %q; want %q (%s)", method, tt.target, env.Error.Code, tt.code, rec.Body)
				}
			}

			req := httptest.NewRequest(method, "http://localhost"+tt.target, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			route, pathParams, err := router.FindRoute(req)
			if err != nil {
				if tt.code == "" {
					t.Fatalf("%s %s is not in openapi.json: %v", method, tt.target, err)
				}
				var body any
				json.Unmarshal(rec.Body.Bytes(), &body)
				if err := doc.Components.Schemas["Error"].Value.VisitJSON(body); err != nil {
					t.Errorf("%s %s: body does not match the Error schema: %v", method, tt.target, err)
				}
				return
			}
			covered[method+" "+route.Path] = true
			in := &openapi3filter.RequestValidationInput{
				Request: req, PathParams: pathParams, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			}
			if rec.Code < 300 {
				// What the server accepts, the document must allow.
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("%s %s: request the server accepted is invalid by openapi.json: %v", method, tt.target, err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in,
				Status:                 rec.Code,
				Header:                 rec.Header(),
				Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s %s = %d: response does not match openapi.json: %v\n%s", method, tt.target, rec.Code, err, clipBody(rec.Body.String()))
			}
		})
	}

	// Every operation of the document, but the InstantSearch ones (mounted by another package),
	// was exercised above.
	for path, item := range doc.Paths.Map() {
		if strings.HasPrefix(path, "/1/") {
			continue
		}
		for method := range item.Operations() {
			if !covered[method+" "+path] {
				t.Errorf("openapi.json describes %s %s but no test request reached it", method, path)
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func clipBody(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// TestLimitsDocumented ties the limits and defaults to their one home, the constants of the
// index (internal/index/limits.go) and of this package: the OpenAPI document and the README
// state the same numbers. searchd's TestHelp ties its flag defaults to the README.
func TestLimitsDocumented(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	schema := func(path, name string) *openapi3.Schema {
		t.Helper()
		for _, p := range doc.Paths.Find(path).Get.Parameters {
			if p.Value.Name == name {
				return p.Value.Schema.Value
			}
		}
		t.Fatalf("openapi.json: %s has no parameter %s", path, name)
		return nil
	}
	type bounds struct {
		min, max, def any // nil: not checked
	}
	num := func(f *float64) any {
		if f == nil {
			return nil
		}
		return int(*f)
	}
	def := func(v any) any {
		if f, ok := v.(float64); ok {
			return int(f)
		}
		return v
	}
	for _, tt := range []struct {
		path, param string
		want        bounds
	}{
		{"/api/search", "page", bounds{1, index.MaxDepth, 1}},
		{"/api/search", "per_page", bounds{1, index.MaxPerPage, index.DefaultPerPage}},
		{"/api/search", "facet_size", bounds{1, index.MaxFacetSize, index.DefaultFacetSize}},
		{"/api/search", "year_min", bounds{index.MinYear, index.MaxYear, nil}},
		{"/api/search", "year_max", bounds{index.MinYear, index.MaxYear, nil}},
		{"/api/suggest", "limit", bounds{1, index.MaxSuggestions, index.MaxSuggestions}},
		{"/api/films/{id}/similar", "page", bounds{1, index.MaxDepth, 1}},
		{"/api/films/{id}/similar", "per_page", bounds{1, index.MaxPerPage, index.DefaultPerPage}},
	} {
		s := schema(tt.path, tt.param)
		got := bounds{num(s.Min), num(s.Max), def(s.Default)}
		if tt.want.def == nil {
			got.def = nil
		}
		if got != tt.want {
			t.Errorf("openapi.json %s %s: minimum, maximum, default = %v; want %v", tt.path, tt.param, got, tt.want)
		}
	}
	for _, path := range []string{"/api/search", "/api/suggest"} {
		if got := schema(path, "q").MaxLength; got == nil || *got != index.MaxQueryBytes {
			t.Errorf("openapi.json %s q maxLength = %v; want index.MaxQueryBytes = %d", path, got, index.MaxQueryBytes)
		}
	}
	for _, name := range []string{"company", "genre", "decade", "year"} {
		if got := schema("/api/search", name).MaxItems; got == nil || *got != maxRepeats {
			t.Errorf("openapi.json %s maxItems = %v; want maxRepeats = %d", name, got, maxRepeats)
		}
	}
	if y := schema("/api/search", "year").Items.Value; num(y.Min) != index.MinYear || num(y.Max) != index.MaxYear {
		t.Errorf("openapi.json year items %v..%v; want %d..%d", num(y.Min), num(y.Max), index.MinYear, index.MaxYear)
	}
	pattern := regexp.MustCompile(schema("/api/search", "decade").Items.Value.Pattern)
	for y := 1000; y <= 2500; y += 10 {
		if d := fmt.Sprintf("%ds", y); pattern.MatchString(d) != isDecade(d) {
			t.Errorf("openapi.json decade pattern matches %s: %v; the API accepts it: %v", d, pattern.MatchString(d), isDecade(d))
		}
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("At most %d bytes and %d words besides stop words", index.MaxQueryBytes, index.MaxQueryTerms),
		fmt.Sprintf("`q` at most %d bytes, every other parameter value at most %d", index.MaxQueryBytes, maxValueBytes),
		fmt.Sprintf("`q` at most %d terms besides stop words", index.MaxQueryTerms),
		fmt.Sprintf("1..%d per page", index.MaxPerPage),
		fmt.Sprintf("`page*per_page` ≤ %d", index.MaxDepth),
		fmt.Sprintf("`per_page` 1..%d (default %d), `page × per_page` ≤ %d", index.MaxPerPage, index.DefaultPerPage, index.MaxDepth),
		fmt.Sprintf("`facet_size` 1..%d (default %d); `year`, `year_min`, `year_max` %d..%d", index.MaxFacetSize, index.DefaultFacetSize, index.MinYear, index.MaxYear),
		fmt.Sprintf("each at most %d values, at most %d together", maxRepeats, index.MaxFilters),
		fmt.Sprintf("`limit` 1..%d", index.MaxSuggestions),
		fmt.Sprintf("| %d s | 503 `unavailable`", DefaultSearchTimeout/time.Second),
		fmt.Sprintf("| %d | 503 `unavailable`, `Retry-After: 1` | `--max-concurrent`", DefaultMaxConcurrent),
		fmt.Sprintf("| %d req/s, burst %d |", DefaultRatePerSecond, DefaultRateBurst),
	} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README lacks %q", want)
		}
	}
}
