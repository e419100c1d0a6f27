package algolia

import (
	"slices"
	"strings"

	"filmsearch/internal/index"
	"filmsearch/internal/wordsplit"
)

// The index returns what a query matched as data: per field, the text and its spans, each with
// the query words it matched and how. Algolia's clients want raw text with their own tags (they
// escape it themselves), and for each attribute how well it matched.

type span struct{ start, end int }

// marked is raw text with the byte ranges of its matches, in order and apart.
type marked struct {
	text  string
	spans []span
}

// render writes m with pre and post around each match. Nothing is escaped.
func (m marked) render(pre, post string) string {
	var b strings.Builder
	at := 0
	for _, s := range m.spans {
		b.WriteString(m.text[at:s.start])
		b.WriteString(pre)
		b.WriteString(m.text[s.start:s.end])
		b.WriteString(post)
		at = s.end
	}
	b.WriteString(m.text[at:])
	return b.String()
}

// highlightResult is one attribute's highlight as Algolia returns it. FullyHighlighted is sent
// when the attribute matched at all.
type highlightResult struct {
	Value            string   `json:"value"`
	MatchLevel       string   `json:"matchLevel"`
	FullyHighlighted *bool    `json:"fullyHighlighted,omitempty"`
	MatchedWords     []string `json:"matchedWords"`
}

// highlighter writes highlights of one query with one pair of tags.
type highlighter struct {
	words     []string // the words the query wants (index.Result.Words): excluded ones are not
	pre, post string
}

func newHighlighter(p params, words []string) highlighter {
	return highlighter{words: words, pre: p.HighlightPreTag, post: p.HighlightPostTag}
}

// result describes text with the index's spans: matchLevel is none without a match, full when
// every wanted word was found, partial otherwise. A word is found when a span matched it as
// typed, in another form, as the beginning of a longer word or through a correction; a synonym
// is another word, so a text that has only the synonym matches partially.
func (h highlighter) result(text string, spans []index.Span) highlightResult {
	m := marked{text: text}
	found := map[string]bool{}
	for _, s := range spans {
		m.spans = append(m.spans, span{s.Start, s.End})
		for _, w := range s.Words {
			if w.Via != index.ViaSynonym {
				found[w.Word] = true
			}
		}
	}
	r := highlightResult{Value: m.render(h.pre, h.post), MatchLevel: "none", MatchedWords: []string{}}
	if len(spans) == 0 {
		return r
	}
	for _, w := range h.words {
		if found[w] {
			r.MatchedWords = append(r.MatchedWords, w)
		}
	}
	r.MatchLevel = "partial"
	if len(r.MatchedWords) == len(h.words) {
		r.MatchLevel = "full"
	}
	fully := m.covered()
	r.FullyHighlighted = &fully
	return r
}

// covered reports whether every word of m's text is inside one of its spans.
func (m marked) covered() bool {
	all, i := true, 0
	wordsplit.Each(m.text, func(start, end int) {
		for i < len(m.spans) && m.spans[i].end < end {
			i++
		}
		all = all && i < len(m.spans) && m.spans[i].start <= start
	})
	return all
}

// highlightable lists the attributes with a _highlightResult by default. The index marks
// matches in title, description, facts, director and cast; companies and genres come unmarked,
// so that a client's Highlight component still shows them.
var highlightable = []string{"title", "description", "facts", "companies", "director", "cast", "genres"}

// selected resolves an attribute list (nil: def, "*": all of highlightable) to the
// highlightable attributes it names. A snippet's ":words" suffix is dropped.
func selected(list, def []string) []string {
	if list == nil {
		return def
	}
	var out []string
	for _, a := range list {
		a, _, _ = strings.Cut(a, ":")
		if a == "*" {
			return highlightable
		}
		if slices.Contains(highlightable, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// highlights builds _highlightResult (whole values) and _snippetResult (the index's window of a
// long description) for hit. Either is nil when no attribute is asked for.
func (h highlighter) highlights(hit index.Hit, p params) (hl, sn map[string]any) {
	// spans returns the spans of the field's value number item; none when it did not match.
	spans := func(field string, item int) []index.Span {
		for _, x := range hit.Highlights[field] {
			if x.Item == item {
				return x.Spans
			}
		}
		return nil
	}
	list := func(field string, values []string) []highlightResult {
		out := make([]highlightResult, len(values))
		for i, v := range values {
			out[i] = h.result(v, spans(field, i))
		}
		return out
	}
	value := func(attr string, snippet bool) any {
		switch attr {
		case "title":
			return h.result(hit.Title, spans(index.HighlightTitle, 0))
		case "description":
			if snippet {
				return h.snippet(hit.Description, hit.Highlights[index.HighlightDescription])
			}
			return h.result(hit.Description, spans(index.HighlightDescription, 0))
		case "facts":
			return list(index.HighlightFacts, hit.Facts)
		case "companies":
			return list("", hit.Companies)
		case "cast":
			if len(hit.Cast) > 0 {
				return list(index.HighlightCast, hit.Cast)
			}
		case "genres":
			if len(hit.Genres) > 0 {
				return list("", hit.Genres)
			}
		case "director":
			if hit.Director != "" {
				return h.result(hit.Director, spans(index.HighlightDirector, 0))
			}
		}
		return nil // a record without the attribute has no highlight of it, as on Algolia
	}
	if attrs := selected(p.AttributesToHighlight, highlightable); len(attrs) > 0 {
		hl = map[string]any{}
		for _, a := range attrs {
			if v := value(a, false); v != nil {
				hl[a] = v
			}
		}
	}
	if attrs := selected(p.AttributesToSnippet, nil); len(attrs) > 0 {
		sn = map[string]any{}
		for _, a := range attrs {
			if v := value(a, true); v != nil {
				sn[a] = v
			}
		}
	}
	return hl, sn
}

// snippet is the index's window of a long text around its first match, with an ellipsis where
// text was left out; a text without a match is shown whole.
func (h highlighter) snippet(text string, hs []index.Highlight) highlightResult {
	if len(hs) == 0 {
		return h.result(text, nil)
	}
	s := hs[0].Snippet()
	r := h.result(s.Text, s.Spans)
	if s.Before {
		r.Value = "…" + r.Value
	}
	if s.After {
		r.Value += "…"
	}
	return r
}
