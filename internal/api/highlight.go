package api

import (
	"html"
	"strings"

	"filmsearch/internal/index"
)

// The index returns what a query matched as data; the native API shows it as HTML: the film's
// text escaped, with <mark> around each match and no other markup, so that a page can insert it
// as it is. Only this file writes that HTML.

// searchResult is a search as the native API writes it: the index's result, with each hit's
// highlights rendered. Hits and Facets are declared after the embedded result so that they keep
// their place in the JSON, the last two fields of index.Result.
type searchResult struct {
	*index.Result
	Hits   []searchHit            `json:"hits"`
	Facets map[string]index.Facet `json:"facets"`
}

// searchHit is a hit with its highlights as HTML, per field: a title, a director or a snippet
// of the description; the matching facts joined by " … ", the matching cast by ", ".
type searchHit struct {
	index.Hit
	Highlights map[string]string `json:"highlights"`
}

// suggestion is a title completion with the typed parts of its words in <mark>.
type suggestion struct {
	index.Suggestion
	Highlight string `json:"highlight"`
}

func renderResult(res *index.Result) searchResult {
	out := searchResult{Result: res, Hits: make([]searchHit, len(res.Hits)), Facets: res.Facets}
	for i, h := range res.Hits {
		out.Hits[i] = searchHit{Hit: h, Highlights: renderHighlights(h.Highlights)}
	}
	return out
}

// joiners separate the matching values of a field of several.
var joiners = map[string]string{index.HighlightFacts: " … ", index.HighlightCast: ", "}

func renderHighlights(hs map[string][]index.Highlight) map[string]string {
	out := make(map[string]string, len(hs))
	for field, list := range hs {
		if len(list) == 0 {
			continue
		}
		if field == index.HighlightDescription {
			out[field] = renderSnippet(list[0].Snippet())
			continue
		}
		parts := make([]string, len(list))
		for i, h := range list {
			parts[i] = markHTML(h.Text, h.Spans)
		}
		out[field] = strings.Join(parts, joiners[field])
	}
	return out
}

// renderSnippet marks s, with an ellipsis where text was left out.
func renderSnippet(s index.Snippet) string {
	out := markHTML(s.Text, s.Spans)
	if s.Before {
		out = "…" + out
	}
	if s.After {
		out += "…"
	}
	return out
}

func renderSuggestions(sug []index.Suggestion) []suggestion {
	out := make([]suggestion, len(sug))
	for i, s := range sug {
		out[i] = suggestion{Suggestion: s, Highlight: markHTML(s.Title, s.Typed)}
	}
	return out
}

// markHTML escapes text and wraps each span in <mark>. Spans are in order and apart, as the
// index returns them; one that is not is left unmarked rather than cutting the text.
func markHTML(text string, spans []index.Span) string {
	var b strings.Builder
	at := 0
	for _, s := range spans {
		if s.Start < at || s.End <= s.Start || s.End > len(text) {
			continue
		}
		b.WriteString(html.EscapeString(text[at:s.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.Start:s.End]))
		b.WriteString("</mark>")
		at = s.End
	}
	b.WriteString(html.EscapeString(text[at:]))
	return b.String()
}
