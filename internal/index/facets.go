package index

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/wordsplit"
)

// Facet names, in the order a response lists them.
const (
	FacetDecade  = "decade"
	FacetYear    = "year"
	FacetCompany = "company"
	FacetGenre   = "genre"
)

var allFacets = []string{FacetDecade, FacetYear, FacetCompany, FacetGenre}

// facetFields are the keyword fields the facets are read from, in the order of allFacets.
var facetFields = []string{fDecade, fYear, fCompany, fGenre}

// facetColumn holds one facet's values for every document: the values of document d are
// vals[start[d]:start[d+1]], ids into names.
type facetColumn struct {
	names []string
	ids   map[string]int32
	start []int32
	vals  []int32
}

func (f *facetColumn) of(d int) []int32 { return f.vals[f.start[d]:f.start[d+1]] }

func (f *facetColumn) add(v string) {
	id, ok := f.ids[v]
	if !ok {
		id = int32(len(f.names))
		f.ids[v] = id
		f.names = append(f.names, v)
	}
	f.vals = append(f.vals, id)
}

// columns hold each document's facet values in memory, indexed by Bleve's internal document
// number. Counting facets from them costs an array read per match, where Bleve's own facets
// decode doc values for every match: most of a search's time on a large collection.
type columns struct {
	n       int
	facet   []*facetColumn // in the order of allFacets
	yearNum []int32        // per doc: the year as a number, 0 when missing
	// rank is each document's place in id order, titleRank in title order: ties of score are
	// broken, and titles sorted, in memory rather than by loading every match's stored fields.
	rank      []int32
	titleRank []int32
	// titleWords counts each title's words, titleStems those that are not stop words: a title
	// is exactly the query when the query matches that many of its words.
	titleWords, titleStems []uint8
}

// loadColumns reads the facet values of every document once, when a build is opened.
func loadColumns(r bindex.IndexReader) (*columns, error) {
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	defer ids.Close()
	dv, err := r.DocValueReader(append(slices.Clone(facetFields), fTitleSort))
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	c := &columns{}
	byField := map[string]*facetColumn{}
	for _, f := range facetFields {
		col := &facetColumn{ids: map[string]int32{}}
		c.facet = append(c.facet, col)
		byField[f] = col
	}
	var external, titles []string // by document number
	for {
		iid, err := ids.Next()
		if err != nil {
			return nil, fmt.Errorf("columns: %w", err)
		}
		if iid == nil {
			break
		}
		if len(iid) != 8 {
			return nil, fmt.Errorf("columns: unexpected internal id %x", []byte(iid))
		}
		d := int(binary.BigEndian.Uint64(iid))
		if d != c.n {
			return nil, fmt.Errorf("columns: document %d where %d was expected", d, c.n)
		}
		c.n++
		for _, col := range c.facet {
			col.start = append(col.start, int32(len(col.vals)))
		}
		c.yearNum = append(c.yearNum, 0)
		titles = append(titles, "")
		err = dv.VisitDocValues(iid, func(field string, term []byte) {
			switch field {
			case fTitleSort:
				titles[d] = string(term)
				return
			case fYear:
				y, _ := strconv.Atoi(string(term))
				c.yearNum[d] = int32(y)
			}
			if col := byField[field]; col != nil {
				col.add(string(term))
			}
		})
		if err != nil {
			return nil, fmt.Errorf("columns: %w", err)
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("columns: %w", err)
		}
		external = append(external, ext)
	}
	for _, col := range c.facet {
		col.start = append(col.start, int32(len(col.vals)))
	}
	c.titleWords, c.titleStems = make([]uint8, c.n), make([]uint8, c.n)
	for d, t := range titles {
		wordsplit.Each(t, func(start, end int) {
			c.titleWords[d] = min(c.titleWords[d]+1, 255)
			if !stopSet[t[start:end]] {
				c.titleStems[d] = min(c.titleStems[d]+1, 255)
			}
		})
	}
	c.rank = ranks(c.n, func(a, b int32) int { return strings.Compare(external[a], external[b]) })
	c.titleRank = ranks(c.n, func(a, b int32) int {
		if t := strings.Compare(titles[a], titles[b]); t != 0 {
			return t
		}
		return strings.Compare(external[a], external[b])
	})
	return c, nil
}

// ranks returns each of n documents' place in the order cmp gives.
func ranks(n int, cmp func(a, b int32) int) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, cmp)
	rank := make([]int32, n)
	for r, d := range order {
		rank[d] = int32(r)
	}
	return rank
}

// counter counts facets over matches, disjunctively unless asked otherwise: a match counts
// toward a facet when it passes every filter but that facet's own.
type counter struct {
	c                *columns
	want             [][]bool // per facet, by value id; nil: no filter on that facet
	counts           [][]int  // per facet, by value id; nil: not counted
	missing          []int
	yearMin, yearMax int32 // 0: open
	conjunctive      bool
	total            int
}

func newCounter(c *columns, req Request) *counter {
	k := &counter{c: c, yearMin: int32(req.YearMin), yearMax: int32(req.YearMax), conjunctive: req.Conjunctive}
	k.want = make([][]bool, len(allFacets))
	k.counts = make([][]int, len(allFacets))
	k.missing = make([]int, len(allFacets))
	for i, values := range req.filters() {
		if len(values) == 0 {
			continue
		}
		names := c.facet[i].names
		k.want[i] = make([]bool, len(names))
		for v, n := range names {
			k.want[i][v] = slices.Contains(values, n)
		}
	}
	for _, f := range req.facets() {
		if i := slices.Index(allFacets, f); i >= 0 {
			k.counts[i] = make([]int, len(c.facet[i].names))
		}
	}
	return k
}

// add counts document d and reports whether it passes every filter.
func (k *counter) add(d int) bool {
	c := k.c
	if d < 0 || d >= c.n {
		return false
	}
	if y := c.yearNum[d]; (k.yearMin != 0 && y < k.yearMin) || (k.yearMax != 0 && (y > k.yearMax || y == 0)) {
		return false
	}
	failed, fails := -1, 0
	for i, want := range k.want {
		if want == nil {
			continue
		}
		ok := false
		for _, v := range c.facet[i].of(d) {
			ok = ok || want[v]
		}
		if !ok {
			failed = i
			fails++
		}
	}
	if fails > 1 || (fails == 1 && k.conjunctive) {
		return false
	}
	// A match that fails one filter still counts toward that filter's own facet.
	for i, counts := range k.counts {
		if counts == nil || (fails == 1 && i != failed) {
			continue
		}
		vals := c.facet[i].of(d)
		for _, v := range vals {
			counts[v]++
		}
		if len(vals) == 0 {
			k.missing[i]++
		}
	}
	if fails == 0 {
		k.total++
		return true
	}
	return false
}

// facets returns the counts, most frequent first, then by value; size caps every facet but the
// decade, whose values are few.
func (k *counter) facets(size int) map[string]Facet {
	out := map[string]Facet{}
	for i, counts := range k.counts {
		if counts == nil {
			continue
		}
		f := Facet{Values: []FacetValue{}, Missing: k.missing[i]}
		for v, n := range counts {
			if n > 0 {
				f.Values = append(f.Values, FacetValue{Value: k.c.facet[i].names[v], Count: n})
			}
		}
		slices.SortFunc(f.Values, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		if allFacets[i] != FacetDecade && len(f.Values) > size {
			f.Values = f.Values[:size]
		}
		out[allFacets[i]] = f
	}
	return out
}

// empty returns a counter of the same facets and filters with nothing counted yet, for a part
// of a split ranking; merge adds it back. It reads only what counting leaves alone, so k may
// be counting meanwhile.
func (k *counter) empty() *counter {
	e := &counter{c: k.c, yearMin: k.yearMin, yearMax: k.yearMax, conjunctive: k.conjunctive}
	// Its own filters too: k's were made beside the counts k writes for every film.
	e.want = make([][]bool, len(k.want))
	for i, want := range k.want {
		e.want[i] = slices.Clone(want)
	}
	e.counts = make([][]int, len(k.counts))
	for i, counts := range k.counts {
		if counts != nil {
			e.counts[i] = make([]int, len(counts))
		}
	}
	e.missing = make([]int, len(k.missing))
	return e
}

// merge adds the counts of o, a counter made by k.empty, to k.
func (k *counter) merge(o *counter) {
	for i, counts := range o.counts {
		for v, n := range counts {
			k.counts[i][v] += n
		}
	}
	for i, n := range o.missing {
		k.missing[i] += n
	}
	k.total += o.total
}
