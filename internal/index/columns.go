package index

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	bindex "github.com/blevesearch/bleve_index_api"
)

// columns hold each document's facet values in memory, indexed by Bleve's internal document
// number. Counting facets from them costs an array read per match, where Bleve's own facets
// decode doc values for every match: most of a search's time on a large collection.
type columns struct {
	n         int
	decades   []string // value names, by id
	years     []string
	companies []string
	decade    []int32 // per doc: value id, or -1
	year      []int32
	compStart []int32 // per doc: its companies are compVals[compStart[d]:compStart[d+1]]
	compVals  []int32
	yearNum   []int32 // per doc: the year as a number, 0 when missing
	// rank is each document's place in id order. Ties of score are broken by it in memory:
	// Bleve would load every match's id from its stored fields to do the same.
	rank []int32
}

// loadColumns reads the facet values of every document once, when a build is opened.
func loadColumns(r bindex.IndexReader) (*columns, error) {
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	defer ids.Close()
	dv, err := r.DocValueReader([]string{fDecade, fYear, fCompany})
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	c := &columns{}
	var external []string // ids by document number
	dict := map[string]map[string]int32{fDecade: {}, fYear: {}, fCompany: {}}
	intern := func(field, v string, names *[]string) int32 {
		if id, ok := dict[field][v]; ok {
			return id
		}
		id := int32(len(*names))
		dict[field][v] = id
		*names = append(*names, v)
		return id
	}
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
		c.decade = append(c.decade, -1)
		c.year = append(c.year, -1)
		c.yearNum = append(c.yearNum, 0)
		c.compStart = append(c.compStart, int32(len(c.compVals)))
		err = dv.VisitDocValues(iid, func(field string, term []byte) {
			switch field {
			case fDecade:
				c.decade[d] = intern(field, string(term), &c.decades)
			case fYear:
				c.year[d] = intern(field, string(term), &c.years)
				y, _ := strconv.Atoi(string(term))
				c.yearNum[d] = int32(y)
			case fCompany:
				c.compVals = append(c.compVals, intern(field, string(term), &c.companies))
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
	c.compStart = append(c.compStart, int32(len(c.compVals)))
	order := make([]int32, c.n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(external[a], external[b]) })
	c.rank = make([]int32, c.n)
	for r, d := range order {
		c.rank[d] = int32(r)
	}
	return c, nil
}

// tieBreak nudges a score by a billionth at most, more for a document earlier in id order, so
// equal scores come out ordered by id; scores a billionth apart are equal for any reader.
func (c *columns) tieBreak(score float64, d int) float64 {
	return score + (math.Abs(score)+1e-9)*1e-9*float64(c.n-int(c.rank[d]))/float64(c.n)
}

// counter counts facets over matches, disjunctively: a match counts toward a facet when it
// passes every filter but that facet's own.
type counter struct {
	c                        *columns
	wantDecade, wantYear     []bool // by value id; nil: no filter on that facet
	wantCompany              []bool
	yearMin, yearMax         int32 // 0: open
	decade, year, company    []int
	missDecade, missYear     int
	missCompany              int
	countDecade, countYear   bool
	countCompany, withFacets bool
	total                    int
}

func newCounter(c *columns, req Request) *counter {
	k := &counter{c: c, yearMin: int32(req.YearMin), yearMax: int32(req.YearMax)}
	want := func(names []string, values []string) []bool {
		if len(values) == 0 {
			return nil
		}
		w := make([]bool, len(names))
		for i, n := range names {
			w[i] = slices.Contains(values, n)
		}
		return w
	}
	years := make([]string, len(req.Years))
	for i, y := range req.Years {
		years[i] = strconv.Itoa(y)
	}
	k.wantDecade = want(c.decades, req.Decades)
	k.wantYear = want(c.years, years)
	k.wantCompany = want(c.companies, req.Companies)
	for _, f := range req.facets() {
		switch f {
		case FacetDecade:
			k.countDecade, k.decade = true, make([]int, len(c.decades))
		case FacetYear:
			k.countYear, k.year = true, make([]int, len(c.years))
		case FacetCompany:
			k.countCompany, k.company = true, make([]int, len(c.companies))
		}
	}
	return k
}

func pass(want []bool, v int32) bool { return want == nil || (v >= 0 && want[v]) }

// add counts document d and reports whether it passes every filter.
func (k *counter) add(d int) bool {
	c := k.c
	if d < 0 || d >= c.n {
		return false
	}
	if y := c.yearNum[d]; (k.yearMin != 0 && y < k.yearMin) || (k.yearMax != 0 && (y > k.yearMax || y == 0)) {
		return false
	}
	comps := c.compVals[c.compStart[d]:c.compStart[d+1]]
	okCompany := k.wantCompany == nil
	for _, v := range comps {
		okCompany = okCompany || k.wantCompany[v]
	}
	okDecade, okYear := pass(k.wantDecade, c.decade[d]), pass(k.wantYear, c.year[d])
	if k.countDecade && okYear && okCompany {
		if v := c.decade[d]; v >= 0 {
			k.decade[v]++
		} else {
			k.missDecade++
		}
	}
	if k.countYear && okDecade && okCompany {
		if v := c.year[d]; v >= 0 {
			k.year[v]++
		} else {
			k.missYear++
		}
	}
	if k.countCompany && okDecade && okYear {
		for _, v := range comps {
			k.company[v]++
		}
		if len(comps) == 0 {
			k.missCompany++
		}
	}
	if okDecade && okYear && okCompany {
		k.total++
		return true
	}
	return false
}

// facets returns the counts, most frequent first, then by value; size caps year and company.
func (k *counter) facets(size int) map[string]Facet {
	out := map[string]Facet{}
	top := func(names []string, counts []int, missing, size int) Facet {
		f := Facet{Values: []FacetValue{}, Missing: missing}
		for i, n := range counts {
			if n > 0 {
				f.Values = append(f.Values, FacetValue{Value: names[i], Count: n})
			}
		}
		slices.SortFunc(f.Values, func(a, b FacetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			if a.Value < b.Value {
				return -1
			}
			return 1
		})
		if len(f.Values) > size {
			f.Values = f.Values[:size]
		}
		return f
	}
	if k.countDecade {
		out[FacetDecade] = top(k.c.decades, k.decade, k.missDecade, len(k.c.decades))
	}
	if k.countYear {
		out[FacetYear] = top(k.c.years, k.year, k.missYear, size)
	}
	if k.countCompany {
		out[FacetCompany] = top(k.c.companies, k.company, k.missCompany, size)
	}
	return out
}
