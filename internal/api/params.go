package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"filmsearch/internal/index"
)

// Parameter limits of the native API; the query, paging, filter and year limits are the
// index's (internal/index/limits.go).
const (
	maxValueBytes = 512
	maxRepeats    = 20
)

// params reads query parameters strictly: every parameter must be known, single-valued ones
// must appear once, and every value must be valid UTF-8 without NUL bytes.
type params struct {
	v     url.Values
	known map[string]bool
	err   *Error
}

func newParams(raw string, known ...string) *params {
	p := &params{known: map[string]bool{}}
	for _, k := range known {
		p.known[k] = true
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		p.err = paramError("", "the query string is malformed")
		return p
	}
	p.v = v
	for k, vals := range v {
		switch {
		case !p.known[k]:
			// The name is the client's: clip it, so the envelope never echoes a long or
			// invalid UTF-8 string.
			p.fail(paramError(clip(k), "unknown parameter %q", clip(k)))
			continue
		case len(vals) > maxRepeats:
			p.fail(paramError(k, "%s is repeated more than %d times", k, maxRepeats))
		}
		for _, s := range vals {
			if limit := maxBytes(k); len(s) > limit {
				p.fail(paramError(k, "%s is longer than %d bytes", k, limit))
			} else if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				p.fail(paramError(k, "%s is not valid UTF-8 text", k))
			}
		}
	}
	return p
}

// maxBytes is the longest value parameter k may have: the index's query limit for q, else
// maxValueBytes.
func maxBytes(k string) int {
	if k == "q" {
		return index.MaxQueryBytes
	}
	return maxValueBytes
}

func (p *params) fail(e *Error) {
	if p.err == nil || e.Param < p.err.Param { // deterministic: the first parameter by name
		p.err = e
	}
}

func (p *params) one(name string) (string, bool) {
	vals := p.v[name]
	if len(vals) > 1 {
		p.fail(paramError(name, "%s may be given once", name))
	}
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

func (p *params) str(name string) string {
	s, _ := p.one(name)
	return s
}

// int reads an optional integer in [lo, hi]; def when absent.
func (p *params) int(name string, def, lo, hi int) int {
	s, ok := p.one(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		p.fail(paramError(name, "%s must be a whole number from %d to %d", name, lo, hi))
		return def
	}
	return n
}

func (p *params) list(name string, check func(string) bool, want string) []string {
	var out []string
	for _, s := range p.v[name] {
		if !check(s) {
			p.fail(paramError(name, "%s must be %s", name, want))
			continue
		}
		out = append(out, s)
	}
	return out
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToValidUTF8(s, "")
}

var searchParams = []string{"q", "match", "company", "genre", "decade", "year", "year_min", "year_max", "sort", "page", "per_page", "facet_size"}

// parseSearch reads the parameters of GET /api/search.
func parseSearch(raw string) (index.Request, *Error) {
	p := newParams(raw, searchParams...)
	if p.err != nil {
		return index.Request{}, p.err
	}
	req := index.Request{Query: p.str("q")}
	name := func(s string) bool { return strings.TrimSpace(s) != "" && len(s) <= 100 }
	req.Companies = p.list("company", name, "a company name")
	req.Genres = p.list("genre", name, "a genre name")
	req.Decades = p.list("decade", isDecade, `a decade like "1970s"`)
	for _, s := range p.list("year", isYear, fmt.Sprintf("a year from %d to %d", index.MinYear, index.MaxYear)) {
		y, _ := strconv.Atoi(s)
		req.Years = append(req.Years, y)
	}
	if n := len(req.Companies) + len(req.Genres) + len(req.Decades) + len(req.Years); n > index.MaxFilters {
		p.fail(paramError("company", "at most %d company, genre, decade and year values together", index.MaxFilters))
	}
	req.Match = p.str("match")
	switch req.Match {
	case "", index.MatchMost, index.MatchAll:
	default:
		p.fail(paramError("match", "match must be most or all"))
	}
	req.YearMin = p.int("year_min", 0, index.MinYear, index.MaxYear)
	req.YearMax = p.int("year_max", 0, index.MinYear, index.MaxYear)
	if req.YearMin != 0 && req.YearMax != 0 && req.YearMin > req.YearMax {
		p.fail(paramError("year_min", "year_min must not be after year_max"))
	}
	req.Sort = p.str("sort")
	switch req.Sort {
	case "", index.SortRelevance, index.SortYear, index.SortYearDesc, index.SortTitle:
	default:
		p.fail(paramError("sort", "sort must be one of relevance, year, -year, title"))
	}
	req.PerPage = p.int("per_page", index.DefaultPerPage, 1, index.MaxPerPage)
	req.Page = p.int("page", 1, 1, index.MaxDepth)
	if p.err == nil && req.Page*req.PerPage > index.MaxDepth {
		p.fail(paramError("page", "page*per_page must be at most %d", index.MaxDepth))
	}
	req.FacetSize = p.int("facet_size", index.DefaultFacetSize, 1, index.MaxFacetSize)
	return req, p.err
}

func isYear(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= index.MinYear && n <= index.MaxYear && strconv.Itoa(n) == s
}

// isDecade accepts a decade like "1970s" from the century of index.MinYear to index.MaxYear.
func isDecade(s string) bool {
	if len(s) != 5 || !strings.HasSuffix(s, "0s") {
		return false
	}
	n, err := strconv.Atoi(s[:4])
	return err == nil && strconv.Itoa(n) == s[:4] && n >= index.MinYear/100*100 && n <= index.MaxYear
}
