package index

import (
	"context"
	"strings"
	"unicode/utf8"

	"filmsearch/internal/wordsplit"
)

// Suggestion is a title completion. Typed are the spans of Title that were typed: in each
// matching word, the part typed, matched as a prefix.
type Suggestion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Year  int    `json:"year"`
	Typed []Span `json:"-"`
}

// suggest completes titles: every typed word must start a word of the title. Shorter titles
// come first, then by id.
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
	c := &compiled{}
	prefixes := map[string]int{} // n-gram term -> runes typed
	for _, w := range p.words {
		for _, tok := range terms(a.exact, w) {
			if utf8.RuneCountInString(tok) > maxPrefixLen {
				tok = string([]rune(tok)[:maxPrefixLen])
			}
			if _, dup := prefixes[tok]; dup {
				continue
			}
			prefixes[tok] = utf8.RuneCountInString(tok)
			c.groups = append(c.groups, group{word: len(c.words), kind: kindPrefix, weight: 1, term: tok, fields: []string{fTitlePrefix}})
			c.words = append(c.words, qword{text: tok, times: 1})
		}
	}
	if len(c.words) == 0 {
		return out, nil
	}
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rk := &ranking{s: s, c: c, r: r, req: Request{Sort: SortRelevance}, all: true}
	defer rk.close()
	if err := rk.open(ctx); err != nil {
		return nil, classify(ctx, err)
	}
	es, err := rk.rank(ctx, newCounter(s.cols, Request{Facets: []string{}}), n)
	if err != nil {
		return nil, classify(ctx, err)
	}
	for _, e := range es {
		f, err := s.stored(r, int(e.doc))
		if err != nil {
			return nil, err
		}
		out = append(out, Suggestion{ID: f.ID, Title: f.Title, Year: f.Year, Typed: typedSpans(f.Title, prefixes)})
	}
	return out, nil
}

// typedSpans finds, in each title word that starts with a typed prefix, the part typed. The
// title is scanned rather than located through the index: titles are short, locations are not
// free.
func typedSpans(title string, prefixes map[string]int) []Span {
	var spans []Span
	wordsplit.Each(title, func(start, end int) {
		lower := plainWord(title[start:end])
		typed, word := 0, ""
		for p, n := range prefixes {
			if strings.HasPrefix(lower, p) && (n > typed || n == typed && p < word) {
				typed, word = n, p
			}
		}
		if typed > 0 {
			e := start
			for j := 0; j < typed && e < end; j++ {
				_, size := utf8.DecodeRuneInString(title[e:])
				e += size
			}
			spans = append(spans, Span{Start: start, End: e, Words: []WordMatch{{Word: word, Via: ViaPrefix}}})
		}
	})
	return spans
}
