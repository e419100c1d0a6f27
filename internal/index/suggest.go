package index

import (
	"context"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
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
	// By score alone: a prefix of a large collection matches thousands of titles, and any
	// other key would be loaded for each. Shorter titles score higher; ties go by id.
	sr.SortByCustom(s.sortOrder(SortRelevance))
	res, err := s.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, classify(ctx, err)
	}
	for _, dm := range res.Hits {
		h, err := hit(dm, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Suggestion{ID: h.ID, Title: h.Title, Year: h.Year, Highlight: markPrefixes(h.Title, prefixes)})
	}
	return out, nil
}

// markPrefixes marks, in each title word that starts with a typed prefix, the part typed. The
// title is scanned rather than located through the index: titles are short, locations are not
// free.
func markPrefixes(title string, prefixes map[string]int) string {
	var spans []span
	eachWord(title, func(start, end int) {
		lower := bare(strings.ToLower(title[start:end]))
		typed := 0
		for p, n := range prefixes {
			if n > typed && strings.HasPrefix(lower, p) {
				typed = n
			}
		}
		if typed > 0 {
			e := start
			for j := 0; j < typed && e < end; j++ {
				_, size := utf8.DecodeRuneInString(title[e:])
				e += size
			}
			spans = append(spans, span{start, e})
		}
	})
	if len(spans) == 0 {
		return html.EscapeString(title)
	}
	return mark(title, spans)
}
