package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fields that change from run to run, replaced before comparing.
var goldenVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"took_ms":-?[0-9][0-9.eE+-]*`), `"took_ms":0`},
	{regexp.MustCompile(`"request_id":"[^"]*"`), `"request_id":""`},
	{regexp.MustCompile(`"build_id":"[^"]*"`), `"build_id":""`},
	{regexp.MustCompile(`"created_at":"[^"]*"`), `"created_at":""`},
}

// TestGolden compares representative responses with testdata/golden/<name>.json. After an
// intended change, `make golden` rewrites the files; review the diff before committing it.
func TestGolden(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		name, method, target string
	}{
		{"browse-all", "GET", "/api/search"},
		{"revolution", "GET", "/api/search?q=revolution"},
		{"nutcraker-typo", "GET", "/api/search?q=nutcraker"},
		{"bolshoi-1970s", "GET", "/api/search?company=Bolshoi+Ballet&decade=1970s"},
		{"sort-year-page", "GET", "/api/search?sort=year&per_page=3"},
		{"film", "GET", "/api/films/the-flames-of-paris-1983"},
		{"similar-flames-of-paris", "GET", "/api/films/the-flames-of-paris-1983/similar?per_page=3"},
		{"error-404-similar", "GET", "/api/films/no-such-film-1900/similar"},
		{"suggest-nutc", "GET", "/api/suggest?q=nutc"},
		{"error-400-per-page", "GET", "/api/search?per_page=51"},
		{"error-404-film", "GET", "/api/films/no-such-film-1900"},
		{"error-405", "POST", "/api/search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			got := goldenJSON(t, tt.method+" "+tt.target, rec)
			path := filepath.Join("testdata", "golden", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s %s: %v; run `make golden` to create it", tt.method, tt.target, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s differs from %s at %s\nrun `make golden` if the change is intended, and review the diff", tt.method, tt.target, path, goldenDiff(got, want))
			}
		})
	}
}

// goldenJSON is the request, status and body of rec, with volatile fields replaced, indented
// in the body's own field order.
func goldenJSON(t *testing.T, request string, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	body := bytes.TrimSpace(rec.Body.Bytes())
	if !json.Valid(body) {
		t.Fatalf("%s: body is not JSON: %s", request, body)
	}
	for _, v := range goldenVolatile {
		body = v.re.ReplaceAll(body, []byte(v.with))
	}
	raw := []byte(`{"request":` + goldenQuote(request) + `,"status":` + strconv.Itoa(rec.Code) +
		`,"content_type":` + goldenQuote(rec.Header().Get("Content-Type")) + `,"body":` + string(body) + `}`)
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		t.Fatalf("%s: %v", request, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// goldenQuote is s as a JSON string, with & < > left readable.
func goldenQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSpace(b.String())
}

// goldenDiff names the first line where got and want differ, with both versions.
func goldenDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  got:  " + strings.TrimSpace(gl) + "\n  want: " + strings.TrimSpace(wl)
		}
	}
	return "end of file"
}
