package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	unitok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// parsedQuery is a reader's query in our own small grammar: words, "quoted phrases", and
// -excluded words or -"phrases". Everything else is text; nothing is an operator for Bleve.
type parsedQuery struct {
	words    []string // as typed, in order
	phrases  []string
	excluded []string // words and phrases
	// prefixLast: the last word is still being typed (no space after it), so it also matches as
	// a prefix.
	prefixLast bool
}

// parseQuery splits q. It never fails on content: stray quotes and operators are text. It fails
// only on size limits and invalid UTF-8.
func parseQuery(q string) (parsedQuery, error) {
	var p parsedQuery
	if len(q) > MaxQueryBytes {
		return p, badQuery("q", "is %d bytes; at most %d", len(q), MaxQueryBytes)
	}
	if !utf8.ValidString(q) {
		return p, badQuery("q", "is not valid UTF-8")
	}
	terms := 0
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		neg := false
		if len(rest) > 1 && rest[0] == '-' && !unicode.IsSpace(rune(rest[1])) {
			neg = true
			rest = rest[1:]
		}
		var tok string
		phrase := false
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 { // an unclosed quote runs to the end, as in every engine we copy
				tok, rest = rest[1:], ""
			} else {
				tok, rest = rest[1:1+end], rest[2+end:]
			}
			phrase = true
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			tok, rest = rest[:end], rest[end:]
		}
		tok = strings.TrimSpace(tok)
		if !hasWordChar(tok) {
			continue
		}
		// Count what the analyzers will search, not what spaces separate: "a,b,c" is three
		// terms, and a phrase counts each of its words. Stop words are searched in titles
		// alone, at little cost, and a written request has many.
		for _, t := range wordTokenizer.Tokenize([]byte(tok)) {
			if !stopSet[strings.ToLower(string(t.Term))] {
				terms++
			}
		}
		if terms > MaxQueryTerms {
			return parsedQuery{}, badQuery("q", "has more than %d terms", MaxQueryTerms)
		}
		switch {
		case neg:
			p.excluded = append(p.excluded, tok)
		case phrase && len(strings.Fields(tok)) > 1:
			p.phrases = append(p.phrases, tok)
		default:
			p.words = append(p.words, tok)
			p.prefixLast = rest == "" && !phrase
			continue
		}
		p.prefixLast = false
	}
	return p, nil
}

// wordTokenizer splits text into words as the mapping's analyzers do. It is stateless and safe
// for concurrent use.
var wordTokenizer = unitok.NewUnicodeTokenizer()

func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}
