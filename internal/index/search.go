package index

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/corpus"
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortYear      = "year"
	SortYearDesc  = "-year"
	SortTitle     = "title"
)

// Match modes.
const (
	MatchMost = "most"
	MatchAll  = "all"
)

// Request is one search. Zero values mean: browse all, relevance order, page 1 of 10.
type Request struct {
	Query     string
	Companies []string
	Genres    []string
	Decades   []string
	Years     []int
	YearMin   int // 0: open
	YearMax   int // 0: open
	Sort      string
	// Match is MatchMost (the default: films with the most words first) or MatchAll.
	Match     string
	Page      int
	PerPage   int
	FacetSize int // values per facet for year and company; decades are always all
	// Conjunctive counts apply every filter to every facet, as Algolia does; by default a
	// facet's counts leave out its own filter (disjunctive), so a reader can widen a choice.
	Conjunctive bool
	// Facets to count; nil means all of them. Counting is most of a search's cost, so a caller
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
	// Words are the words the query asks a film to have, as the index reads them (lower case,
	// accents folded), each once: the words a highlight's spans name. Excluded words are not.
	Words []string `json:"-"`
}

// Correction says a typed word was read as another.
type Correction struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Hit is a film with its score, decade and what the query matched in it.
type Hit struct {
	corpus.Film
	Score  float64 `json:"score"`
	Decade string  `json:"decade"`
	// Highlights are, per field (HighlightTitle, ...), the field's values with a match. They
	// are data: each protocol renders them its own way.
	Highlights map[string][]Highlight `json:"-"`
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
		r.PerPage = DefaultPerPage
	}
	if r.FacetSize == 0 {
		r.FacetSize = DefaultFacetSize
	}
	if r.Sort == "" {
		r.Sort = SortRelevance
	}
	if r.Match == "" {
		r.Match = MatchMost
	}
	if r.Match != MatchMost && r.Match != MatchAll {
		return badQuery("match", "must be most or all, not %q", r.Match)
	}
	switch {
	case r.Page < 1 || r.PerPage < 1 || r.PerPage > MaxPerPage:
		return badQuery("page", "%d of %d per page is out of range", r.Page, r.PerPage)
	case r.Page > MaxDepth || r.Page*r.PerPage > MaxDepth:
		return badQuery("page", "times per_page is above %d", MaxDepth)
	case r.FacetSize < 1 || r.FacetSize > MaxFacetSize:
		return badQuery("facet_size", "%d is out of range", r.FacetSize)
	case len(r.Companies)+len(r.Decades)+len(r.Years)+len(r.Genres) > MaxFilters:
		return badQuery("company", "and the other filters have more than %d values", MaxFilters)
	}
	for _, f := range r.Facets {
		if !slices.Contains(allFacets, f) {
			return badQuery("facets", "has the unknown facet %q", f)
		}
	}
	switch r.Sort {
	case SortRelevance, SortYear, SortYearDesc, SortTitle:
	default:
		return badQuery("sort", "%q is unknown", r.Sort)
	}
	return nil
}

// search runs req in one pass over the postings of its words: the hits, the total and the
// disjunctive facets together.
// A lend other than nil lends it places for helpers (see Index.lend).
func (s *snapshot) search(ctx context.Context, req Request, lend lender) (*Result, error) {
	start := time.Now()
	if err := req.normalize(); err != nil {
		return nil, err
	}
	pq, err := parseQuery(req.Query)
	if err != nil {
		return nil, err
	}
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	c, err := s.compile(ctx, r, pq)
	if err != nil {
		return nil, classify(ctx, err)
	}
	res, err := s.run(ctx, r, req, c, req.Match == MatchAll, lend)
	if err != nil {
		return nil, err
	}
	// Nothing matches as asked: ask less and say so, rather than leave the reader at a dead end.
	if req.Match == MatchAll && res.Total == 0 && c.counted() > 1 {
		// Strict, but nothing has every word: show what has some.
		if res, err = s.run(ctx, r, req, c, false, lend); err != nil {
			return nil, err
		}
		res.Relaxed = true
	}
	if res.Total == 0 && len(c.phrases) > 0 {
		// No film has the quoted words together: their films anywhere, those with the words
		// closest first (proximity), as a search engine answers a quote it cannot find.
		loose := *c
		loose.phrases = nil
		relaxed, err := s.run(ctx, r, req, &loose, false, lend)
		if err != nil {
			return nil, err
		}
		if relaxed.Total > 0 {
			res = relaxed
			res.Relaxed = true
		}
	}
	res.Query = req.Query
	res.Words = c.wanted()
	res.Corrections, res.CorrectedQuery = c.corrections(req.Query, res.Hits)
	res.TookMS = math.Round(float64(time.Since(start).Microseconds())) / 1000
	return res, nil
}

// filters returns the values each facet is filtered by, in the order of allFacets.
func (req Request) filters() [][]string {
	years := make([]string, len(req.Years))
	for i, y := range req.Years {
		years[i] = strconv.Itoa(y)
	}
	return [][]string{req.Decades, years, req.Companies, req.Genres}
}

func (req Request) facets() []string {
	if req.Facets == nil {
		return allFacets
	}
	return req.Facets
}

// run ranks every film that matches c and passes the filters, counting the facets of each as it
// goes, and returns the page asked for.
func (s *snapshot) run(ctx context.Context, r bindex.IndexReader, req Request, c *compiled, all bool, lend lender) (*Result, error) {
	k := newCounter(s.cols, req)
	rk := &ranking{s: s, c: c, r: r, req: req, all: all, lend: lend}
	defer rk.close()
	if err := rk.open(ctx); err != nil {
		return nil, classify(ctx, err)
	}
	from := (req.Page - 1) * req.PerPage
	keep := from + req.PerPage
	rerank := req.Sort == SortRelevance && !c.browse()
	if rerank {
		keep = max(keep, rerankDepth)
	}
	es, err := rk.rank(ctx, k, keep)
	if err != nil {
		return nil, classify(ctx, err)
	}
	if rerank {
		if err := rk.rerank(ctx, es); err != nil {
			return nil, classify(ctx, err)
		}
	}
	res := &Result{
		Total:   k.total,
		Page:    req.Page,
		PerPage: req.PerPage,
		Facets:  k.facets(req.FacetSize),
		Hits:    []Hit{},
	}
	res.Pages = (res.Total + req.PerPage - 1) / req.PerPage
	if maxPages := MaxDepth / req.PerPage; res.Pages > maxPages {
		res.Pages = maxPages
	}
	if counted := int32(c.counted()); len(es) > 0 && es[0].words < counted && req.Sort == SortRelevance {
		res.Relaxed = true
	}
	if res.Hits, err = s.page(r, es, from, req.PerPage, c, rk.read); err != nil {
		return nil, err
	}
	return res, nil
}

// page loads the hits of es from from on, perPage at most, taking those in read as they are;
// with c, highlighted.
func (s *snapshot) page(r bindex.IndexReader, es []entry, from, perPage int, c *compiled, read map[int32]corpus.Film) ([]Hit, error) {
	hits := []Hit{}
	for _, e := range es[min(from, len(es)):min(len(es), from+perPage)] {
		f, ok := read[e.doc]
		var err error
		if !ok {
			f, err = s.stored(r, int(e.doc))
		}
		if err != nil {
			return nil, err
		}
		h := s.hit(f, c)
		if err != nil {
			return nil, err
		}
		h.Score = roundScore(score(e))
		hits = append(hits, h)
	}
	return hits, nil
}

// score is what a hit shows: its tier, plus its relevance squashed below one, so scores fall as
// hits go down the list.
func score(e entry) float64 { return float64(e.tier) + e.rel/(e.rel+1) }

func docNum(id []byte) int {
	if len(id) != 8 {
		return -1
	}
	return int(binary.BigEndian.Uint64(id))
}

// reader opens the snapshot's index for one search; the caller closes it.
func (s *snapshot) reader() (bindex.IndexReader, error) {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	return r, nil
}

// stored loads the stored film of document d. It reads d's stored fields straight from the
// segment that holds it: going through Bleve's ExternalID and Document instead decoded them
// twice, with a term dictionary lookup of the id in between, a quarter of a search's time when
// a ranking reads the text of its top films.
func (s *snapshot) stored(r bindex.IndexReader, d int) (corpus.Film, error) {
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return s.storedByID(r, d)
	}
	seg, local, ok := segmentOf(is, uint64(d))
	if !ok {
		return corpus.Film{}, fmt.Errorf("film %d: no such document", d)
	}
	var f corpus.Film
	err := errSource
	verr := seg.VisitDocument(local, func(name string, _ byte, val []byte, _ []uint64) bool {
		if name != fSource {
			return true
		}
		f, err = decodeFilm(val) // copies: val is reused once the visit returns
		return false
	})
	if err = cmp.Or(verr, err); err != nil {
		return corpus.Film{}, fmt.Errorf("film %d: stored source: %w", d, err)
	}
	return f, nil
}

// segmentOf finds the segment of is that holds document d and d's number within it, as Bleve
// numbers them: segments in order, each taking as many numbers as it has documents, deleted
// ones included.
func segmentOf(is *scorch.IndexSnapshot, d uint64) (*scorch.SegmentSnapshot, uint64, bool) {
	for _, seg := range is.Segments() {
		n := seg.Segment().Count()
		if d < n {
			return seg, d, true
		}
		d -= n
	}
	return nil, 0, false
}

// storedByID loads document d through its id, for readers other than scorch's.
func (s *snapshot) storedByID(r bindex.IndexReader, d int) (corpus.Film, error) {
	id, err := r.ExternalID(internalID(d))
	if err != nil {
		return corpus.Film{}, fmt.Errorf("film %d: %w", d, err)
	}
	doc, err := r.Document(id)
	if err != nil || doc == nil {
		return corpus.Film{}, fmt.Errorf("film %s: stored source: %w", id, err)
	}
	var f corpus.Film
	err = errSource
	doc.VisitFields(func(field bindex.Field) {
		if field.Name() == fSource {
			f, err = decodeFilm(field.Value())
		}
	})
	if err != nil {
		return corpus.Film{}, fmt.Errorf("film %s: stored source: %w", id, err)
	}
	return f, nil
}

// hit loads film d; with c, it also highlights what c matched.
func (s *snapshot) hit(f corpus.Film, c *compiled) Hit {
	// decodeFilm gives empty lists, never nil ones, so JSON shows [] for no companies.
	h := Hit{Film: f, Decade: f.Decade(), Highlights: map[string][]Highlight{}}
	if c != nil {
		h.Highlights = c.highlights(f)
	}
	return h
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
