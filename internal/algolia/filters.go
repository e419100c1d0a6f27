package algolia

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"filmsearch/internal/index"
)

// Years a query may name (the index's); filters outside them match nothing.
const (
	minYear = index.MinYear
	maxYear = index.MaxYear
)

// facetOf maps an Algolia attribute name to the index facet, "" when it is not one.
func facetOf(attr string) string {
	switch attr {
	case "companies", "company":
		return index.FacetCompany
	case "decade":
		return index.FacetDecade
	case "year":
		return index.FacetYear
	case "genres", "genre":
		return index.FacetGenre
	}
	return ""
}

// facetNames are the attributes "*" in facets stands for, one per index facet.
var facetNames = []string{"decade", "year", "companies", "genres"}

// search is what a params value asks of the index.
type search struct {
	req index.Request
	// none: the filters contradict each other (decade 1970s and 1980s, year>1990 and <1980), so
	// nothing matches and the index need not be asked.
	none bool
}

// request translates p's query and filters for the index. Paging and facet sizes are left to
// the caller. Filters the index cannot express are refused: negation, an OR across attributes,
// ranges ORed together, two different companies (or genres) ANDed.
//
// Facet counts are conjunctive, as on Algolia: every filter of the query applies to every
// facet. InstantSearch gets disjunctive counts by sending extra queries without a facet's own
// filter. Words match as p.match says.
func (p params) request() (search, error) {
	s := search{req: index.Request{Query: p.Query, Match: p.match(), Conjunctive: true}}
	var decades, years []string // nil: not filtered
	for _, group := range p.FacetFilters {
		attr, values, err := facetGroup(group)
		if err != nil {
			return search{}, err
		}
		switch facetOf(attr) {
		case index.FacetCompany:
			// Each film has several companies, so two groups ANDed are not an intersection.
			if s.req.Companies != nil && !sameSet(s.req.Companies, values) {
				return search{}, badRequest("facetFilters: requiring two different companies at once is not supported")
			}
			s.req.Companies = values
		case index.FacetGenre:
			if s.req.Genres != nil && !sameSet(s.req.Genres, values) {
				return search{}, badRequest("facetFilters: requiring two different genres at once is not supported")
			}
			s.req.Genres = values
		case index.FacetDecade:
			decades = intersect(decades, values)
		case index.FacetYear:
			years = intersect(years, values)
		}
	}
	lo, hi := 0, math.MaxInt
	for _, group := range p.NumericFilters {
		if len(group) == 1 {
			c, err := parseNumeric(group[0])
			if err != nil {
				return search{}, err
			}
			if c.op == "=" {
				years = intersect(years, []string{c.value})
				continue
			}
			lo, hi = max(lo, c.lo), min(hi, c.hi)
			continue
		}
		var eq []string
		for _, f := range group {
			c, err := parseNumeric(f)
			if err != nil {
				return search{}, err
			}
			if c.op != "=" {
				return search{}, badRequest("numericFilters: only equalities can be ORed (%q)", f)
			}
			eq = append(eq, c.value)
		}
		years = intersect(years, eq)
	}
	if decades != nil {
		if len(decades) == 0 {
			s.none = true
		}
		s.req.Decades = decades
	}
	if years != nil {
		for _, y := range years {
			n, err := strconv.Atoi(y)
			if err != nil || n < minYear || n > maxYear {
				continue // no film has it
			}
			s.req.Years = append(s.req.Years, n)
		}
		if len(s.req.Years) == 0 {
			s.none = true
		}
	}
	switch {
	case lo > hi || lo > maxYear || hi < minYear:
		s.none = true
	default:
		if lo > minYear {
			s.req.YearMin = lo
		}
		if hi < maxYear {
			s.req.YearMax = hi
		}
	}
	return s, nil
}

// facetGroup checks one OR group of facet filters: all on one known attribute, none negated.
func facetGroup(group []string) (string, []string, error) {
	var attr string
	values := make([]string, 0, len(group))
	for _, f := range group {
		a, v, ok := strings.Cut(f, ":")
		a = strings.TrimSpace(a)
		if !ok || a == "" {
			return "", nil, badRequest("facetFilters: %q is not attribute:value", f)
		}
		if facetOf(a) == "" {
			return "", nil, badRequest("facetFilters: %q is not a facet; use decade, year, companies or genres", a)
		}
		if attr != "" && facetOf(a) != facetOf(attr) {
			return "", nil, badRequest("facetFilters: an OR group must name one attribute (%q and %q)", attr, a)
		}
		attr = a
		switch {
		case strings.HasPrefix(v, "-"):
			return "", nil, badRequest("facetFilters: negation (%q) is not supported", f)
		case strings.HasPrefix(v, `\-`):
			v = v[1:] // an escaped leading dash is a literal dash
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			v = v[1 : len(v)-1]
		}
		if !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	return attr, values, nil
}

// numeric is one numericFilters condition on year, as the inclusive range lo..hi, or an
// equality with value.
type numeric struct {
	op     string
	value  string // for "="
	lo, hi int
}

// parseNumeric reads "year>=1970", "year<1980", "year=1977", "year:1970 TO 1979".
func parseNumeric(f string) (numeric, error) {
	i := strings.IndexAny(f, "<>=!:")
	if i < 0 {
		return numeric{}, badRequest("numericFilters: %q is not attribute<op>number", f)
	}
	attr := strings.TrimSpace(f[:i])
	if attr != "year" {
		return numeric{}, badRequest("numericFilters: only year can be filtered (%q)", f)
	}
	rest := f[i:]
	if rest[0] == ':' {
		from, to, ok := strings.Cut(rest[1:], " TO ")
		if !ok {
			return numeric{}, badRequest("numericFilters: %q: want year:lower TO upper", f)
		}
		a, err1 := number(from)
		b, err2 := number(to)
		if err1 != nil || err2 != nil {
			return numeric{}, badRequest("numericFilters: %q: not a number", f)
		}
		return numeric{op: ":", lo: ceil(a), hi: floor(b)}, nil
	}
	var op string
	for _, o := range []string{">=", "<=", "!=", "=", ">", "<"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return numeric{}, badRequest("numericFilters: %q: unknown operator", f)
	}
	v, err := number(rest[len(op):])
	if err != nil {
		return numeric{}, badRequest("numericFilters: %q: not a number", f)
	}
	c := numeric{op: op, lo: math.MinInt, hi: math.MaxInt}
	switch op {
	case "!=":
		return numeric{}, badRequest("numericFilters: %q: != is not supported", f)
	case "=":
		if v != math.Trunc(v) || v < minYear || v > maxYear {
			c.value = "none" // no film has it
		} else {
			c.value = strconv.Itoa(int(v))
		}
	case ">=":
		c.lo = ceil(v)
	case ">":
		c.lo = floor(v) + 1
	case "<=":
		c.hi = floor(v)
	case "<":
		c.hi = ceil(v) - 1
	}
	return c, nil
}

func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) {
		return 0, badRequest("not a number")
	}
	return v, nil
}

// ceil and floor round to int, keeping far-off bounds far off without overflow.
func ceil(v float64) int  { return int(math.Max(math.Min(math.Ceil(v), 1e9), -1e9)) }
func floor(v float64) int { return int(math.Max(math.Min(math.Floor(v), 1e9), -1e9)) }

// intersect narrows have (nil: everything) to the values also in want.
func intersect(have, want []string) []string {
	if have == nil {
		return slices.Clone(want)
	}
	out := []string{}
	for _, v := range have {
		if slices.Contains(want, v) {
			out = append(out, v)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	for _, v := range b {
		if !slices.Contains(a, v) {
			return false
		}
	}
	return true
}
