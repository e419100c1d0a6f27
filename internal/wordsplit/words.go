// Package wordsplit finds the words of a text as the index's analyzers split them, for the code
// that looks for words in text without Bleve: highlighting, corrections, proximity, the
// gazetteer and facet search. It keeps no state and is safe for concurrent use.
package wordsplit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Each calls fn with the byte range of each word of s: letters and digits, with an apostrophe
// inside (Swan's), as the unicode tokenizer of the analyzers splits them, at a fraction of its
// cost. The ranges are in order, apart (never touching) and on rune boundaries.
func Each(s string, fn func(start, end int)) {
	start := -1
	prevLetter := false
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if !word && start >= 0 && prevLetter && (r == '\'' || r == '’') {
			if next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):]); unicode.IsLetter(next) {
				prevLetter = false
				continue
			}
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			fn(start, i)
			start = -1
		}
		prevLetter = unicode.IsLetter(r)
	}
	if start >= 0 {
		fn(start, len(s))
	}
}

// Lower returns the words of s in lower case, in order.
func Lower(s string) []string {
	var out []string
	Each(s, func(start, end int) { out = append(out, strings.ToLower(s[start:end])) })
	return out
}

// Bare drops a possessive ending, as the analyzers do: swan's is swan.
func Bare(w string) string {
	for _, suffix := range []string{"'s", "’s"} {
		if b, ok := strings.CutSuffix(w, suffix); ok {
			return b
		}
	}
	return w
}
