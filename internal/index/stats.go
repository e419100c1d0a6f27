package index

import (
	"strings"

	"filmsearch/internal/wordsplit"
)

// FieldStats count one text field over a build: the documents that have it and their tokens.
// BM25 normalises a field's term frequency by its length against their average; Bleve does not
// record the average, so a build counts it.
type FieldStats struct {
	Docs   int   `json:"docs"`
	Tokens int64 `json:"tokens"`
}

func (s FieldStats) avg() float64 {
	if s.Docs == 0 || s.Tokens == 0 {
		return 1
	}
	return float64(s.Tokens) / float64(s.Docs)
}

var stopSet = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range stopWords {
		m[w] = true
	}
	return m
}()

// countTokens adds the tokens of document d's text fields to stats, counted as the analyzers
// split them: words, less the stop words in the stemmed fields.
func countTokens(d map[string]any, stats map[string]FieldStats) {
	count := func(field string, stems bool) {
		var texts []string
		switch v := d[field].(type) {
		case string:
			texts = []string{v}
		case []string:
			texts = v
		default:
			return
		}
		n := 0
		for _, t := range texts {
			wordsplit.Each(t, func(start, end int) {
				if !stems || !stopSet[strings.ToLower(t[start:end])] {
					n++
				}
			})
		}
		s := stats[field]
		s.Docs++
		s.Tokens += int64(n)
		stats[field] = s
	}
	for _, f := range stemFields {
		count(f, true)
	}
	for _, f := range exactFields {
		count(f, false)
	}
}
