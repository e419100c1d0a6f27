package index

import (
	"context"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MaxSuggestions caps Suggest's n.
const MaxSuggestions = 8

// Suggestion is a title completion. Highlight is HTML: the title escaped, with the typed part
// of each matching word in <mark>.
type Suggestion struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Year      int    `json:"year"`
	Highlight string `json:"highlight"`
}

// suggest completes titles: every typed word must start a word of the title.
func (s *snapshot) suggest(ctx context.Context, q string, n int) ([]Suggestion, error) {
	out := []Suggestion{}
	if n < 1 || n > MaxSuggestions {
		n = MaxSuggestions
	}
	p, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	a, err := s.analyzers()
	if err != nil {
		return nil, err
	}
	var words []string
	for _, w := range p.words {
		words = append(words, terms(a.word, w)...)
	}
	if len(words) == 0 {
		return out, nil
	}
	clauses := make([]query.Query, 0, len(words))
	prefixes := map[string]int{} // n-gram term -> runes typed
	for _, w := range words {
		if utf8.RuneCountInString(w) > maxPrefixLen {
			w = string([]rune(w)[:maxPrefixLen])
		}
		prefixes[w] = utf8.RuneCountInString(w)
		clauses = append(clauses, termQuery(w, fTitlePrefix, 1))
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(clauses...), n, 0, false)
	sr.Fields = []string{fSource}
	sr.IncludeLocations = true
	sr.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, &search.SortField{Field: fTitleSort, Type: search.SortFieldAsString}, &search.SortDocID{}})
	res, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, classify(ctx, err)
	}
	for _, dm := range res.Hits {
		h, err := hit(dm, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Suggestion{ID: h.ID, Title: h.Title, Year: h.Year, Highlight: markPrefixes(h.Title, dm.Locations[fTitlePrefix], prefixes)})
	}
	return out, nil
}

// markPrefixes marks the first runes of each title word a prefix matched: what was typed.
func markPrefixes(title string, locs search.TermLocationMap, prefixes map[string]int) string {
	var spans []span
	for term, ls := range locs {
		typed := prefixes[term]
		for _, l := range ls {
			s, e := int(l.Start), int(l.End)
			if s < 0 || e > len(title) || s >= e || !utf8.RuneStart(title[s]) {
				continue
			}
			end := s
			for i := 0; i < typed && end < e; i++ {
				_, size := utf8.DecodeRuneInString(title[end:])
				end += size
			}
			spans = append(spans, span{s, end})
		}
	}
	if len(spans) == 0 {
		return html.EscapeString(title)
	}
	return strings.TrimSpace(mark(title, spans))
}
