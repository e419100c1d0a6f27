package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"

	"filmsearch/internal/corpus"
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortYear      = "year"
	SortYearDesc  = "-year"
	SortTitle     = "title"
)

// Facet names.
const (
	FacetDecade  = "decade"
	FacetYear    = "year"
	FacetCompany = "company"
)

// Limits a Request must keep; the API checks them first with friendlier messages.
const (
	MaxPerPage   = 50
	MaxDepth     = 1000
	MaxFacetSize = 200 // every year a film can have
	maxFilters   = 50
)

// Request is one search. Zero values mean: browse all, relevance order, page 1 of 10.
type Request struct {
	Query     string
	Companies []string
	Decades   []string
	Years     []int
	YearMin   int // 0: open
	YearMax   int // 0: open
	Sort      string
	Page      int
	PerPage   int
	FacetSize int // values per facet for year and company; decades are always all
	// Facets to count; nil means all three. Counting is most of a search's cost, so a caller
	// that shows none can say so with an empty, non-nil slice.
	Facets []string
}

// Result is one page of hits with facets over all matches.
type Result struct {
	Query          string           `json:"query"`
	Total          int              `json:"total"`
	Page           int              `json:"page"`
	PerPage        int              `json:"per_page"`
	Pages          int              `json:"pages"`
	TookMS         float64          `json:"took_ms"`
	Relaxed        bool             `json:"relaxed"`
	Corrections    []Correction     `json:"corrections"`
	CorrectedQuery string           `json:"corrected_query,omitempty"`
	Hits           []Hit            `json:"hits"`
	Facets         map[string]Facet `json:"facets"`
	BuildID        string           `json:"-"`
}

// Correction says a typed word was read as another.
type Correction struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Hit is a film with its score, decade and highlighted fields. Highlights are HTML: the film's
// text escaped, with <mark> around matches and nothing else.
type Hit struct {
	corpus.Film
	Score      float64           `json:"score"`
	Decade     string            `json:"decade"`
	Highlights map[string]string `json:"highlights"`
}

// Facet is the counts of one facet's values.
type Facet struct {
	Values  []FacetValue `json:"values"`
	Missing int          `json:"missing"`
}

// FacetValue is one value and how many matches have it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

func (r *Request) normalize() error {
	if r.Page == 0 {
		r.Page = 1
	}
	if r.PerPage == 0 {
		r.PerPage = 10
	}
	if r.FacetSize == 0 {
		r.FacetSize = 10
	}
	if r.Sort == "" {
		r.Sort = SortRelevance
	}
	switch {
	case r.Page < 1 || r.PerPage < 1 || r.PerPage > MaxPerPage:
		return fmt.Errorf("%w: page %d of %d", ErrBadQuery, r.Page, r.PerPage)
	case r.Page > MaxDepth || r.Page*r.PerPage > MaxDepth:
		return fmt.Errorf("%w: page*per_page above %d", ErrBadQuery, MaxDepth)
	case r.FacetSize < 1 || r.FacetSize > MaxFacetSize:
		return fmt.Errorf("%w: facet size %d", ErrBadQuery, r.FacetSize)
	case len(r.Companies)+len(r.Decades)+len(r.Years) > maxFilters:
		return fmt.Errorf("%w: more than %d filters", ErrBadQuery, maxFilters)
	}
	for _, f := range r.Facets {
		if !slices.Contains(allFacets, f) {
			return fmt.Errorf("%w: unknown facet %q", ErrBadQuery, f)
		}
	}
	switch r.Sort {
	case SortRelevance, SortYear, SortYearDesc, SortTitle:
	default:
		return fmt.Errorf("%w: unknown sort %q", ErrBadQuery, r.Sort)
	}
	return nil
}

// search runs req: the query with every filter for the hits, and each filtered facet again
// without its own filter, so its counts show what widening the choice would add.
func (s *snapshot) search(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if err := req.normalize(); err != nil {
		return nil, err
	}
	pq, err := parseQuery(req.Query)
	if err != nil {
		return nil, err
	}
	c, err := s.compile(pq)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, req, c, false)
	if err != nil {
		return nil, err
	}
	if res.Total == 0 && c.relaxable() {
		res, err = s.run(ctx, req, c, true)
		if err != nil {
			return nil, err
		}
		res.Relaxed = true
	}
	res.Query = req.Query
	res.Corrections, res.CorrectedQuery = c.corrections(req.Query, res.Hits)
	res.TookMS = math.Round(float64(time.Since(start).Microseconds())) / 1000
	return res, nil
}

var allFacets = []string{FacetDecade, FacetYear, FacetCompany}

func (req Request) facets() []string {
	if req.Facets == nil {
		return allFacets
	}
	return req.Facets
}

func (req Request) facetSize(facet string) int {
	if facet == FacetDecade {
		return 20 // every decade a film can have (1880s to 2020s)
	}
	return req.FacetSize
}

// run searches with our own handler of Bleve's matches: it applies the facet and year filters
// and counts the facets from in-memory columns as matches stream by, and passes the ones that
// pass every filter on to Bleve's top-N collector. One pass yields hits, total and disjunctive
// facets, where Bleve alone needs a search per filtered facet and decodes doc values per match.
func (s *snapshot) run(ctx context.Context, req Request, c *compiled, relaxed bool) (*Result, error) {
	k := newCounter(s.cols, req)
	sr := bleve.NewSearchRequestOptions(c.query(relaxed), req.PerPage, (req.Page-1)*req.PerPage, false)
	sr.Fields = []string{fSource}
	sr.SortByCustom(s.sortOrder(req.Sort))
	handler := func(sc *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		next, loadID, err := collector.MakeTopNDocumentMatchHandler(sc)
		if err != nil || next == nil {
			return next, loadID, err
		}
		return func(dm *search.DocumentMatch) error {
			if dm == nil {
				return next(nil)
			}
			d := docNum(dm.IndexInternalID)
			if !k.add(d) {
				sc.DocumentMatchPool.Put(dm)
				return nil
			}
			dm.Score = s.cols.tieBreak(dm.Score, d)
			return next(dm)
		}, loadID, nil
	}
	hctx := context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(handler))
	out, err := s.idx.SearchInContext(hctx, sr)
	if err != nil {
		return nil, classify(ctx, err)
	}
	res := &Result{
		Total:   k.total,
		Page:    req.Page,
		PerPage: req.PerPage,
		Facets:  k.facets(req.FacetSize),
		Hits:    make([]Hit, 0, len(out.Hits)),
	}
	res.Pages = (res.Total + req.PerPage - 1) / req.PerPage
	if maxPages := MaxDepth / req.PerPage; res.Pages > maxPages {
		res.Pages = maxPages
	}
	for _, dm := range out.Hits {
		h, err := hit(dm, c)
		if err != nil {
			return nil, err
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

func docNum(id []byte) int {
	if len(id) != 8 {
		return -1
	}
	return int(binary.BigEndian.Uint64(id))
}

// sortOrder never names the id: ties of score are broken by id through tieBreak, and any
// other key would be loaded for every match.
func (s *snapshot) sortOrder(name string) search.SortOrder {
	score := &search.SortScore{Desc: true}
	year := func(desc bool) *search.SortField {
		return &search.SortField{Field: fYear, Desc: desc, Type: search.SortFieldAsString, Missing: search.SortFieldMissingLast}
	}
	switch name {
	case SortYear:
		return search.SortOrder{year(false), score}
	case SortYearDesc:
		return search.SortOrder{year(true), score}
	case SortTitle:
		return search.SortOrder{&search.SortField{Field: fTitleSort, Type: search.SortFieldAsString}, score}
	}
	return search.SortOrder{score}
}

// hit decodes a match; with c, it also highlights what c matched.
func hit(dm *search.DocumentMatch, c *compiled) (Hit, error) {
	src, _ := dm.Fields[fSource].(string)
	f, err := decodeFilm([]byte(src))
	if err != nil {
		return Hit{}, fmt.Errorf("hit %s: stored source: %w", dm.ID, err)
	}
	// decodeFilm gives empty lists, never nil ones, so JSON shows [] for no companies.
	h := Hit{Film: f, Score: roundScore(dm.Score), Decade: f.Decade(), Highlights: map[string]string{}}
	if c != nil {
		h.Highlights = c.highlights(f)
	}
	return h, nil
}

// roundScore keeps six significant digits. Rounding to a fixed number of decimals would show
// small, different scores as equal, and hits ordered by the true score would then seem to break
// the tie-by-id rule.
func roundScore(s float64) float64 {
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return s
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(s, 'g', 6, 64), 64)
	if err != nil {
		return s
	}
	return r
}

// classify prefers the context's error, so a deadline reads as a deadline whatever Bleve said.
func classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("search: %w", ctxErr)
	}
	return fmt.Errorf("search: %w", err)
}
