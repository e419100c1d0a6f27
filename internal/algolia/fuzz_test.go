package algolia

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"filmsearch/internal/index"
)

// FuzzParams feeds the params parser any string, as a URL-encoded params string and, when it is
// JSON, as a request object. Properties: no panic; the only error is a 400 *apiError; accepted
// params keep the limits and translate to an index request with Algolia's facet counts and a
// words rule; encode round-trips.
func FuzzParams(f *testing.F) {
	for _, s := range []string{
		"",
		"query=revolution&hitsPerPage=5&page=1",
		"query=&facets=%5B%22companies%22%5D&facetFilters=%5B%5B%22companies%3ABolshoi%20Ballet%22%5D%5D",
		"numericFilters=year%3E%3D1970%2Cyear%3C%3D1980&maxValuesPerFacet=1000",
		"facetFilters=decade%3A1970s%2C(year%3A1975%2Cyear%3A1977)",
		"highlightPreTag=__ais-highlight__&highlightPostTag=__%2Fais-highlight__&attributesToSnippet=description%3A20",
		"page=-1", "hitsPerPage=51", "query=%ff", "facetFilters=(((", "numericFilters=year%3A1970%20TO%201980",
		`{"query":"swan","facetFilters":[["decade:1970s","decade:1980s"],"year:1977"],"page":"2"}`,
		`{"numericFilters":[["year=1975","year=1977"]],"hitsPerPage":0,"facets":"*"}`,
		`{"facetFilters":[[["x"]]],"page":1e300}`,
		`{"query":"tragic love","facetFilters":[["genres:Drama","genre:Dance"]],"optionalWords":"love","removeWordsIfNoResults":"none"}`,
		"query=a%20b&optionalWords=%5B%22b%22%5D&removeWordsIfNoResults=lastWords",
		`{"removeWordsIfNoResults":"sometimes","optionalWords":[5]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		inputs := []func() (fields, error){func() (fields, error) { return fieldsFromString(s) }}
		if json.Valid([]byte(s)) {
			inputs = append(inputs, func() (fields, error) { return fieldsFromJSON(json.RawMessage(s)) })
		}
		for _, in := range inputs {
			fl, err := in()
			var p params
			if err == nil {
				p, err = parseParams(fl)
			}
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || ae.msg == "" {
					t.Fatalf("error %v (%T); want a 400 *apiError", err, err)
				}
				continue
			}
			if len(p.Query) > index.MaxQueryBytes || !utf8.ValidString(p.Query) || p.Page < 0 ||
				p.HitsPerPage < 0 || p.HitsPerPage > maxHitsPerPage ||
				p.MaxValuesPerFacet < 0 || p.MaxValuesPerFacet > maxFacetValues ||
				p.MaxFacetHits < 0 || p.MaxFacetHits > maxFacetHits {
				t.Fatalf("accepted params break a limit: %+v", p)
			}
			sr, err := p.request()
			if err != nil {
				t.Fatalf("parsed params do not translate: %v", err)
			}
			if !sr.none && len(sr.req.Companies)+len(sr.req.Genres)+len(sr.req.Decades)+len(sr.req.Years) > 2*maxFilterStrings {
				t.Fatalf("too many filters reach the index: %+v", sr.req)
			}
			if !sr.req.Conjunctive || (sr.req.Match != index.MatchAll && sr.req.Match != index.MatchMost) {
				t.Fatalf("the index is not asked as Algolia counts and matches: %+v", sr.req)
			}
			back, err := parseParams(mustFields(t, p.encode()))
			if err != nil || !reflect.DeepEqual(back, p) {
				t.Fatalf("parse(encode(p)) = %+v, %v\nwant p = %+v", back, err, p)
			}
		}
	})
}

// FuzzBodyText checks readBody's text check on any body: it never panics, and what it accepts
// decodes with no U+FFFD that the body did not spell out itself.
func FuzzBodyText(f *testing.F) {
	for _, s := range []string{
		`{"requests":[{"params":{"query":"swan"}}]}`,
		`{"q":"\ud83c\udfac"}`, `{"q":"\udc00"}`, `{"q":"\ud83c"}`, `{"q":"\ud83c\u0041"}`,
		`{"q":"\\udc00"}`, `{"q":"\\\udc00"}`, `{"q":"\u"}`, `"\uD83C\uDFAC"`, "\"\xff\"", `"\ufffd"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || !pairedSurrogates(data) {
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		out, _ := json.Marshal(v)
		spelled := strings.Contains(string(data), "\ufffd") || strings.Contains(strings.ToLower(string(data)), `\ufffd`)
		if strings.Contains(string(out), "\ufffd") && !spelled {
			t.Fatalf("accepted %q, which decodes to U+FFFD: %s", data, out)
		}
	})
}
