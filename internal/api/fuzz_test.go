package api

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"filmsearch/internal/index"
)

// FuzzParseSearch checks the parameter parser of GET /api/search on any raw query string: it
// never panics, and it either returns a request inside every limit the index relies on (Bleve
// panics on some out-of-range sizes) or a client error with a known code and status 400.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		"", "q=ballet", "q=swan+lake&company=Bolshoi+Ballet&decade=1970s&year=1975&sort=-year&page=2&per_page=5",
		"year_min=1950&year_max=1960&facet_size=200", "page=20&per_page=50", "page=21&per_page=50",
		"page=-1", "page=1e9", "page=99999999999999999999", "per_page=abc", "per_page=0x10", "year=19x5",
		"year_min=2000&year_max=1900", "facet=foo", "sort=_score", "q=a&q=b", "q=%ff", "q=%00", "company=%ff",
		"company=%00", "%ff=1", "q=%zz", "q=a;b", "q=" + strings.Repeat("a", 513), "q=" + strings.Repeat("(", 512),
		"q=" + url.QueryEscape(`+-~^*:()[]{}|&!"\`), "q=" + url.QueryEscape("/.*.*.*/"), "q=a*b*c*d*", "q=*ballet",
		"q=ballet~25", strings.Repeat("company=x&", 21), "page=+5", "page= 5 ", "per_page=050", "decade=2100s",
		strings.Repeat("company=x&", 20) + strings.Repeat("decade=1970s&", 20) + strings.Repeat("year=1975&", 11),
	} {
		f.Add(s)
	}
	known := map[string]bool{CodeInvalidParameter: true, CodeBadQuery: true}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseSearch(raw)
		if err != nil {
			if !known[err.Code] || statusOf[err.Code] != 400 || err.Message == "" {
				t.Fatalf("parseSearch(%q) = %#v; want a 400 with a known code and a message", raw, err)
			}
			if !utf8.ValidString(err.Param) || len(err.Param) > 40 || len(err.Message) > 200 {
				t.Fatalf("parseSearch(%q) echoes the input: param %q, message %q", raw, err.Param, err.Message)
			}
			return
		}
		switch {
		case req.PerPage < 1 || req.PerPage > index.MaxPerPage:
			t.Fatalf("parseSearch(%q): per_page %d", raw, req.PerPage)
		case req.Page < 1 || req.Page*req.PerPage > index.MaxDepth:
			t.Fatalf("parseSearch(%q): page %d of %d", raw, req.Page, req.PerPage)
		case req.FacetSize < 1 || req.FacetSize > index.MaxFacetSize:
			t.Fatalf("parseSearch(%q): facet_size %d", raw, req.FacetSize)
		case len(req.Query) > index.MaxQueryBytes || !utf8.ValidString(req.Query) || strings.ContainsRune(req.Query, 0):
			t.Fatalf("parseSearch(%q): q %q", raw, req.Query)
		case req.YearMin != 0 && req.YearMax != 0 && req.YearMin > req.YearMax:
			t.Fatalf("parseSearch(%q): year_min %d after year_max %d", raw, req.YearMin, req.YearMax)
		case !slices.Contains([]string{"", index.SortRelevance, index.SortYear, index.SortYearDesc, index.SortTitle}, req.Sort):
			t.Fatalf("parseSearch(%q): sort %q", raw, req.Sort)
		case len(req.Companies) > maxRepeats || len(req.Decades) > maxRepeats || len(req.Years) > maxRepeats,
			len(req.Companies)+len(req.Decades)+len(req.Years) > index.MaxFilters:
			t.Fatalf("parseSearch(%q): %d companies, %d decades, %d years", raw, len(req.Companies), len(req.Decades), len(req.Years))
		}
		for _, y := range append([]int{req.YearMin, req.YearMax}, req.Years...) {
			if y != 0 && (y < index.MinYear || y > index.MaxYear) {
				t.Fatalf("parseSearch(%q): year %d", raw, y)
			}
		}
		for _, s := range slices.Concat(req.Companies, req.Decades) {
			if s == "" || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("parseSearch(%q): filter value %q", raw, s)
			}
		}
	})
}
