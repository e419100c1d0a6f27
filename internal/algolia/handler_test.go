package algolia

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// newTestServer mounts the handlers as the lead's router does.
func newTestServer(t testing.TB, s Searcher) *httptest.Server {
	t.Helper()
	r := mux.NewRouter()
	r.Handle("/1/indexes/*/queries", NewQueriesHandler(s, zerolog.Nop()))
	r.Handle("/1/indexes/{index}/facets/{facet}/query", NewFacetValuesHandler(s, zerolog.Nop()))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	Results []struct {
		Hits []struct {
			ObjectID        string                     `json:"objectID"`
			Title           string                     `json:"title"`
			Year            int                        `json:"year"`
			Companies       []string                   `json:"companies"`
			HighlightResult map[string]json.RawMessage `json:"_highlightResult"`
			SnippetResult   map[string]json.RawMessage `json:"_snippetResult"`
		} `json:"hits"`
		NbHits      int                       `json:"nbHits"`
		Page        int                       `json:"page"`
		NbPages     int                       `json:"nbPages"`
		HitsPerPage int                       `json:"hitsPerPage"`
		Facets      map[string]map[string]int `json:"facets"`
		FacetsStats map[string]facetStats     `json:"facets_stats"`
		Query       string                    `json:"query"`
		Params      string                    `json:"params"`
		Index       string                    `json:"index"`
		FacetHits   []facetHit                `json:"facetHits"`
	} `json:"results"`
	FacetHits []facetHit `json:"facetHits"`
	Message   string     `json:"message"`
	Status    int        `json:"status"`
}

func post(t testing.TB, url, contentType, body string) (int, response, string) {
	t.Helper()
	res, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
		t.Fatalf("POST %s: decode: %v", url, err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("POST %s: %v in %s", url, err, raw)
	}
	return res.StatusCode, r, string(raw)
}

func titles(r response, i int) []string {
	out := []string{}
	for _, h := range r.Results[i].Hits {
		out = append(out, h.Title)
	}
	return out
}

// Each search through the protocol finds what the index finds for the same request.
func TestQueriesAgreeWithIndex(t *testing.T) {
	t.Parallel()
	ix := testIndex(t)
	srv := newTestServer(t, ix)
	for _, tc := range []struct {
		name   string
		params string // JSON object
		want   index.Request
		facets map[string]string // facet in the response -> index facet
	}{
		{"browse all", `{}`, index.Request{PerPage: 20}, nil},
		{"query", `{"query":"revolution"}`, index.Request{Query: "revolution", PerPage: 20}, nil},
		{"company refined", `{"facetFilters":[["companies:Bolshoi Ballet"]],"facets":["companies","decade"]}`,
			index.Request{Companies: []string{"Bolshoi Ballet"}, PerPage: 20, FacetSize: 100},
			map[string]string{"companies": "company", "decade": "decade"}},
		{"decade menu", `{"facetFilters":[["decade:1970s"]],"facets":["decade"],"maxValuesPerFacet":10}`,
			index.Request{Decades: []string{"1970s"}, PerPage: 20}, map[string]string{"decade": "decade"}},
		{"year range", `{"numericFilters":["year>=1980","year<=1989"],"facets":["year"]}`,
			index.Request{YearMin: 1980, YearMax: 1989, PerPage: 20, FacetSize: 200}, map[string]string{"year": "year"}},
		{"second page", `{"hitsPerPage":4,"page":1}`, index.Request{Page: 2, PerPage: 4}, nil},
		{"last page", `{"hitsPerPage":4,"page":2}`, index.Request{Page: 3, PerPage: 4}, nil},
		{"all facets", `{"facets":"*","query":"ballet"}`, index.Request{Query: "ballet", PerPage: 20, FacetSize: 200},
			map[string]string{"companies": "company", "decade": "decade", "year": "year"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The protocol's searches count facets as Algolia does and require every word.
			tc.want.Conjunctive, tc.want.Match = true, index.MatchAll
			want, err := ix.Search(context.Background(), tc.want)
			if err != nil {
				t.Fatal(err)
			}
			status, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "application/json",
				`{"requests":[{"indexName":"films","params":`+tc.params+`}]}`)
			if status != http.StatusOK || len(got.Results) != 1 {
				t.Fatalf("status %d, %s", status, raw)
			}
			r := got.Results[0]
			var wantTitles []string
			for _, h := range want.Hits {
				wantTitles = append(wantTitles, h.Title)
			}
			if g := titles(got, 0); r.NbHits != want.Total || !reflect.DeepEqual(g, append([]string{}, wantTitles...)) {
				t.Errorf("nbHits %d, hits %q; index: %d, %q", r.NbHits, g, want.Total, wantTitles)
			}
			if r.Page != max(tc.want.Page, 1)-1 || r.HitsPerPage != tc.want.PerPage || r.NbPages != want.Pages {
				t.Errorf("page %d of %d, %d per page; want %d of %d, %d", r.Page, r.NbPages, r.HitsPerPage, max(tc.want.Page, 1)-1, want.Pages, tc.want.PerPage)
			}
			for name, f := range tc.facets {
				wantCounts := map[string]int{}
				for _, v := range want.Facets[f].Values {
					wantCounts[v.Value] = v.Count
				}
				if !reflect.DeepEqual(r.Facets[name], wantCounts) {
					t.Errorf("facets[%s] = %v; index: %v", name, r.Facets[name], wantCounts)
				}
			}
			if len(r.Facets) != len(tc.facets) {
				t.Errorf("facets = %v; want only %d", r.Facets, len(tc.facets))
			}
		})
	}
}

func TestQueriesResponse(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	status, got, raw := post(t, srv.URL+"/1/indexes/*/queries?x-algolia-agent=test", "application/x-www-form-urlencoded", `{"requests":[
		{"indexName":"films","params":"query=revolution&hitsPerPage=1&highlightPreTag=__ais-highlight__&highlightPostTag=__%2Fais-highlight__&attributesToSnippet=%5B%22description%3A10%22%5D"},
		{"indexName":"films","query":"swan","facets":["year"],"highlightPreTag":"<b>","highlightPostTag":"</b>"},
		{"indexName":"other","params":{"query":"","hitsPerPage":0,"facets":["year"],"numericFilters":["year>=1980"]}},
		{"indexName":"films","params":{"facetFilters":["decade:1970s","decade:1980s"],"facets":["decade"]}},
		{"indexName":"films","params":{"page":100,"hitsPerPage":20}}
	]}`)
	if status != http.StatusOK || len(got.Results) != 5 {
		t.Fatalf("status %d: %s", status, raw)
	}
	first := got.Results[0]
	if len(first.Hits) != 1 || first.Hits[0].Title != "The Flames of Paris" || first.NbHits != 2 || first.NbPages != 2 || first.Query != "revolution" {
		t.Errorf("revolution: %q of %d in %d pages; want The Flames of Paris of 2 in 2", titles(got, 0), first.NbHits, first.NbPages)
	}
	var desc highlightResult
	json.Unmarshal(first.Hits[0].HighlightResult["description"], &desc)
	if !strings.HasPrefix(desc.Value, "Set during the French __ais-highlight__Revolution__/ais-highlight__,") || desc.MatchLevel != "full" ||
		!reflect.DeepEqual(desc.MatchedWords, []string{"revolution"}) {
		t.Errorf("description highlight = %+v", desc)
	}
	var title highlightResult
	json.Unmarshal(first.Hits[0].HighlightResult["title"], &title)
	if !reflect.DeepEqual(title, highlightResult{Value: "The Flames of Paris", MatchLevel: "none", MatchedWords: []string{}}) {
		t.Errorf("title highlight = %+v; want the raw title, matchLevel none", title)
	}
	if _, ok := first.Hits[0].SnippetResult["description"]; !ok || len(first.Hits[0].SnippetResult) != 1 {
		t.Errorf("_snippetResult = %v; want description only", first.Hits[0].SnippetResult)
	}
	if !strings.Contains(first.Params, "query=revolution") || first.Index != "films" {
		t.Errorf("params %q, index %q", first.Params, first.Index)
	}

	// Highlights are raw text with the client's tags: the apostrophe, quotes and & stay as typed.
	swan := got.Results[1]
	if len(swan.Hits) == 0 || swan.Hits[0].Title != "Swan's Lake" {
		t.Fatalf("swan: %q; want Swan's Lake first", titles(got, 1))
	}
	for attr, want := range map[string]string{
		"title":       "<b>Swan's</b> Lake",
		"description": `A village troupe stages its own "<b>swan</b>" ballet with borrowed tutus & a gramophone.`,
	} {
		var h highlightResult
		json.Unmarshal(swan.Hits[0].HighlightResult[attr], &h)
		if h.Value != want {
			t.Errorf("swan %s highlight = %q; want %q", attr, h.Value, want)
		}
	}
	if !strings.Contains(raw, `"title":"Swan's Lake"`) || strings.Contains(raw, "&#39;") || strings.Contains(raw, "&amp;") {
		t.Errorf("the response escapes text: %.400s", raw[strings.Index(raw, "Swan"):])
	}
	if st := swan.FacetsStats["year"]; st != (facetStats{Min: 1961, Max: 1982, Avg: 1971.5, Sum: 3943}) {
		t.Errorf("facets_stats.year = %+v; want 1961..1982, avg 1971.5, sum 3943", st)
	}

	// hitsPerPage 0 counts without hits, as InstantSearch's facet-only requests expect.
	counts := got.Results[2]
	if len(counts.Hits) != 0 || counts.NbHits != 4 || counts.NbPages != 0 || counts.Index != "other" ||
		counts.FacetsStats["year"] != (facetStats{Min: 1982, Max: 1989, Avg: 1985.25, Sum: 7941}) {
		t.Errorf("hitsPerPage 0: %d hits of %d, stats %+v", len(counts.Hits), counts.NbHits, counts.FacetsStats)
	}
	if c := got.Results[3]; c.NbHits != 0 || len(c.Hits) != 0 || len(c.Facets) != 0 {
		t.Errorf("contradicting decades: %d hits, facets %v; want none", c.NbHits, c.Facets)
	}
	if deep := got.Results[4]; deep.NbHits != 11 || len(deep.Hits) != 0 || deep.Page != 100 || deep.NbPages != 1 {
		t.Errorf("page 100: %d hits of %d, page %d of %d; want none of 11, page 100 of 1", len(deep.Hits), deep.NbHits, deep.Page, deep.NbPages)
	}
}

func TestAttributesToRetrieveAndHighlight(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	_, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "text/plain", `{"requests":[
		{"indexName":"films","params":{"query":"nutcracker","attributesToRetrieve":["title"],"attributesToHighlight":["title","year"]}},
		{"indexName":"films","params":{"query":"nutcracker","attributesToRetrieve":[],"attributesToHighlight":[]}}
	]}`)
	var res struct {
		Results []struct {
			Hits []map[string]json.RawMessage `json:"hits"`
		} `json:"results"`
	}
	json.Unmarshal([]byte(raw), &res)
	if len(res.Results) != 2 || len(res.Results[0].Hits) == 0 || len(res.Results[1].Hits) == 0 {
		t.Fatalf("%s", raw)
	}
	keys := func(m map[string]json.RawMessage) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		return out
	}
	h := res.Results[0].Hits[0]
	if len(h) != 3 || h["objectID"] == nil || h["title"] == nil || h["_highlightResult"] == nil {
		t.Errorf("retrieve title: keys %q; want objectID, title, _highlightResult", keys(h))
	}
	if hl := got.Results[0].Hits[0].HighlightResult; len(hl) != 1 || !strings.Contains(string(hl["title"]), "<em>Nutcracker</em>") {
		t.Errorf("_highlightResult = %s; want the title only, highlighted", hl)
	}
	if h := res.Results[1].Hits[0]; len(h) != 1 || h["objectID"] == nil {
		t.Errorf("retrieve nothing: keys %q; want objectID alone", keys(h))
	}
}

func TestFacetValues(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	want := []facetHit{{Value: "Bolshoi Ballet", Highlighted: "<em>Bol</em>shoi Ballet", Count: 3}}
	for _, tc := range []struct{ name, path, body string }{
		{"endpoint, fields", "/1/indexes/films/facets/companies/query", `{"facetQuery":"bol"}`},
		{"endpoint, params string", "/1/indexes/films/facets/company/query", `{"params":"facetQuery=bol&maxFacetHits=5"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got, raw := post(t, srv.URL+tc.path, "application/x-www-form-urlencoded", tc.body)
			if status != http.StatusOK || !reflect.DeepEqual(got.FacetHits, want) {
				t.Errorf("status %d, %s; want %+v", status, raw, want)
			}
		})
	}
	status, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "text/plain", `{"requests":[
		{"indexName":"films","type":"facet","facet":"companies","facetQuery":"ba","highlightPreTag":"[","highlightPostTag":"]"},
		{"indexName":"films","type":"facet","facet":"decade","params":"facetQuery=19&numericFilters=%5B%22year%3E%3D1970%22%5D"},
		{"indexName":"films","type":"facet","facet":"companies","facetQuery":"bol","facetFilters":["decade:1980s"]}
	]}`)
	if status != http.StatusOK || len(got.Results) != 3 {
		t.Fatalf("status %d: %s", status, raw)
	}
	wantResults := [][]facetHit{
		{{"Bolshoi Ballet", "Bolshoi [Ba]llet", 3}, {"Kirov Ballet", "Kirov [Ba]llet", 1}},
		{{"1970s", "<em>19</em>70s", 5}, {"1980s", "<em>19</em>80s", 4}},
		{{"Bolshoi Ballet", "<em>Bol</em>shoi Ballet", 1}},
	}
	for i, w := range wantResults {
		if !reflect.DeepEqual(got.Results[i].FacetHits, w) {
			t.Errorf("facet request %d: %+v; want %+v", i, got.Results[i].FacetHits, w)
		}
	}
	status, got, _ = post(t, srv.URL+"/1/indexes/films/facets/rating/query", "application/json", `{"facetQuery":"x"}`)
	if status != http.StatusBadRequest || got.Status != 400 || !strings.Contains(got.Message, "rating") {
		t.Errorf("unknown facet: %d %+v; want 400 naming it", status, got)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	many := strings.Repeat(`{"indexName":"films"},`, maxRequests) + `{"indexName":"films"}`
	for _, tc := range []struct {
		name, path, body string
		status           int
		msgHas           string
	}{
		{"long query", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"` + strings.Repeat("a", index.MaxQueryBytes+1) + `"}}]}`, 400, "query"},
		{"too many per page", "/1/indexes/*/queries", `{"requests":[{"params":"hitsPerPage=51"}]}`, 400, "hitsPerPage"},
		{"too many requests", "/1/indexes/*/queries", `{"requests":[` + many + `]}`, 400, "at most 50"},
		{"not JSON", "/1/indexes/*/queries", `requests=1`, 400, "JSON"},
		{"request not an object", "/1/indexes/*/queries", `{"requests":["x"]}`, 400, "object"},
		{"bad filter", "/1/indexes/*/queries", `{"requests":[{"indexName":"films"},{"params":{"facetFilters":["companies:-Bolshoi Ballet"]}}]}`, 400, "negation"},
		{"too many query terms", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"` + strings.Repeat("ab ", index.MaxQueryTerms+1) + `"}}]}`, 400, "terms"},
		{"body too large", "/1/indexes/*/queries", `{"requests":[{"params":{"x":"` + strings.Repeat("a", maxBody) + `"}}]}`, 413, "larger"},
		{"facet body too large", "/1/indexes/films/facets/decade/query", `{"x":"` + strings.Repeat("a", maxBody) + `"}`, 413, "larger"},
		{"facet bad params", "/1/indexes/films/facets/decade/query", `{"params":"hitsPerPage=500"}`, 400, "hitsPerPage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got, raw := post(t, srv.URL+tc.path, "text/plain", tc.body)
			if status != tc.status || got.Status != tc.status || !strings.Contains(got.Message, tc.msgHas) || got.Results != nil {
				t.Errorf("status %d, body %.200s; want %d with a message about %q", status, raw, tc.status, tc.msgHas)
			}
		})
	}
	res, err := http.Get(srv.URL + "/1/indexes/*/queries")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d; want 405", res.StatusCode)
	}
}

// failing is a Searcher whose searches fail with err.
type failing struct{ err error }

func (f failing) Search(context.Context, index.Request) (*index.Result, error) { return nil, f.err }

func TestSearchFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
	}{
		{context.DeadlineExceeded, 503},
		{index.ErrClosed, 503},
		{index.ErrBadQuery, 400},
		{errorString("disk on fire"), 500},
	} {
		srv := newTestServer(t, failing{tc.err})
		status, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "text/plain", `{"requests":[{"indexName":"films"}]}`)
		if status != tc.status || got.Status != tc.status || strings.Contains(raw, "fire") {
			t.Errorf("search error %v: %d %s; want %d without internals", tc.err, status, raw, tc.status)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestAttackInvalidUTF8 sends text the native API refuses: raw bytes that are not UTF-8 and
// escapes of half a surrogate pair. encoding/json turned both into U+FFFD and searched for it;
// now both endpoints refuse them with a 400 envelope, while a whole pair is still searched.
func TestAttackInvalidUTF8(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"raw byte in the query", "/1/indexes/*/queries", "{\"requests\":[{\"params\":{\"query\":\"swan\xff\"}}]}", 400},
		{"overlong encoding", "/1/indexes/*/queries", "{\"requests\":[{\"params\":{\"query\":\"\xc0\xaf\"}}]}", 400},
		{"lone low surrogate", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"swan\udc00"}}]}`, 400},
		{"lone high surrogate", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"\ud83c swan"}}]}`, 400},
		{"high surrogate at the end", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"\ud83c"}}]}`, 400},
		{"two high surrogates", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"\ud83c\ud83c"}}]}`, 400},
		{"lone surrogate in a name", "/1/indexes/*/queries", `{"requests":[{"indexName":"\udfff"}]}`, 400},
		{"facet search, raw byte", "/1/indexes/films/facets/companies/query", "{\"facetQuery\":\"bol\xfe\"}", 400},
		{"facet search, lone surrogate", "/1/indexes/films/facets/companies/query", `{"facetQuery":"\uDBFF"}`, 400},
		{"a whole pair", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"swan \ud83c\udfac"}}]}`, 200},
		{"an escaped backslash before u", "/1/indexes/*/queries", `{"requests":[{"params":{"query":"swan \\udc00"}}]}`, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got, raw := post(t, srv.URL+tc.path, "text/plain", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, body %.200s; want %d", status, raw, tc.status)
			}
			if tc.status == 400 && (got.Status != 400 || !strings.Contains(got.Message, "UTF-8")) {
				t.Errorf("body %.200s; want Algolia's envelope saying the body must be UTF-8", raw)
			}
		})
	}
}

// Films with director, cast and genres show them as attributes, with a _highlightResult each
// for a client's Highlight component; "*" facets include genres.
func TestCastAttributes(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, castIndex(t))
	_, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "text/plain", `{"requests":[
		{"indexName":"films","params":{"query":"skater","facets":["*"]}}
	]}`)
	var res struct {
		Results []struct {
			Hits []struct {
				Director        string                     `json:"director"`
				Cast            []string                   `json:"cast"`
				Genres          []string                   `json:"genres"`
				HighlightResult map[string]json.RawMessage `json:"_highlightResult"`
			} `json:"hits"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil || len(res.Results) != 1 || len(res.Results[0].Hits) != 1 {
		t.Fatalf("%v: %.400s", err, raw)
	}
	h := res.Results[0].Hits[0]
	if h.Director != "Ivan Petrov" || !reflect.DeepEqual(h.Cast, []string{"Maria Ivanova", "Oleg Smirnov"}) ||
		!reflect.DeepEqual(h.Genres, []string{"Drama", "Dance"}) {
		t.Errorf("hit: director %q, cast %q, genres %q", h.Director, h.Cast, h.Genres)
	}
	var director highlightResult
	var cast []highlightResult
	json.Unmarshal(h.HighlightResult["director"], &director)
	json.Unmarshal(h.HighlightResult["cast"], &cast)
	if director.Value != "Ivan Petrov" || len(cast) != 2 || cast[1].Value != "Oleg Smirnov" || h.HighlightResult["genres"] == nil {
		t.Errorf("_highlightResult = %s", h.HighlightResult)
	}
	if want := map[string]int{"Drama": 1, "Dance": 1}; !reflect.DeepEqual(got.Results[0].Facets["genres"], want) {
		t.Errorf("facets = %v; want genres %v", got.Results[0].Facets, want)
	}

	// A film without them has none of these attributes.
	_, _, raw = post(t, srv.URL+"/1/indexes/*/queries", "text/plain", `{"requests":[{"params":{"query":"hundredth"}}]}`)
	if !strings.Contains(raw, "Bright Stage") || strings.Contains(raw, `"director"`) || strings.Contains(raw, `"cast"`) || strings.Contains(raw, `"genres"`) {
		t.Errorf("a film without director, cast or genres: %.600s", raw)
	}
}
