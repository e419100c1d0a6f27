package algolia

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"filmsearch/internal/index"
)

func mustQuery(t *testing.T, raw string) query {
	t.Helper()
	q, err := parseQuery(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("parseQuery(%s): %v", raw, err)
	}
	return q
}

// The three ways clients send the same parameters read the same.
func TestParamsForms(t *testing.T) {
	want := params{
		Query: "swan", Facets: []string{"companies", "decade"},
		FacetFilters:   [][]string{{"companies:Bolshoi Ballet", "companies:Kirov Ballet"}, {"decade:1970s"}},
		NumericFilters: [][]string{{"year>=1970"}, {"year<=1980"}},
		Page:           2, HitsPerPage: 5, MaxValuesPerFacet: 10,
		HighlightPreTag: "__ais-highlight__", HighlightPostTag: "__/ais-highlight__",
		AttributesToHighlight: []string{"title"}, MaxFacetHits: 10,
	}
	object := `{"query":"swan","facets":["companies","decade"],
		"facetFilters":[["companies:Bolshoi Ballet","companies:Kirov Ballet"],"decade:1970s"],
		"numericFilters":["year>=1970","year<=1980"],"page":2,"hitsPerPage":5,"maxValuesPerFacet":10,
		"highlightPreTag":"__ais-highlight__","highlightPostTag":"__/ais-highlight__",
		"attributesToHighlight":["title"],"analytics":false,"clickAnalytics":true,"tagFilters":""}`
	str := "query=swan&facets=%5B%22companies%22%2C%22decade%22%5D" +
		"&facetFilters=%5B%5B%22companies%3ABolshoi%20Ballet%22%2C%22companies%3AKirov%20Ballet%22%5D%2C%22decade%3A1970s%22%5D" +
		"&numericFilters=year%3E%3D1970%2Cyear%3C%3D1980&page=2&hitsPerPage=5&maxValuesPerFacet=10" +
		"&highlightPreTag=__ais-highlight__&highlightPostTag=__%2Fais-highlight__&attributesToHighlight=title&analytics=false"
	for _, tc := range []struct{ name, raw string }{
		{"params object (v4)", `{"indexName":"films","params":` + object + `}`},
		{"params string (v3, v4)", `{"indexName":"films","params":"` + str + `"}`},
		{"top level (v5)", strings.Replace(object, "{", `{"indexName":"films",`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := mustQuery(t, tc.raw)
			if q.indexName != "films" || q.facet != "" {
				t.Errorf("indexName %q facet %q; want films and none", q.indexName, q.facet)
			}
			if !reflect.DeepEqual(q.params, want) {
				t.Errorf("params = %+v\nwant     %+v", q.params, want)
			}
		})
	}
}

func TestParamsDefaultsAndPrecedence(t *testing.T) {
	q := mustQuery(t, `{"indexName":"films"}`)
	want := params{HitsPerPage: 20, MaxValuesPerFacet: 100, HighlightPreTag: "<em>", HighlightPostTag: "</em>", MaxFacetHits: 10}
	if !reflect.DeepEqual(q.params, want) {
		t.Errorf("defaults = %+v; want %+v", q.params, want)
	}
	q = mustQuery(t, `{"query":"top","params":"query=inner"}`)
	if q.params.Query != "inner" {
		t.Errorf("query = %q; want the one under params", q.params.Query)
	}
	q = mustQuery(t, `{"type":"facet","facet":"companies","facetQuery":"bol","params":{"maxFacetHits":500}}`)
	if q.facet != "companies" || q.params.FacetQuery != "bol" || q.params.MaxFacetHits != maxFacetHits {
		t.Errorf("facet request = %+v; want companies, bol, maxFacetHits clamped to %d", q, maxFacetHits)
	}
	q = mustQuery(t, `{"params":{"maxValuesPerFacet":"1000","attributesToHighlight":[],"page":"3"}}`)
	if q.params.MaxValuesPerFacet != maxFacetValues || q.params.AttributesToHighlight == nil || q.params.Page != 3 {
		t.Errorf("params = %+v; want maxValuesPerFacet clamped, attributesToHighlight empty not nil, page 3", q.params)
	}
}

func TestDecodeFilters(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want [][]string
		err  bool
	}{
		{`"decade:1970s"`, [][]string{{"decade:1970s"}}, false},
		{`["decade:1970s","companies:Bolshoi Ballet"]`, [][]string{{"decade:1970s"}, {"companies:Bolshoi Ballet"}}, false},
		{`[["decade:1970s","decade:1980s"],"year:1975"]`, [][]string{{"decade:1970s", "decade:1980s"}, {"year:1975"}}, false},
		{`"[[\"decade:1970s\",\"decade:1980s\"]]"`, [][]string{{"decade:1970s", "decade:1980s"}}, false},
		{`"decade:1970s,(companies:A,companies:B)"`, [][]string{{"decade:1970s"}, {"companies:A", "companies:B"}}, false},
		{`"year>=1970, year<=1980"`, [][]string{{"year>=1970"}, {"year<=1980"}}, false},
		{`[[], "", [""]]`, nil, false},
		{`""`, nil, false},
		{`[]`, nil, false},
		{`[[["decade:1970s"]]]`, nil, true},
		{`[1]`, nil, true},
		{`{"a":1}`, nil, true},
		{`"(decade:1970s"`, nil, true},
		{`"decade:1970s)"`, nil, true},
		{`"[1"`, nil, true},
		{`[` + strings.Repeat(`"decade:1970s",`, maxFilterStrings) + `"decade:1980s"]`, nil, true},
	} {
		got, err := decodeFilters("facetFilters", json.RawMessage(tc.raw))
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("decodeFilters(%s) = %q, %v; want %q, error %v", tc.raw, got, err, tc.want, tc.err)
		}
	}
}

func TestRequestFilters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		facet  string // facetFilters JSON
		num    string // numericFilters JSON
		want   index.Request
		none   bool
		errHas string
	}{
		{name: "none", want: index.Request{}},
		{name: "or inside", facet: `[["companies:Bolshoi Ballet","company:Kirov Ballet"]]`,
			want: index.Request{Companies: []string{"Bolshoi Ballet", "Kirov Ballet"}}},
		{name: "and across", facet: `["companies:Bolshoi Ballet","decade:1970s",["year:1975","year:1977"]]`,
			want: index.Request{Companies: []string{"Bolshoi Ballet"}, Decades: []string{"1970s"}, Years: []int{1975, 1977}}},
		{name: "same company twice", facet: `["companies:Bolshoi Ballet","companies:Bolshoi Ballet"]`,
			want: index.Request{Companies: []string{"Bolshoi Ballet"}}},
		{name: "decades intersect", facet: `[["decade:1970s","decade:1980s"],["decade:1980s","decade:1990s"]]`,
			want: index.Request{Decades: []string{"1980s"}}},
		{name: "decades contradict", facet: `["decade:1970s","decade:1980s"]`, none: true,
			want: index.Request{Decades: []string{}}},
		{name: "quoted and escaped", facet: `["decade:\"1970s\"","companies:\\-dash"]`,
			want: index.Request{Decades: []string{"1970s"}, Companies: []string{"-dash"}}},
		{name: "range", num: `["year>=1980","year<=1989"]`, want: index.Request{YearMin: 1980, YearMax: 1989}},
		{name: "strict range", num: `["year>1979","year<1990"]`, want: index.Request{YearMin: 1980, YearMax: 1989}},
		{name: "fractional bounds", num: `["year>=1979.5","year<=1989.5"]`, want: index.Request{YearMin: 1980, YearMax: 1989}},
		{name: "to range", num: `["year:1970 TO 1979"]`, want: index.Request{YearMin: 1970, YearMax: 1979}},
		{name: "narrowest wins", num: `["year>=1970","year>=1975","year<=1990","year<=1985"]`, want: index.Request{YearMin: 1975, YearMax: 1985}},
		{name: "open bounds", num: `["year>=-5","year<=100000"]`, want: index.Request{}},
		{name: "equalities ored", num: `[["year=1975","year = 1977"]]`, want: index.Request{Years: []int{1975, 1977}}},
		{name: "equality and facet", facet: `[["year:1975","year:1977"]]`, num: `["year=1977"]`, want: index.Request{Years: []int{1977}}},
		{name: "empty range", num: `["year>=1990","year<=1980"]`, none: true, want: index.Request{YearMin: 0}},
		{name: "year no film has", num: `["year=1975.5"]`, none: true, want: index.Request{}},
		{name: "negation", facet: `["companies:-Bolshoi Ballet"]`, errHas: "negation"},
		{name: "or across attributes", facet: `[["companies:Bolshoi Ballet","decade:1970s"]]`, errHas: "one attribute"},
		{name: "two companies anded", facet: `["companies:Bolshoi Ballet","companies:Kirov Ballet"]`, errHas: "two different companies"},
		{name: "genres or inside", facet: `[["genres:Drama","genre:Dance"]]`,
			want: index.Request{Genres: []string{"Drama", "Dance"}}},
		{name: "two genres anded", facet: `["genres:Drama","genres:Dance"]`, errHas: "two different genres"},
		{name: "unknown facet", facet: `["rating:5"]`, errHas: "not a facet"},
		{name: "no colon", facet: `["drama"]`, errHas: "attribute:value"},
		{name: "other numeric attribute", num: `["rating>3"]`, errHas: "only year"},
		{name: "not equal", num: `["year!=1975"]`, errHas: "!="},
		{name: "ranges ored", num: `[["year<1970","year>1980"]]`, errHas: "only equalities"},
		{name: "not a number", num: `["year>=abc"]`, errHas: "not a number"},
		{name: "bad to", num: `["year:1970-1980"]`, errHas: "TO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fields{}
			if tc.facet != "" {
				f["facetFilters"] = json.RawMessage(tc.facet)
			}
			if tc.num != "" {
				f["numericFilters"] = json.RawMessage(tc.num)
			}
			p, err := parseParams(f)
			if tc.errHas != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || !strings.Contains(ae.msg, tc.errHas) {
					t.Fatalf("parseParams = %v; want a 400 saying %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := p.request()
			if err != nil {
				t.Fatal(err)
			}
			if s.none != tc.none {
				t.Errorf("none = %v; want %v", s.none, tc.none)
			}
			// Every search of the protocol counts facets as Algolia does and requires every word.
			tc.want.Conjunctive, tc.want.Match = true, index.MatchAll
			if !tc.none && !reflect.DeepEqual(s.req, tc.want) {
				t.Errorf("request = %+v; want %+v", s.req, tc.want)
			}
		})
	}
}

func TestParamsRefused(t *testing.T) {
	for _, raw := range []string{
		`{"query":"` + strings.Repeat("a", index.MaxQueryBytes+1) + `"}`,
		`{"params":"query=` + strings.Repeat("a", index.MaxQueryBytes+1) + `"}`,
		`{"hitsPerPage":51}`,
		`{"params":"hitsPerPage=1000"}`,
		`{"hitsPerPage":-1}`,
		`{"page":-1}`,
		`{"page":1.5}`,
		`{"page":"x"}`,
		`{"page":1e12}`,
		`{"maxValuesPerFacet":-1}`,
		`{"query":5}`,
		`{"query":"\xff"}`,
		`{"params":"query=%ff"}`,
		`{"params":"query=%zz"}`,
		`{"params":5}`,
		`{"highlightPreTag":"` + strings.Repeat("x", maxTagBytes+1) + `"}`,
		`{"facets":{"a":1}}`,
		`{"type":"facet"}`,
		`{"type":"mystery"}`,
		`{"removeWordsIfNoResults":"someWords"}`,
		`{"optionalWords":{"a":1}}`,
		`[]`,
	} {
		_, err := parseQuery(json.RawMessage(raw))
		var ae *apiError
		if !errors.As(err, &ae) || ae.status != http.StatusBadRequest {
			t.Errorf("parseQuery(%.80s) = %v; want a 400", raw, err)
		}
	}
}

func TestParamsEncodeRoundTrip(t *testing.T) {
	q := mustQuery(t, `{"params":{"query":"a&b=c","facets":["*"],"facetFilters":"decade:1970s,(year:1975,year:1977)",
		"numericFilters":["year>=1900"],"attributesToSnippet":"description:20","attributesToHighlight":[],"facetQuery":"x y",
		"removeWordsIfNoResults":"lastWords","optionalWords":"a,b"}}`)
	back, err := parseParams(mustFields(t, q.params.encode()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, q.params) {
		t.Errorf("parse(encode(p)) = %+v\nwant p = %+v", back, q.params)
	}
}

// Algolia requires every word unless some are optional; removeWordsIfNoResults only acts when
// nothing has them all, which the index's MatchAll does by itself, and "none" sent in so many
// words forbids it.
func TestParamsMatch(t *testing.T) {
	for _, tc := range []struct {
		params string
		match  string
		strict bool
	}{
		{`{"query":"tragic love"}`, index.MatchAll, false},
		{`{"query":"tragic love","removeWordsIfNoResults":"none"}`, index.MatchAll, true},
		{`{"query":"tragic love","removeWordsIfNoResults":"allOptional"}`, index.MatchAll, false},
		{`{"query":"tragic love","removeWordsIfNoResults":"lastWords"}`, index.MatchAll, false},
		{`{"query":"tragic love","optionalWords":["love"]}`, index.MatchMost, false},
		{`{"query":"tragic love","optionalWords":"Tragic,swan"}`, index.MatchMost, false},
		{`{"query":"tragic love","optionalWords":["tragic love"]}`, index.MatchMost, false},
		{`{"query":"tragic love","optionalWords":["swan"]}`, index.MatchAll, false},
		{`{"query":"tragic love","optionalWords":[]}`, index.MatchAll, false},
	} {
		q := mustQuery(t, `{"params":`+tc.params+`}`)
		s, err := q.params.request()
		if err != nil {
			t.Fatalf("%s: %v", tc.params, err)
		}
		if s.req.Match != tc.match || q.params.strict() != tc.strict {
			t.Errorf("%s: match %q, strict %v; want %q, %v", tc.params, s.req.Match, q.params.strict(), tc.match, tc.strict)
		}
	}
}

func mustFields(t testing.TB, s string) fields {
	t.Helper()
	f, err := fieldsFromString(s)
	if err != nil {
		t.Fatalf("fieldsFromString(%q): %v", s, err)
	}
	return f
}
