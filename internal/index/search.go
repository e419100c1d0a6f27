package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

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

// Hit is a film with its score and highlighted fields. Highlights are HTML: the film's text
// escaped, with <mark> around matches and nothing else.
type Hit struct {
	ID            string            `json:"id"`
	Score         float64           `json:"score"`
	Title         string            `json:"title"`
	Year          int               `json:"year"`
	Decade        string            `json:"decade"`
	Companies     []string          `json:"companies"`
	Description   string            `json:"description"`
	Facts         []string          `json:"facts"`
	Director      string            `json:"director,omitempty"`
	Country       string            `json:"country,omitempty"`
	Genres        []string          `json:"genres,omitempty"`
	OriginalTitle string            `json:"original_title,omitempty"`
	SourceURL     string            `json:"source_url,omitempty"`
	Highlights    map[string]string `json:"highlights"`
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

type filters struct {
	company, decade, year, years query.Query // nil when not set
}

func newFilters(req Request) filters {
	var f filters
	terms := func(field string, values []string) query.Query {
		if len(values) == 0 {
			return nil
		}
		qs := make([]query.Query, len(values))
		for i, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			t.SetBoost(0) // filters narrow; they must not reorder what they keep
			qs[i] = t
		}
		return bleve.NewDisjunctionQuery(qs...)
	}
	f.company = terms(fCompany, req.Companies)
	f.decade = terms(fDecade, req.Decades)
	ys := make([]string, len(req.Years))
	for i, y := range req.Years {
		ys[i] = strconv.Itoa(y)
	}
	f.year = terms(fYear, ys)
	if req.YearMin != 0 || req.YearMax != 0 {
		var lo, hi *float64
		if req.YearMin != 0 {
			v := float64(req.YearMin)
			lo = &v
		}
		if req.YearMax != 0 {
			v := float64(req.YearMax)
			hi = &v
		}
		yes := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &yes, &yes)
		r.SetField(fYearNum)
		r.SetBoost(0)
		f.years = r
	}
	return f
}

// with returns q restricted by every filter except the facet filter named by skip.
func (f filters) with(q query.Query, skip string) query.Query {
	qs := []query.Query{q}
	for _, c := range []struct {
		facet string
		q     query.Query
	}{{FacetCompany, f.company}, {FacetDecade, f.decade}, {FacetYear, f.year}, {"", f.years}} {
		if c.q != nil && (c.facet == "" || c.facet != skip) {
			qs = append(qs, c.q)
		}
	}
	if len(qs) == 1 {
		return q
	}
	return bleve.NewConjunctionQuery(qs...)
}

func (f filters) active(facet string) bool {
	switch facet {
	case FacetCompany:
		return f.company != nil
	case FacetDecade:
		return f.decade != nil
	case FacetYear:
		return f.year != nil
	}
	return false
}

var facetField = map[string]string{FacetDecade: fDecade, FacetYear: fYear, FacetCompany: fCompany}

func (req Request) facetSize(facet string) int {
	if facet == FacetDecade {
		return 20 // every decade a film can have (1880s to 2020s)
	}
	return req.FacetSize
}

func (s *snapshot) run(ctx context.Context, req Request, c *compiled, relaxed bool) (*Result, error) {
	q := c.query(relaxed)
	f := newFilters(req)
	sr := bleve.NewSearchRequestOptions(f.with(q, ""), req.PerPage, (req.Page-1)*req.PerPage, false)
	sr.Fields = []string{fSource}
	sr.IncludeLocations = true
	sr.SortByCustom(sortOrder(req.Sort))
	for _, name := range []string{FacetDecade, FacetYear, FacetCompany} {
		if !f.active(name) {
			sr.AddFacet(name, bleve.NewFacetRequest(facetField[name], req.facetSize(name)))
		}
	}
	out, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, classify(ctx, err)
	}
	res := &Result{
		Total:   int(out.Total),
		Page:    req.Page,
		PerPage: req.PerPage,
		Facets:  map[string]Facet{},
		Hits:    make([]Hit, 0, len(out.Hits)),
	}
	res.Pages = (res.Total + req.PerPage - 1) / req.PerPage
	if maxPages := MaxDepth / req.PerPage; res.Pages > maxPages {
		res.Pages = maxPages
	}
	for name, fr := range out.Facets {
		res.Facets[name] = facet(fr)
	}
	for _, name := range []string{FacetDecade, FacetYear, FacetCompany} {
		if !f.active(name) {
			continue
		}
		fr := bleve.NewSearchRequestOptions(f.with(q, name), 0, 0, false)
		fr.AddFacet(name, bleve.NewFacetRequest(facetField[name], req.facetSize(name)))
		fo, err := s.idx.SearchInContext(ctx, fr)
		if err != nil {
			return nil, classify(ctx, err)
		}
		res.Facets[name] = facet(fo.Facets[name])
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

func sortOrder(name string) search.SortOrder {
	score := &search.SortScore{Desc: true}
	id := &search.SortDocID{}
	year := func(desc bool) *search.SortField {
		return &search.SortField{Field: fYearNum, Desc: desc, Type: search.SortFieldAsNumber, Missing: search.SortFieldMissingLast}
	}
	switch name {
	case SortYear:
		return search.SortOrder{year(false), score, id}
	case SortYearDesc:
		return search.SortOrder{year(true), score, id}
	case SortTitle:
		return search.SortOrder{&search.SortField{Field: fTitleSort, Type: search.SortFieldAsString}, id}
	}
	return search.SortOrder{score, id}
}

func facet(fr *search.FacetResult) Facet {
	f := Facet{Values: []FacetValue{}}
	if fr == nil {
		return f
	}
	f.Missing = fr.Missing
	if fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			f.Values = append(f.Values, FacetValue{Value: t.Term, Count: t.Count})
		}
	}
	sort.SliceStable(f.Values, func(i, j int) bool {
		a, b := f.Values[i], f.Values[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	})
	return f
}

// hit decodes a match; with c, it also highlights what c matched.
func hit(dm *search.DocumentMatch, c *compiled) (Hit, error) {
	src, _ := dm.Fields[fSource].(string)
	var f corpus.Film
	if err := json.Unmarshal([]byte(src), &f); err != nil {
		return Hit{}, fmt.Errorf("hit %s: stored source: %w", dm.ID, err)
	}
	h := Hit{
		ID: f.ID, Score: roundScore(dm.Score),
		Title: f.Title, Year: f.Year, Decade: corpus.Decade(f.Year),
		Companies: f.Companies, Description: f.Description, Facts: f.Facts,
		Director: f.Director, Country: f.Country, Genres: f.Genres,
		OriginalTitle: f.OriginalTitle, SourceURL: f.SourceURL,
		Highlights: map[string]string{},
	}
	if c != nil {
		h.Highlights = c.highlights(f, dm.Locations)
	}
	if h.Companies == nil {
		h.Companies = []string{}
	}
	if h.Facts == nil {
		h.Facts = []string{}
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
