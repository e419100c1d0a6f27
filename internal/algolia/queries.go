package algolia

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// Searcher runs one search; *index.Index is one. It must be safe for concurrent use.
type Searcher interface {
	Search(ctx context.Context, req index.Request) (*index.Result, error)
}

// query is one request of a batch.
type query struct {
	indexName string
	facet     string // for a facet value search ("type": "facet")
	params    params
}

// parseQuery reads one request of a batch: indexName, type, facet, and the parameters, given
// under "params" (an object or a URL-encoded string) or at the top level (algoliasearch v5).
// Where both name a parameter, the one under "params" wins.
func parseQuery(raw json.RawMessage) (query, error) {
	var top fields
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return query{}, badRequest("each request must be an object")
	}
	return queryFromFields(top)
}

// queryFromFields is parseQuery on a decoded object, which it consumes.
func queryFromFields(top fields) (query, error) {
	var q query
	var typ string
	for name, dst := range map[string]*string{"indexName": &q.indexName, "type": &typ, "facet": &q.facet} {
		if v, ok := top[name]; ok {
			s, err := decodeString(name, v, 256)
			if err != nil {
				return query{}, err
			}
			*dst = s
		}
		delete(top, name)
	}
	inner, err := fieldsFromJSON(top["params"])
	if err != nil {
		return query{}, err
	}
	delete(top, "params")
	for k, v := range inner {
		top[k] = v
	}
	switch typ {
	case "", "default":
		q.facet = ""
	case "facet":
		if q.facet == "" {
			return query{}, badRequest("a request of type facet needs a facet")
		}
	default:
		return query{}, badRequest("unknown request type %q", typ)
	}
	if q.params, err = parseParams(top); err != nil {
		return query{}, err
	}
	return q, nil
}

// readBody decodes the JSON body into v whatever the Content-Type: algoliasearch sends JSON as
// text/plain or form-encoded to spare the browser a preflight. A body that is not UTF-8, or
// that escapes half of a surrogate pair, is refused rather than decoded into U+FFFD, as the
// native API refuses such text. A body not received in time is a 408, one cut short a 400.
func readBody(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &apiError{status: http.StatusRequestTimeout, msg: "the request body was not received in time"}
	case err != nil:
		return &apiError{status: http.StatusBadRequest, msg: "the request body was cut short", cause: err}
	}
	if !utf8.Valid(data) || !pairedSurrogates(data) {
		return badRequest("the body must be UTF-8 text")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return badRequest("the body must be a JSON object")
	}
	return nil
}

// pairedSurrogates reports whether every \u escape of a UTF-16 surrogate in the JSON text data
// is half of a pair, high then low. encoding/json decodes a lone one into U+FFFD. Outside
// strings JSON has no backslashes, so the text is scanned without parsing it.
func pairedSurrogates(data []byte) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		r, ok := escapedRune(data, i)
		i++ // the escaped character; a \u escape's digits are skipped below
		if !ok {
			continue
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low half with no high half before it
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := escapedRune(data, i+1)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// escapedRune decodes the \uXXXX escape at data[i:], if there is one.
func escapedRune(data []byte, i int) (rune, bool) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}

// logger prefers the request's logger (with its request id) to the handler's own.
func logger(r *http.Request, log *zerolog.Logger) *zerolog.Logger {
	if l := zerolog.Ctx(r.Context()); l.GetLevel() != zerolog.Disabled {
		return l
	}
	return log
}

// NewQueriesHandler serves POST /1/indexes/*/queries: {"requests": [...]} with at most 50
// requests, answered in order as {"results": [...]}. A request of "type": "facet" is a facet
// value search. If any request is invalid the whole batch fails with 400, as on Algolia; a
// failed search fails it with 503 (timeout, index closed) or 500. Each search runs under the
// request's context: when it has a deadline (searchd's router sets one for the whole batch),
// the batch stops there, between searches or inside one, and answers 503. The handler is safe
// for concurrent use.
func NewQueriesHandler(s Searcher, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := logger(r, &log)
		if r.Method != http.MethodPost {
			writeError(w, r, log, &apiError{status: http.StatusMethodNotAllowed, msg: "method not allowed; use POST"})
			return
		}
		var body struct {
			Requests []json.RawMessage `json:"requests"`
		}
		if err := readBody(w, r, &body); err != nil {
			writeError(w, r, log, err)
			return
		}
		if len(body.Requests) > maxRequests {
			writeError(w, r, log, badRequest("at most %d requests per call", maxRequests))
			return
		}
		qs := make([]query, len(body.Requests))
		for i, raw := range body.Requests {
			q, err := parseQuery(raw)
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			qs[i] = q
		}
		ctx := r.Context()
		results := make([]any, len(qs))
		for i, q := range qs {
			// A search that ignores its context cannot carry the batch past the deadline
			// by more than itself.
			if err := ctx.Err(); err != nil {
				writeError(w, r, log, err)
				return
			}
			var err error
			if q.facet != "" {
				results[i], err = searchFacetValues(ctx, s, q.facet, q.params)
			} else {
				results[i], err = searchHits(ctx, s, q)
			}
			if err == nil && ctx.Err() != nil {
				err = ctx.Err() // finished late: the batch is past its deadline all the same
			}
			if err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": results})
	})
}

// hitsResult is Algolia's answer to one search.
type hitsResult struct {
	Hits                  []map[string]any          `json:"hits"`
	NbHits                int                       `json:"nbHits"`
	Page                  int                       `json:"page"`
	NbPages               int                       `json:"nbPages"`
	HitsPerPage           int                       `json:"hitsPerPage"`
	Facets                map[string]map[string]int `json:"facets,omitempty"`
	FacetsStats           map[string]facetStats     `json:"facets_stats,omitempty"`
	ExhaustiveNbHits      bool                      `json:"exhaustiveNbHits"`
	ExhaustiveFacetsCount bool                      `json:"exhaustiveFacetsCount"`
	Exhaustive            exhaustive                `json:"exhaustive"`
	ProcessingTimeMS      int                       `json:"processingTimeMS"`
	Query                 string                    `json:"query"`
	Params                string                    `json:"params"`
	Index                 string                    `json:"index"`
}

type exhaustive struct {
	NbHits      bool `json:"nbHits"`
	FacetsCount bool `json:"facetsCount"`
}

type facetStats struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	Avg float64 `json:"avg"`
	Sum float64 `json:"sum"`
}

func searchHits(ctx context.Context, s Searcher, q query) (*hitsResult, error) {
	start := time.Now()
	p := q.params
	out := &hitsResult{
		Hits: []map[string]any{}, Page: p.Page, HitsPerPage: p.HitsPerPage,
		ExhaustiveNbHits: true, ExhaustiveFacetsCount: true, Exhaustive: exhaustive{true, true},
		Query: p.Query, Params: p.encode(), Index: q.indexName,
	}
	sr, err := p.request()
	if err != nil {
		return nil, err
	}
	names := expandFacets(p.Facets)
	facets := requestedFacets(names)
	var res *index.Result
	if !sr.none {
		req := sr.req
		// Algolia pages from 0; hits beyond rank 1000 are never returned, as natively. A page
		// with no hits still counts them and their facets.
		withHits := p.HitsPerPage > 0 && (p.Page+1)*p.HitsPerPage <= maxDepth
		req.Page, req.PerPage = 1, 1
		if withHits {
			req.Page, req.PerPage = p.Page+1, p.HitsPerPage
		}
		req.FacetSize = max(1, p.MaxValuesPerFacet)
		if slices.Contains(facets, index.FacetYear) {
			req.FacetSize = maxFacetValues // facets_stats needs every year
		}
		if res, err = find(ctx, s, p, req); err != nil {
			return nil, err
		}
		if !withHits {
			res.Hits = nil
		}
	} else {
		res = &index.Result{}
	}
	out.NbHits = res.Total
	if p.HitsPerPage > 0 {
		out.NbPages = min((res.Total+p.HitsPerPage-1)/p.HitsPerPage, maxDepth/p.HitsPerPage)
	}
	h := newHighlighter(p, res.Words)
	for _, hit := range res.Hits {
		out.Hits = append(out.Hits, algoliaHit(hit, p, h))
	}
	for i, name := range names {
		f, ok := res.Facets[facets[i]]
		if !ok || len(f.Values) == 0 || p.MaxValuesPerFacet == 0 {
			continue
		}
		if out.Facets == nil {
			out.Facets = map[string]map[string]int{}
		}
		counts := map[string]int{}
		for _, v := range f.Values[:min(len(f.Values), p.MaxValuesPerFacet)] {
			counts[v.Value] = v.Count
		}
		out.Facets[name] = counts
		if facets[i] == index.FacetYear {
			if st, ok := yearStats(f); ok {
				out.FacetsStats = map[string]facetStats{name: st}
			}
		}
	}
	out.ProcessingTimeMS = int(time.Since(start).Milliseconds())
	return out, nil
}

// find runs req, the index request of p. When nothing has every word, the index answers with
// the films that have the most (Relaxed); if p asked for no words to be removed, that answer is
// no hits instead, as on Algolia.
func find(ctx context.Context, s Searcher, p params, req index.Request) (*index.Result, error) {
	res, err := s.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.Relaxed && req.Match == index.MatchAll && p.strict() {
		return &index.Result{Hits: []index.Hit{}}, nil
	}
	return res, nil
}

// expandFacets replaces "*" with every facet.
func expandFacets(names []string) []string {
	if slices.Contains(names, "*") {
		return facetNames
	}
	return names
}

// requestedFacets maps each requested attribute to its index facet ("" for unknown ones, which
// are ignored).
func requestedFacets(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = facetOf(n)
	}
	return out
}

// yearStats computes min, max, avg and sum of year over the matches from the year facet's
// counts.
func yearStats(f index.Facet) (facetStats, bool) {
	var st facetStats
	n := 0
	for _, v := range f.Values {
		y, err := strconv.Atoi(v.Value)
		if err != nil || v.Count <= 0 {
			continue
		}
		if n == 0 || float64(y) < st.Min {
			st.Min = float64(y)
		}
		if n == 0 || float64(y) > st.Max {
			st.Max = float64(y)
		}
		st.Sum += float64(y) * float64(v.Count)
		n += v.Count
	}
	if n == 0 {
		return facetStats{}, false
	}
	st.Avg = st.Sum / float64(n)
	return st, true
}

// retrievable lists the attributes of a hit, objectID always included.
var retrievable = []string{"title", "year", "decade", "companies", "description", "facts",
	"director", "cast", "country", "genres", "original_title"}

// algoliaHit writes hit as an Algolia record with the attributes p retrieves and highlights.
func algoliaHit(hit index.Hit, p params, h highlighter) map[string]any {
	all := map[string]any{
		"title": hit.Title, "year": hit.Year, "decade": hit.Decade, "companies": hit.Companies,
		"description": hit.Description, "facts": hit.Facts,
	}
	for k, v := range map[string]string{"director": hit.Director, "country": hit.Country, "original_title": hit.OriginalTitle} {
		if v != "" {
			all[k] = v
		}
	}
	if len(hit.Genres) > 0 {
		all["genres"] = hit.Genres
	}
	if len(hit.Cast) > 0 {
		all["cast"] = hit.Cast
	}
	out := map[string]any{"objectID": hit.ID}
	want := p.AttributesToRetrieve
	if want == nil || slices.Contains(want, "*") {
		want = retrievable
	}
	for _, a := range want {
		if v, ok := all[a]; ok {
			out[a] = v
		}
	}
	hl, sn := h.highlights(hit, p)
	if hl != nil {
		out["_highlightResult"] = hl
	}
	if sn != nil {
		out["_snippetResult"] = sn
	}
	return out
}
