package algolia

import (
	"context"
	"net/http"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"filmsearch/internal/wordsplit"
)

// NewFacetValuesHandler serves POST /1/indexes/{index}/facets/{facet}/query, the search for
// facet values: {"facetQuery": "bol", "params": ...} answers
// {"facetHits": [{"value", "highlighted", "count"}], ...} over the films the params select.
// The facet comes from mux.Vars(r)["facet"]. Errors are as for NewQueriesHandler; an unknown
// facet is a 400. The handler is safe for concurrent use.
func NewFacetValuesHandler(s Searcher, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := logger(r, &log)
		if r.Method != http.MethodPost {
			writeError(w, r, log, &apiError{status: http.StatusMethodNotAllowed, msg: "method not allowed; use POST"})
			return
		}
		var body fields
		if err := readBody(w, r, &body); err != nil {
			writeError(w, r, log, err)
			return
		}
		if body == nil {
			body = fields{}
		}
		delete(body, "facet") // the path names the facet
		delete(body, "type")
		q, err := queryFromFields(body)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		res, err := searchFacetValues(r.Context(), s, mux.Vars(r)["facet"], q.params)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

type facetHit struct {
	Value       string `json:"value"`
	Highlighted string `json:"highlighted"`
	Count       int    `json:"count"`
}

type facetValuesResult struct {
	FacetHits             []facetHit `json:"facetHits"`
	ExhaustiveFacetsCount bool       `json:"exhaustiveFacetsCount"`
	ProcessingTimeMS      int        `json:"processingTimeMS"`
}

// searchFacetValues finds the values of facet that match p.FacetQuery, a word prefix of the
// value for each word typed, among the films p selects, most frequent first.
func searchFacetValues(ctx context.Context, s Searcher, facet string, p params) (*facetValuesResult, error) {
	start := time.Now()
	name := facetOf(facet)
	if name == "" {
		return nil, badRequest("cannot search in facet %q; use decade, year, companies or genres", facet)
	}
	out := &facetValuesResult{FacetHits: []facetHit{}, ExhaustiveFacetsCount: true}
	sr, err := p.request()
	if err != nil {
		return nil, err
	}
	if !sr.none {
		req := sr.req
		req.Page, req.PerPage, req.FacetSize = 1, 1, maxFacetValues
		res, err := find(ctx, s, p, req)
		if err != nil {
			return nil, err
		}
		typed := facetWords(p.FacetQuery)
		for _, v := range res.Facets[name].Values {
			if m, ok := matchFacet(v.Value, typed); ok && v.Count > 0 {
				out.FacetHits = append(out.FacetHits, facetHit{
					Value: v.Value, Highlighted: m.render(p.HighlightPreTag, p.HighlightPostTag), Count: v.Count,
				})
			}
		}
	}
	sort.SliceStable(out.FacetHits, func(i, j int) bool {
		a, b := out.FacetHits[i], out.FacetHits[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	})
	out.FacetHits = out.FacetHits[:min(len(out.FacetHits), p.MaxFacetHits)]
	out.ProcessingTimeMS = int(time.Since(start).Milliseconds())
	return out, nil
}

func facetWords(q string) []string { return wordsplit.Lower(q) }

// matchFacet reports whether every word starts a word of value, marking the typed prefixes.
func matchFacet(value string, typed []string) (marked, bool) {
	m := marked{text: value}
	var vw []span
	wordsplit.Each(value, func(start, end int) { vw = append(vw, span{start, end}) })
	used := make([]bool, len(vw))
	for _, w := range typed {
		found := false
		for i, v := range vw {
			if used[i] {
				continue
			}
			if n, ok := foldPrefix(value[v.start:v.end], w); ok {
				used[i], found = true, true
				m.spans = append(m.spans, span{v.start, v.start + n})
				break
			}
		}
		if !found {
			return marked{}, false
		}
	}
	sort.Slice(m.spans, func(i, j int) bool { return m.spans[i].start < m.spans[j].start })
	return m, true
}

// foldPrefix reports whether prefix (lower case) starts s ignoring case, and how many bytes of
// s it covers.
func foldPrefix(s, prefix string) (int, bool) {
	n := 0
	for _, pr := range prefix {
		if n >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if unicode.ToLower(r) != pr {
			return 0, false
		}
		n += size
	}
	return n, true
}
