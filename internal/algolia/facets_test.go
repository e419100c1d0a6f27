package algolia

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"filmsearch/internal/index"
)

// search posts one search with params (a JSON object) and returns its result.
func searchOne(t *testing.T, url, params string) (nbHits int, facets map[string]map[string]int) {
	t.Helper()
	status, got, raw := post(t, url+"/1/indexes/*/queries", "text/plain", `{"requests":[{"indexName":"films","params":`+params+`}]}`)
	if status != http.StatusOK || len(got.Results) != 1 {
		t.Fatalf("%s: status %d, %.300s", params, status, raw)
	}
	return got.Results[0].NbHits, got.Results[0].Facets
}

// Algolia applies every filter of a query to its facet counts; InstantSearch counts
// disjunctively by sending the extra queries itself. Under the native API's disjunctive counts
// (commit 4844edc) the 1970s also offered 1960s (1) and 1980s (4), which give no hit.
func TestFacetCountsConjunctive(t *testing.T) {
	t.Parallel()
	ballet := newTestServer(t, testIndex(t)).URL
	cast := newTestServer(t, castIndex(t)).URL
	for _, tc := range []struct {
		name, url, params string
		want              map[string]map[string]int
	}{
		{"decade refined", ballet, `{"facetFilters":[["decade:1970s"]],"facets":["decade"]}`,
			map[string]map[string]int{"decade": {"1970s": 5}}},
		{"company refined", ballet, `{"facetFilters":[["companies:Kirov Ballet"]],"facets":["companies","decade"]}`,
			map[string]map[string]int{"companies": {"Kirov Ballet": 1}, "decade": {"1970s": 1}}},
		{"decades ored", ballet, `{"facetFilters":[["decade:1960s","decade:1980s"]],"facets":["decade"]}`,
			map[string]map[string]int{"decade": {"1960s": 2, "1980s": 4}}},
		{"year range", ballet, `{"numericFilters":["year>=1980"],"facets":["decade"]}`,
			map[string]map[string]int{"decade": {"1980s": 4}}},
		{"genre refined", cast, `{"facetFilters":[["genres:Drama"]],"facets":["genres","decade"]}`,
			map[string]map[string]int{"genres": {"Drama": 3, "Dance": 2, "Musical": 1}, "decade": {"1950s": 1, "1960s": 2}}},
		{"genre by its other name", cast, `{"facetFilters":["genre:Musical"],"facets":["genre"]}`,
			map[string]map[string]int{"genre": {"Dance": 2, "Drama": 1, "Musical": 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, facets := searchOne(t, tc.url, tc.params); !reflect.DeepEqual(facets, tc.want) {
				t.Errorf("facets = %v; want %v", facets, tc.want)
			}
		})
	}
}

// What a conjunctive refinement list (operator "and"), a menu or any client that trusts the
// counts offers: under each starting point, every value counted, once chosen, gives exactly as
// many hits as its count said.
func TestEveryOfferedValueHolds(t *testing.T) {
	t.Parallel()
	ballet := newTestServer(t, testIndex(t)).URL
	cast := newTestServer(t, castIndex(t)).URL
	type start struct {
		url     string
		query   string
		filters []string // facetFilters, ANDed
		numeric []string
	}
	for _, s := range []start{
		{url: ballet},
		{url: ballet, filters: []string{"decade:1970s"}},
		{url: ballet, filters: []string{"companies:Bolshoi Ballet"}},
		{url: ballet, query: "ballet"},
		{url: ballet, query: "tragic love", filters: []string{"decade:1970s"}},
		{url: ballet, numeric: []string{"year>=1970", "year<=1979"}},
		{url: cast},
		{url: cast, filters: []string{"genres:Drama"}},
		{url: cast, filters: []string{"decade:1960s"}},
		{url: cast, query: "dancer", filters: []string{"genres:Dance"}},
	} {
		js := func(filters []string) string {
			b, _ := json.Marshal(map[string]any{"query": s.query, "facetFilters": filters, "numericFilters": s.numeric,
				"facets": []string{"*"}, "hitsPerPage": 0})
			return string(b)
		}
		name := fmt.Sprintf("%s q=%q %q %q", map[string]string{ballet: "ballet", cast: "cast"}[s.url], s.query, s.filters, s.numeric)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, facets := searchOne(t, s.url, js(s.filters))
			if len(facets) == 0 {
				t.Fatalf("no facets counted")
			}
			for attr, counts := range facets {
				for value, n := range counts {
					if twoValues(s.filters, attr, value) {
						continue // ANDing two values of a list attribute is refused (TestRequestFilters)
					}
					chosen := append(slices.Clone(s.filters), attr+":"+value)
					if got, _ := searchOne(t, s.url, js(chosen)); got != n {
						t.Errorf("%s:%s is offered with %d; chosen, it gives %d hits", attr, value, n, got)
					}
				}
			}
		})
	}
}

// twoValues reports whether filters already hold another value of the list attribute attr.
func twoValues(filters []string, attr, value string) bool {
	if attr != "companies" && attr != "genres" {
		return false
	}
	for _, f := range filters {
		if a, v, _ := strings.Cut(f, ":"); a == attr && v != value {
			return true
		}
	}
	return false
}

// A facet value search counts within every filter of its query, the facet's own included:
// InstantSearch leaves that filter out itself for a disjunctive refinement list.
func TestFacetValuesConjunctive(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	for _, tc := range []struct {
		name, body string
		want       []facetHit
	}{
		{"own facet filtered", `{"facetQuery":"ba","facetFilters":[["companies:Kirov Ballet"]]}`,
			[]facetHit{{"Kirov Ballet", "Kirov <em>Ba</em>llet", 1}}},
		{"own facet not filtered", `{"facetQuery":"ba"}`,
			[]facetHit{{"Bolshoi Ballet", "Bolshoi <em>Ba</em>llet", 3}, {"Kirov Ballet", "Kirov <em>Ba</em>llet", 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got, raw := post(t, srv.URL+"/1/indexes/films/facets/companies/query", "application/json", tc.body)
			if status != http.StatusOK || !reflect.DeepEqual(got.FacetHits, tc.want) {
				t.Errorf("status %d, %s; want %+v", status, raw, tc.want)
			}
		})
	}
	cast := newTestServer(t, castIndex(t))
	status, got, raw := post(t, cast.URL+"/1/indexes/films/facets/genres/query", "application/json",
		`{"facetQuery":"d","facetFilters":["genres:Musical"]}`)
	want := []facetHit{{"Dance", "<em>D</em>ance", 2}, {"Drama", "<em>D</em>rama", 1}}
	if status != http.StatusOK || !reflect.DeepEqual(got.FacetHits, want) {
		t.Errorf("genres matching d among musicals: status %d, %s; want %+v", status, raw, want)
	}
}

// nbHits and the facet counts cover the films with every word, as on Algolia, and the films
// with any word when optionalWords names one; when no film has every word they cover those
// with the most, unless removeWordsIfNoResults is "none".
func TestWordsMatched(t *testing.T) {
	t.Parallel()
	ix := testIndex(t)
	srv := newTestServer(t, ix)
	total := func(q, match string) (int, bool) {
		res, err := ix.Search(context.Background(), index.Request{Query: q, Match: match})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total, res.Relaxed
	}
	all, _ := total("tragic love", index.MatchAll)
	most, _ := total("tragic love", index.MatchMost)
	relaxed, wasRelaxed := total("revolution xylophone", index.MatchAll)
	if all == 0 || most <= all || relaxed == 0 || !wasRelaxed {
		t.Fatalf("the collection no longer shows the difference: tragic love %d of all words, %d of any; revolution xylophone %d (relaxed %v)",
			all, most, relaxed, wasRelaxed)
	}
	for _, tc := range []struct {
		params string
		want   int
	}{
		{`{"query":"tragic love"}`, all},
		{`{"query":"tragic love","removeWordsIfNoResults":"lastWords"}`, all},
		{`{"query":"tragic love","optionalWords":["love"]}`, most},
		{`{"query":"tragic love","optionalWords":"tragic,love"}`, most},
		{`{"query":"revolution xylophone"}`, relaxed},
		{`{"query":"revolution xylophone","removeWordsIfNoResults":"allOptional"}`, relaxed},
		{`{"query":"revolution xylophone","removeWordsIfNoResults":"none"}`, 0},
	} {
		t.Run(tc.params, func(t *testing.T) {
			params := strings.TrimSuffix(tc.params, "}") + `,"facets":["decade"]}`
			nb, facets := searchOne(t, srv.URL, params)
			sum := 0
			for _, n := range facets["decade"] {
				sum += n
			}
			if nb != tc.want || sum != tc.want {
				t.Errorf("nbHits %d, decade counts %v; want %d in both", nb, facets["decade"], tc.want)
			}
		})
	}
}
