package api

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// errorBody is the JSON error envelope every failure carries.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Param     string `json:"param"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// search sends GET target through h, expects 200 and decodes the result.
func getResult(t *testing.T, h http.Handler, target string) *index.Result {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d; want 200; body %s", target, rec.Code, rec.Body)
	}
	var res index.Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("GET %s: decode: %v; body %s", target, err, rec.Body)
	}
	return &res
}

// expectEnvelope checks that rec is the error envelope with status, code and (when not empty) param, and
// that its request id is the X-Request-Id header.
func expectEnvelope(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, code, param string) errorBody {
	t.Helper()
	var env errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: body is not the error envelope: %v; body %s", what, err, rec.Body)
	}
	if rec.Code != status {
		t.Errorf("%s: status %d; want %d; body %s", what, rec.Code, status, rec.Body)
	}
	if env.Error.Code != code {
		t.Errorf("%s: error.code = %q; want %q", what, env.Error.Code, code)
	}
	if param != "" && env.Error.Param != param {
		t.Errorf("%s: error.param = %q; want %q", what, env.Error.Param, param)
	}
	if env.Error.Message == "" {
		t.Errorf("%s: error.message is empty", what)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type = %q; want application/json; charset=utf-8", what, ct)
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || id != env.Error.RequestID {
		t.Errorf("%s: X-Request-Id = %q, error.request_id = %q; want equal and set", what, id, env.Error.RequestID)
	}
	return env
}

func facetCounts(f index.Facet) map[string]int {
	m := map[string]int{}
	for _, v := range f.Values {
		m[v.Value] = v.Count
	}
	return m
}

func hitIDs(res *index.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

func TestBrowseAllFacets(t *testing.T) {
	h := newTestHandler(t, Options{})
	const target = "/api/search"
	res := getResult(t, h, target)
	if res.Total != 10 {
		t.Errorf("GET %s: total = %d; want 10", target, res.Total)
	}
	tests := []struct {
		facet   string
		want    map[string]int
		missing int
	}{
		{index.FacetDecade, map[string]int{"1960s": 1, "1970s": 5, "1980s": 4}, 0},
		{index.FacetYear, map[string]int{"1966": 1, "1974": 1, "1975": 2, "1977": 1, "1979": 1, "1982": 1, "1983": 1, "1987": 1, "1989": 1}, 0},
		{index.FacetCompany, map[string]int{"Bolshoi Ballet": 3, "Kirov Ballet": 1}, 6},
	}
	for _, tt := range tests {
		f, ok := res.Facets[tt.facet]
		if !ok {
			t.Errorf("GET %s: no %s facet", target, tt.facet)
			continue
		}
		if got := facetCounts(f); !mapsEqual(got, tt.want) {
			t.Errorf("GET %s: facet %s = %v; want %v", target, tt.facet, got, tt.want)
		}
		if f.Missing != tt.missing {
			t.Errorf("GET %s: facet %s missing = %d; want %d", target, tt.facet, f.Missing, tt.missing)
		}
		// Values come by count, then by value, so clients can show them as they are.
		if !slices.IsSortedFunc(f.Values, func(a, b index.FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		}) {
			t.Errorf("GET %s: facet %s values %v not ordered by count, then value", target, tt.facet, f.Values)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestSearchFilters(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		query string
		want  []string // ids, any order
	}{
		{"company=Bolshoi+Ballet", []string{"romeo-and-juliet-1974", "spartacus-1975", "the-swan-lake-1982"}},
		{"company=Kirov+Ballet", []string{"the-nutcracker-1977"}},
		{"company=Nobody", nil},
		{"decade=1960s", []string{"the-legend-of-love-1966"}},
		{"decade=1970s", []string{"giselle-1975", "romeo-and-juliet-1974", "spartacus-1975", "the-fountain-of-bakhchisarai-1979", "the-nutcracker-1977"}},
		{"decade=1990s", nil},
		{"year=1975", []string{"giselle-1975", "spartacus-1975"}},
		{"year_min=1983", []string{"don-quixote-1987", "the-flames-of-paris-1983", "the-sleeping-beauty-1989"}},
		{"year_max=1974", []string{"romeo-and-juliet-1974", "the-legend-of-love-1966"}},
		{"year_min=1975&year_max=1979", []string{"giselle-1975", "spartacus-1975", "the-fountain-of-bakhchisarai-1979", "the-nutcracker-1977"}},
		{"year_min=1975&year_max=1975", []string{"giselle-1975", "spartacus-1975"}},
		// OR within a facet.
		{"company=Bolshoi+Ballet&company=Kirov+Ballet", []string{"romeo-and-juliet-1974", "spartacus-1975", "the-nutcracker-1977", "the-swan-lake-1982"}},
		{"decade=1960s&decade=1980s", []string{"don-quixote-1987", "the-flames-of-paris-1983", "the-legend-of-love-1966", "the-sleeping-beauty-1989", "the-swan-lake-1982"}},
		{"year=1966&year=1989", []string{"the-legend-of-love-1966", "the-sleeping-beauty-1989"}},
		// AND across facets.
		{"company=Bolshoi+Ballet&decade=1970s", []string{"romeo-and-juliet-1974", "spartacus-1975"}},
		{"company=Bolshoi+Ballet&decade=1980s", []string{"the-swan-lake-1982"}},
		{"company=Kirov+Ballet&year=1975", nil},
		{"decade=1970s&year_min=1977", []string{"the-fountain-of-bakhchisarai-1979", "the-nutcracker-1977"}},
		{"company=Bolshoi+Ballet&company=Kirov+Ballet&decade=1970s&year=1975&year=1977", []string{"spartacus-1975", "the-nutcracker-1977"}},
		// Filters with words.
		{"q=love&decade=1970s", []string{"giselle-1975", "romeo-and-juliet-1974", "the-fountain-of-bakhchisarai-1979"}},
		{"q=love&company=Bolshoi+Ballet", []string{"romeo-and-juliet-1974", "the-swan-lake-1982"}},
	}
	for _, tt := range tests {
		target := "/api/search?per_page=50&" + tt.query
		res := getResult(t, h, target)
		got := hitIDs(res)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s: hits %v; want %v", target, got, want)
		}
		if res.Total != len(want) {
			t.Errorf("GET %s: total = %d; want %d", target, res.Total, len(want))
		}
	}
}

func TestDisjunctiveFacets(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		query   string
		facet   string
		want    map[string]int
		missing int
	}{
		// A facet's own filter does not narrow its counts ...
		{"decade=1970s", index.FacetDecade, map[string]int{"1960s": 1, "1970s": 5, "1980s": 4}, 0},
		// ... while every other facet counts only what the filter lets through.
		{"decade=1970s", index.FacetCompany, map[string]int{"Bolshoi Ballet": 2, "Kirov Ballet": 1}, 2},
		{"decade=1970s", index.FacetYear, map[string]int{"1974": 1, "1975": 2, "1977": 1, "1979": 1}, 0},
		{"company=Bolshoi+Ballet", index.FacetCompany, map[string]int{"Bolshoi Ballet": 3, "Kirov Ballet": 1}, 6},
		{"company=Bolshoi+Ballet", index.FacetDecade, map[string]int{"1970s": 2, "1980s": 1}, 0},
		{"company=Bolshoi+Ballet&decade=1970s", index.FacetCompany, map[string]int{"Bolshoi Ballet": 2, "Kirov Ballet": 1}, 2},
		{"company=Bolshoi+Ballet&decade=1970s", index.FacetDecade, map[string]int{"1970s": 2, "1980s": 1}, 0},
		{"company=Bolshoi+Ballet&decade=1970s", index.FacetYear, map[string]int{"1974": 1, "1975": 1}, 0},
		{"year=1975", index.FacetYear, map[string]int{"1966": 1, "1974": 1, "1975": 2, "1977": 1, "1979": 1, "1982": 1, "1983": 1, "1987": 1, "1989": 1}, 0},
		{"year=1975", index.FacetDecade, map[string]int{"1970s": 2}, 0},
		// A year range is not a facet's own filter: it narrows every facet.
		{"year_min=1980", index.FacetDecade, map[string]int{"1980s": 4}, 0},
		{"q=love&decade=1970s", index.FacetDecade, map[string]int{"1960s": 1, "1970s": 3, "1980s": 1}, 0},
	}
	for _, tt := range tests {
		target := "/api/search?" + tt.query
		res := getResult(t, h, target)
		f := res.Facets[tt.facet]
		if got := facetCounts(f); !mapsEqual(got, tt.want) {
			t.Errorf("GET %s: facet %s = %v; want %v", target, tt.facet, got, tt.want)
		}
		if f.Missing != tt.missing {
			t.Errorf("GET %s: facet %s missing = %d; want %d", target, tt.facet, f.Missing, tt.missing)
		}
	}
}

func TestSearchSort(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		sort string
		want []string
	}{
		{"year", []string{"the-legend-of-love-1966", "romeo-and-juliet-1974", "giselle-1975", "spartacus-1975", "the-nutcracker-1977", "the-fountain-of-bakhchisarai-1979", "the-swan-lake-1982", "the-flames-of-paris-1983", "don-quixote-1987", "the-sleeping-beauty-1989"}},
		{"-year", []string{"the-sleeping-beauty-1989", "don-quixote-1987", "the-flames-of-paris-1983", "the-swan-lake-1982", "the-fountain-of-bakhchisarai-1979", "the-nutcracker-1977", "giselle-1975", "spartacus-1975", "romeo-and-juliet-1974", "the-legend-of-love-1966"}},
		{"title", []string{"don-quixote-1987", "giselle-1975", "romeo-and-juliet-1974", "spartacus-1975", "the-flames-of-paris-1983", "the-fountain-of-bakhchisarai-1979", "the-legend-of-love-1966", "the-nutcracker-1977", "the-sleeping-beauty-1989", "the-swan-lake-1982"}},
		// Browsing all, every score is equal: relevance falls back to id.
		{"relevance", []string{"don-quixote-1987", "giselle-1975", "romeo-and-juliet-1974", "spartacus-1975", "the-flames-of-paris-1983", "the-fountain-of-bakhchisarai-1979", "the-legend-of-love-1966", "the-nutcracker-1977", "the-sleeping-beauty-1989", "the-swan-lake-1982"}},
	}
	for _, tt := range tests {
		target := "/api/search?per_page=50&sort=" + tt.sort
		if got := hitIDs(getResult(t, h, target)); !slices.Equal(got, tt.want) {
			t.Errorf("GET %s: order %v; want %v", target, got, tt.want)
		}
	}
}

// TestRelevanceTies checks that hits come by score, then by id, whatever the query.
func TestRelevanceTies(t *testing.T) {
	h := newTestHandler(t, Options{})
	for _, q := range []string{"", "ballet", "love", "film", "soviet", "dance", "the", "bolshoi", "decade=1970s", "q=ballet&company=Bolshoi+Ballet"} {
		target := "/api/search?per_page=50&q=" + q
		if strings.Contains(q, "=") {
			target = "/api/search?per_page=50&" + q
		}
		res := getResult(t, h, target)
		for i := 1; i < len(res.Hits); i++ {
			a, b := res.Hits[i-1], res.Hits[i]
			if a.Score < b.Score || (a.Score == b.Score && a.ID >= b.ID) {
				t.Errorf("GET %s: hit %d (%s, %v) before hit %d (%s, %v); want score descending, then id ascending", target, i-1, a.ID, a.Score, i, b.ID, b.Score)
			}
		}
	}
}

func TestPaging(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		query               string
		hits, page, pages   int
		perPage, firstIndex int
	}{
		{"", 10, 1, 1, 10, 0},
		{"per_page=3", 3, 1, 4, 3, 0},
		{"per_page=3&page=2", 3, 2, 4, 3, 3},
		{"per_page=3&page=4", 1, 4, 4, 3, 9},
		{"per_page=3&page=5", 0, 5, 4, 3, 0},
		{"per_page=1&page=10", 1, 10, 10, 1, 9},
		{"per_page=50&page=20", 0, 20, 1, 50, 0}, // depth exactly 1000
		{"per_page=10&page=100", 0, 100, 1, 10, 0},
	}
	all := hitIDs(getResult(t, h, "/api/search?per_page=50"))
	for _, tt := range tests {
		target := "/api/search?" + tt.query
		res := getResult(t, h, target)
		if len(res.Hits) != tt.hits || res.Page != tt.page || res.Pages != tt.pages || res.PerPage != tt.perPage || res.Total != 10 {
			t.Errorf("GET %s: %d hits, page %d, pages %d, per_page %d, total %d; want %d hits, page %d, pages %d, per_page %d, total 10",
				target, len(res.Hits), res.Page, res.Pages, res.PerPage, res.Total, tt.hits, tt.page, tt.pages, tt.perPage)
			continue
		}
		if tt.hits > 0 {
			if want := all[tt.firstIndex : tt.firstIndex+tt.hits]; !slices.Equal(hitIDs(res), want) {
				t.Errorf("GET %s: hits %v; want %v", target, hitIDs(res), want)
			}
		}
	}
}

func TestInvalidParameters(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		query string
		param string
	}{
		{"per_page=51", "per_page"},
		{"per_page=0", "per_page"},
		{"per_page=-1", "per_page"},
		{"per_page=ten", "per_page"},
		{"page=0", "page"},
		{"page=-3", "page"},
		{"page=1.5", "page"},
		{"page=21&per_page=50", "page"},
		{"page=101", "page"},
		{"page=1001&per_page=1", "page"},
		{"page=99999999999999999999", "page"},
		{"sort=score", "sort"},
		{"sort=year&sort=title", "sort"},
		{"decade=1975", "decade"},
		{"decade=70s", "decade"},
		{"year=75", "year"},
		{"year=1975.0", "year"},
		{"year=3000", "year"},
		{"year_min=1800", "year_min"},
		{"year_max=abc", "year_max"},
		{"year_min=1990&year_max=1980", "year_min"},
		{"company=", "company"},
		{"q=a&q=b", "q"},
		{"q=" + strings.Repeat("a", index.MaxQueryBytes+1), "q"},
		{"color=red", "color"},
		{"facet_size=0", "facet_size"},
	}
	for _, tt := range tests {
		target := "/api/search?" + tt.query
		expectEnvelope(t, "GET "+target, get(t, h, target), http.StatusBadRequest, CodeInvalidParameter, tt.param)
	}
}

func TestRevolution(t *testing.T) {
	h := newTestHandler(t, Options{})
	const target = "/api/search?q=revolution"
	res := getResult(t, h, target)
	if got := hitIDs(res); len(got) < 2 || got[0] != "the-flames-of-paris-1983" || got[1] != "spartacus-1975" {
		t.Fatalf("GET %s: hits %v; want the-flames-of-paris-1983, then spartacus-1975", target, got)
	}
	if res.Relaxed {
		t.Errorf("GET %s: relaxed = true; want false", target)
	}
	if d := getRendered(t, h, target).Hits[0].Highlights["description"]; !strings.Contains(d, "<mark>Revolution</mark>") {
		t.Errorf("GET %s: first hit's description highlight = %q; want <mark>Revolution</mark> in it", target, d)
	}
	if res.Hits[0].Score <= res.Hits[1].Score {
		t.Errorf("GET %s: scores %v, %v; want the first higher", target, res.Hits[0].Score, res.Hits[1].Score)
	}
}

var (
	markTagRE = regexp.MustCompile(`</?mark>`)
	entityRE  = regexp.MustCompile(`&(?:amp|lt|gt|quot|#39);`)
)

// TestHighlightsAreSafe checks every highlight is the film's own text, escaped, with <mark> as
// its only markup.
func TestHighlightsAreSafe(t *testing.T) {
	h := newTestHandler(t, Options{})
	for _, q := range []string{"revolution", "love", "shakespeare", "pushkin's", "ballet", "nutcr", "tragic love", `"star-crossed lovers"`, "bolshoi", "soviet dance", "<mark>", "&amp;", "<script>alert(1)</script>", "cervantes"} {
		target := "/api/search?per_page=50&q=" + url.QueryEscape(q)
		res := getRendered(t, h, target)
		for _, hit := range res.Hits {
			for field, frag := range hit.Highlights {
				text := markTagRE.ReplaceAllString(frag, "")
				if strings.ContainsAny(text, "<>") {
					t.Errorf("GET %s: %s highlight %s = %q; want no markup but <mark>", target, hit.ID, field, frag)
				}
				if strings.Contains(entityRE.ReplaceAllString(text, ""), "&") {
					t.Errorf("GET %s: %s highlight %s = %q; want every & escaped", target, hit.ID, field, frag)
				}
				if strings.Count(frag, "<mark>") != strings.Count(frag, "</mark>") || !strings.Contains(frag, "<mark>") {
					t.Errorf("GET %s: %s highlight %s = %q; want balanced <mark> tags", target, hit.ID, field, frag)
				}
				plain := html.UnescapeString(text)
				var source string
				switch field {
				case "title":
					source = hit.Title
				case "description":
					source = hit.Description
				case "facts":
					source = strings.Join(hit.Facts, "\n")
				case "director":
					source = hit.Director
				case "cast":
					source = strings.Join(hit.Cast, ", ")
				default:
					t.Errorf("GET %s: %s has a highlight for unknown field %q", target, hit.ID, field)
					continue
				}
				for _, piece := range strings.Split(plain, "…") {
					if piece = strings.TrimSpace(piece); !strings.Contains(source, piece) {
						t.Errorf("GET %s: %s highlight %s has %q; want only text of the film's %s", target, hit.ID, field, piece, field)
					}
				}
			}
		}
	}
}

func TestFilm(t *testing.T) {
	h := newTestHandler(t, Options{})
	const target = "/api/films/giselle-1975"
	rec := get(t, h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d; want 200; body %s", target, rec.Code, rec.Body)
	}
	var f struct {
		ID    string   `json:"id"`
		Title string   `json:"title"`
		Year  int      `json:"year"`
		Facts []string `json:"facts"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.ID != "giselle-1975" || f.Title != "Giselle" || f.Year != 1975 || len(f.Facts) == 0 {
		t.Errorf("GET %s: %+v; want Giselle (1975) with its facts", target, f)
	}

	errs := []struct {
		method, target string
		status         int
		code, param    string
	}{
		{"GET", "/api/films/no-such-film-1900", 404, CodeNotFound, ""},
		{"GET", "/api/films/Giselle-1975", 400, CodeInvalidParameter, "id"},
		{"GET", "/api/films/a..b", 400, CodeInvalidParameter, "id"},
		{"GET", "/api/films/giselle-1975?x=1", 400, CodeInvalidParameter, ""},
		{"GET", "/api/nope", 404, CodeNotFound, ""},
		{"GET", "/", 404, CodeNotFound, ""},
		{"GET", "/api/films/", 404, CodeNotFound, ""},
		{"POST", "/api/search", 405, CodeMethodNotAllowed, ""},
		{"DELETE", "/api/films/giselle-1975", 405, CodeMethodNotAllowed, ""},
		{"PUT", "/healthz", 405, CodeMethodNotAllowed, ""},
		{"GET", "/api/admin/reload", 405, CodeMethodNotAllowed, ""},
	}
	for _, tt := range errs {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
		expectEnvelope(t, tt.method+" "+tt.target, rec, tt.status, tt.code, tt.param)
	}
}

func TestRequestID(t *testing.T) {
	h := newTestHandler(t, Options{})
	seen := map[string]bool{}
	for _, target := range []string{"/api/search?q=love", "/api/search?page=0", "/healthz", "/nope", "/readyz", "/api/films/giselle-1975"} {
		rec := get(t, h, target)
		id := rec.Header().Get("X-Request-Id")
		if id == "" {
			t.Errorf("GET %s: no X-Request-Id header", target)
		}
		if seen[id] {
			t.Errorf("GET %s: X-Request-Id %q repeats an earlier one", target, id)
		}
		seen[id] = true
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		method  string
		target  string
		origin  string
		status  int
		acao    string // "" means the header must be absent
		methods bool   // Access-Control-Allow-Methods expected
	}{
		{"any origin", nil, "GET", "/api/search?q=love", "https://b.example", 200, "*", false},
		{"no origin", nil, "GET", "/api/search?q=love", "", 200, "", false},
		{"film", nil, "GET", "/api/films/giselle-1975", "https://b.example", 200, "*", false},
		{"suggest", nil, "GET", "/api/suggest?q=gis", "https://b.example", 200, "*", false},
		{"preflight", nil, "OPTIONS", "/api/search", "https://b.example", 204, "*", true},
		{"allowed origin", []string{"https://a.example"}, "GET", "/api/search", "https://a.example", 200, "https://a.example", false},
		{"other origin", []string{"https://a.example"}, "GET", "/api/search", "https://b.example", 200, "", false},
		{"allowed preflight", []string{"https://a.example"}, "OPTIONS", "/api/search", "https://a.example", 204, "https://a.example", true},
		{"other preflight", []string{"https://a.example"}, "OPTIONS", "/api/search", "https://b.example", 204, "", false},
	}
	for _, tt := range tests {
		h := newTestHandler(t, Options{CORSOrigins: tt.origins})
		req := httptest.NewRequest(tt.method, tt.target, nil)
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		if tt.method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "GET")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		what := tt.name + ": " + tt.method + " " + tt.target + " from " + tt.origin
		if rec.Code != tt.status {
			t.Errorf("%s: status %d; want %d", what, rec.Code, tt.status)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.acao {
			t.Errorf("%s: Access-Control-Allow-Origin = %q; want %q", what, got, tt.acao)
		}
		if got := rec.Header().Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Credentials = %q; want none", what, got)
		}
		allow := rec.Header().Get("Access-Control-Allow-Methods")
		if tt.methods && !strings.Contains(allow, "GET") {
			t.Errorf("%s: Access-Control-Allow-Methods = %q; want GET in it", what, allow)
		}
		if !tt.methods && allow != "" {
			t.Errorf("%s: Access-Control-Allow-Methods = %q; want none", what, allow)
		}
		if !slices.Contains(rec.Header().Values("Vary"), "Origin") {
			t.Errorf("%s: Vary = %v; want Origin", what, rec.Header().Values("Vary"))
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	ix := testIndex(t)
	ready := true
	var mu sync.Mutex
	h := NewServer(ix, Options{Logger: zerolog.Nop(), RatePerSecond: -1, Ready: func() bool {
		mu.Lock()
		defer mu.Unlock()
		return ready
	}})

	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz: status %d; want 200", rec.Code)
	}
	type readyz struct {
		Status   string `json:"status"`
		BuildID  string `json:"build_id"`
		DocCount int    `json:"doc_count"`
	}
	rec := get(t, h, "/readyz")
	var r readyz
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || r.BuildID != ix.Manifest().ID || r.BuildID == "" || r.DocCount != 10 {
		t.Errorf("GET /readyz: %d %+v; want 200, build_id %q, doc_count 10", rec.Code, r, ix.Manifest().ID)
	}

	mu.Lock()
	ready = false
	mu.Unlock()
	rec = get(t, h, "/readyz")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz when not ready: status %d; want 503", rec.Code)
	}
	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz when not ready: status %d; want 200", rec.Code)
	}

	// A closed index is not ready whatever Options.Ready says, and searches are refused.
	closed := testIndex(t)
	closed.Close()
	h = NewServer(closed, Options{Logger: zerolog.Nop(), RatePerSecond: -1})
	if rec := get(t, h, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz on a closed index: status %d; want 503", rec.Code)
	}
	expectEnvelope(t, "GET /api/search on a closed index", get(t, h, "/api/search?q=love"), http.StatusServiceUnavailable, CodeUnavailable, "")
}

func TestSuggest(t *testing.T) {
	h := newTestHandler(t, Options{})
	type response struct {
		Query       string       `json:"query"`
		Suggestions []suggestion `json:"suggestions"`
	}
	tests := []struct {
		q       string
		id      string // first suggestion; "" means none
		mark    string
		howMany int
	}{
		{"nutc", "the-nutcracker-1977", "The <mark>Nutc</mark>racker", 1},
		{"NUTC", "the-nutcracker-1977", "The <mark>Nutc</mark>racker", 1},
		{"swan l", "the-swan-lake-1982", "The <mark>Swan</mark> <mark>L</mark>ake", 1},
		{"zzz", "", "", 0},
		{"", "", "", 0},
	}
	for _, tt := range tests {
		target := "/api/suggest?q=" + url.QueryEscape(tt.q)
		rec := get(t, h, target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200", target, rec.Code)
			continue
		}
		var r response
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Suggestions) != tt.howMany {
			t.Errorf("GET %s: %d suggestions %v; want %d", target, len(r.Suggestions), r.Suggestions, tt.howMany)
			continue
		}
		if tt.howMany > 0 && (r.Suggestions[0].ID != tt.id || r.Suggestions[0].Highlight != tt.mark) {
			t.Errorf("GET %s: first suggestion %s %q; want %s %q", target, r.Suggestions[0].ID, r.Suggestions[0].Highlight, tt.id, tt.mark)
		}
	}
	if rec := get(t, h, "/api/suggest?q=the"); rec.Code == http.StatusOK {
		var r response
		json.Unmarshal(rec.Body.Bytes(), &r)
		if len(r.Suggestions) < 2 || len(r.Suggestions) > index.MaxSuggestions {
			t.Errorf("GET /api/suggest?q=the: %d suggestions; want 2 to %d", len(r.Suggestions), index.MaxSuggestions)
		}
	}
	for _, target := range []string{"/api/suggest?q=a&limit=0", "/api/suggest?q=a&limit=9", "/api/suggest?q=a&x=1"} {
		expectEnvelope(t, "GET "+target, get(t, h, target), http.StatusBadRequest, CodeInvalidParameter, "")
	}
}

func TestAdmin(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	reload := func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return true, nil
	}
	post := func(h http.Handler, target, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	off := newTestHandler(t, Options{Reload: reload})
	expectEnvelope(t, "POST /api/admin/reload without an admin key", post(off, "/api/admin/reload", "Bearer anything"), 404, CodeNotFound, "")

	on := newTestHandler(t, Options{AdminKey: "s3cret", Reload: reload})
	for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "s3cret", "Basic s3cret", "bearer s3cret"} {
		rec := post(on, "/api/admin/reload", auth)
		expectEnvelope(t, "POST /api/admin/reload with Authorization "+auth, rec, 401, CodeUnauthorized, "")
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("POST /api/admin/reload with Authorization %q: no WWW-Authenticate header", auth)
		}
	}
	mu.Lock()
	if calls != 0 {
		t.Errorf("reload called %d times before a valid key; want 0", calls)
	}
	mu.Unlock()

	rec := post(on, "/api/admin/reload", "Bearer s3cret")
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /api/admin/reload with the key: status %d; want 200; body %s", rec.Code, rec.Body)
	}
	var body struct {
		Swapped bool   `json:"swapped"`
		BuildID string `json:"build_id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if !body.Swapped || body.BuildID == "" {
		t.Errorf("POST /api/admin/reload: %+v; want swapped and a build id", body)
	}
	mu.Lock()
	if calls != 1 {
		t.Errorf("reload called %d times; want 1", calls)
	}
	mu.Unlock()

	// Reindex is not configured here: off, whatever the key.
	expectEnvelope(t, "POST /api/admin/reindex without Options.Reindex", post(on, "/api/admin/reindex", "Bearer s3cret"), 404, CodeNotFound, "")
}

// gatedSearcher holds every search until release is closed.
type gatedSearcher struct {
	Searcher
	entered chan struct{}
	release chan struct{}
}

func (b gatedSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.Searcher.Search(ctx, req)
}

func TestConcurrencyLimit(t *testing.T) {
	bs := gatedSearcher{Searcher: testIndex(t), entered: make(chan struct{}, 1), release: make(chan struct{})}
	h := NewServer(bs, Options{Logger: zerolog.Nop(), RatePerSecond: -1, MaxConcurrent: 1, SearchTimeout: time.Minute})

	const target = "/api/search?q=love"
	first := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		first <- rec
	}()
	select {
	case <-bs.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first search never started")
	}

	rec := get(t, h, target)
	expectEnvelope(t, "GET "+target+" while another runs", rec, http.StatusServiceUnavailable, CodeUnavailable, "")
	if ra := rec.Header().Get("Retry-After"); ra == "" {
		t.Errorf("GET %s while another runs: no Retry-After header", target)
	}
	// Film lookups do not take a search slot.
	if rec := get(t, h, "/api/films/giselle-1975"); rec.Code != http.StatusOK {
		t.Errorf("GET /api/films/giselle-1975 while a search runs: status %d; want 200", rec.Code)
	}

	close(bs.release)
	if rec := <-first; rec.Code != http.StatusOK {
		t.Errorf("GET %s (first): status %d; want 200", target, rec.Code)
	}
	// The slot is free again.
	bs.entered = make(chan struct{}, 1)
	if rec := get(t, h, target); rec.Code != http.StatusOK {
		t.Errorf("GET %s after the first finished: status %d; want 200", target, rec.Code)
	}
}

func TestRateLimit(t *testing.T) {
	// One token a minute, not a second, so a stalled test machine cannot refill the bucket.
	h := NewServer(testIndex(t), Options{Logger: zerolog.Nop(), RatePerSecond: 1.0 / 60, RateBurst: 2})
	const target = "/api/films/giselle-1975"
	for i := range 2 {
		if rec := get(t, h, target); rec.Code != http.StatusOK {
			t.Fatalf("GET %s #%d: status %d; want 200", target, i+1, rec.Code)
		}
	}
	rec := get(t, h, target)
	expectEnvelope(t, "GET "+target+" #3", rec, http.StatusTooManyRequests, CodeRateLimited, "")
	if ra := rec.Header().Get("Retry-After"); ra == "" {
		t.Errorf("GET %s #3: no Retry-After header", target)
	}
	// Another client has its own bucket.
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = "198.51.100.7:4321"
	other := httptest.NewRecorder()
	h.ServeHTTP(other, req)
	if other.Code != http.StatusOK {
		t.Errorf("GET %s from another client: status %d; want 200", target, other.Code)
	}
	// Health checks are never limited.
	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz when limited: status %d; want 200", rec.Code)
	}
}

func TestSearchTimeout(t *testing.T) {
	bs := gatedSearcher{Searcher: lateSearcher{testIndex(t)}, entered: make(chan struct{}, 1), release: make(chan struct{})}
	close(bs.release)
	h := NewServer(bs, Options{Logger: zerolog.Nop(), RatePerSecond: -1, SearchTimeout: time.Millisecond})
	rec := get(t, h, "/api/search?q=love")
	expectEnvelope(t, "GET /api/search?q=love past its deadline", rec, http.StatusServiceUnavailable, CodeUnavailable, "")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("GET /api/search?q=love past its deadline: no Retry-After header")
	}
}

// lateSearcher waits for the request's deadline before searching.
type lateSearcher struct{ Searcher }

func (d lateSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	<-ctx.Done()
	return d.Searcher.Search(ctx, req)
}
