package index

import (
	"sort"
	"strings"

	"filmsearch/internal/wordsplit"
)

// corrections reports the typed words that were read as others and found in the hits, with the
// word as the hits spell it.
func (c *compiled) corrections(q string, hits []Hit) ([]Correction, string) {
	out := []Correction{}
	if len(c.typos) == 0 {
		return out, ""
	}
	// A correction may be the beginning of a word; the hits' own text shows the whole word.
	corrected := q
	words := make([]string, 0, len(c.typos))
	for w := range c.typos {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, typed := range words {
		to := c.surfaceOf(c.typos[typed], hits)
		if to == "" {
			continue
		}
		out = append(out, Correction{From: typed, To: to})
		corrected = replaceWord(corrected, typed, to)
	}
	if len(out) == 0 {
		return out, ""
	}
	return out, corrected
}

// surfaceOf finds the word of the hits' text that a correction stands for: the term itself,
// else the shortest word it begins (a correction of a word being typed is a beginning).
func (c *compiled) surfaceOf(term string, hits []Hit) string {
	best, exact := "", false
	for _, h := range hits {
		texts := append([]string{h.Title, h.Description, h.Director}, h.Facts...)
		for _, text := range append(texts, h.Cast...) {
			wordsplit.Each(text, func(start, end int) {
				lw := fold(wordsplit.Bare(strings.ToLower(text[start:end])))
				switch {
				case exact:
				case lw == term:
					best, exact = lw, true
				case strings.HasPrefix(lw, term) && (best == "" || len(lw) < len(best)):
					best = lw
				}
			})
			if exact {
				return best
			}
		}
	}
	return best
}

// replaceWord replaces the first word of s that reads as typed (case and accents aside) with
// repl. It cuts s at the word's own byte offsets: a lower-cased copy can be longer or shorter
// than s (Ⱥ, İ, the Kelvin sign), and its offsets would cut s inside a rune.
func replaceWord(s, typed, repl string) string {
	from, to := -1, -1
	wordsplit.Each(s, func(start, end int) {
		if from < 0 && fold(wordsplit.Bare(strings.ToLower(s[start:end]))) == typed {
			from, to = start, end
		}
	})
	if from < 0 {
		return s
	}
	return s[:from] + repl + s[to:]
}
