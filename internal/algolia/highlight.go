package algolia

import (
	"html"
	"slices"
	"strings"

	"filmsearch/internal/index"
)

// The index highlights in HTML: escaped text with <mark> around matches. Algolia's clients want
// raw text with their own tags and escape it themselves, so a highlight is read back into text
// and spans, then written out with the client's tags and no escaping.

const (
	markOpen  = "<mark>"
	markClose = "</mark>"
	ellipsis  = "…"
)

type span struct{ start, end int }

// marked is raw text with the byte ranges of its matches, in order and apart.
type marked struct {
	text  string
	spans []span
}

// parseMarked reads an index highlight back into raw text and spans.
func parseMarked(h string) marked {
	var b strings.Builder
	var spans []span
	for h != "" {
		i := strings.Index(h, markOpen)
		if i < 0 {
			b.WriteString(html.UnescapeString(h))
			break
		}
		b.WriteString(html.UnescapeString(h[:i]))
		h = h[i+len(markOpen):]
		j := strings.Index(h, markClose)
		if j < 0 {
			j = len(h)
		}
		start := b.Len()
		b.WriteString(html.UnescapeString(h[:j]))
		if b.Len() > start {
			spans = append(spans, span{start, b.Len()})
		}
		h = h[min(j+len(markClose), len(h)):]
	}
	return marked{text: b.String(), spans: spans}
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

// within returns the part of m that is full, a text m's text was cut from, with m's spans moved
// there. A snippet loses the ellipses the index added. If m is not a part of full, no span is
// kept.
func (m marked) within(full string) marked {
	if m.text == full {
		return m
	}
	text, cut := m.text, 0
	if rest, ok := strings.CutPrefix(text, ellipsis); ok {
		text, cut = rest, len(ellipsis)
	}
	text = strings.TrimSuffix(text, ellipsis)
	off := strings.Index(full, text)
	if off < 0 || text == "" {
		return marked{text: full}
	}
	out := marked{text: full}
	for _, s := range m.spans {
		s.start, s.end = s.start-cut+off, s.end-cut+off
		if s.start >= off && s.end <= off+len(text) {
			out.spans = append(out.spans, s)
		}
	}
	return out
}

// highlightResult is one attribute's highlight as Algolia returns it.
type highlightResult struct {
	Value        string   `json:"value"`
	MatchLevel   string   `json:"matchLevel"`
	MatchedWords []string `json:"matchedWords"`
}

// highlighter writes highlights of one query with one pair of tags.
type highlighter struct {
	words     []string // the query's words, lower case, excluded ones left out
	pre, post string
}

func newHighlighter(p params) highlighter {
	return highlighter{words: queryWords(p.Query), pre: p.HighlightPreTag, post: p.HighlightPostTag}
}

// result describes m: matchLevel is none without a match, full when every query word was
// found, partial otherwise (a synonym or a correction matched rather than the typed word).
func (h highlighter) result(m marked) highlightResult {
	r := highlightResult{Value: m.render(h.pre, h.post), MatchLevel: "none", MatchedWords: []string{}}
	if len(m.spans) == 0 {
		return r
	}
	for _, w := range h.words {
		for _, s := range m.spans {
			if sameWord(w, strings.ToLower(m.text[s.start:s.end])) {
				r.MatchedWords = append(r.MatchedWords, w)
				break
			}
		}
	}
	r.MatchLevel = "partial"
	if len(r.MatchedWords) == len(h.words) {
		r.MatchLevel = "full"
	}
	return r
}

// sameWord says whether the typed word w is what matched the text m: one is a prefix of the
// other (search as you type, stemming) or they share four letters at the start.
func sameWord(w, m string) bool {
	if strings.HasPrefix(m, w) || strings.HasPrefix(w, m) {
		return true
	}
	n := 0
	for n < len(w) && n < len(m) && w[n] == m[n] {
		n++
	}
	return n >= 4
}

// highlightable lists the attributes with a _highlightResult by default. The index marks
// matches in title, description and facts; the others come unmarked, so that a client's
// Highlight component still shows them.
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
	title := parseMarked(hit.Highlights["title"]).within(hit.Title)
	descSnippet := marked{text: hit.Description}
	if d, ok := hit.Highlights["description"]; ok {
		descSnippet = parseMarked(d)
	}
	desc := descSnippet.within(hit.Description)
	facts := factsMarked(hit.Facts, parseMarked(hit.Highlights["facts"]))
	list := func(ms []marked) []highlightResult {
		out := make([]highlightResult, len(ms))
		for i, m := range ms {
			out[i] = h.result(m)
		}
		return out
	}
	plain := func(l []string) []marked {
		out := make([]marked, len(l))
		for i, v := range l {
			out[i] = marked{text: v}
		}
		return out
	}
	value := func(attr string, snippet bool) any {
		switch attr {
		case "title":
			return h.result(title)
		case "description":
			if snippet {
				return h.result(descSnippet)
			}
			return h.result(desc)
		case "facts":
			return list(facts)
		case "companies":
			return list(plain(hit.Companies))
		case "cast":
			if len(hit.Cast) > 0 {
				return list(plain(hit.Cast))
			}
		case "genres":
			if len(hit.Genres) > 0 {
				return list(plain(hit.Genres))
			}
		case "director":
			if hit.Director != "" {
				return h.result(marked{text: hit.Director})
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

// factsMarked splits the index's facts highlight, the matching facts joined in order, into
// one marked text per fact.
func factsMarked(facts []string, joined marked) []marked {
	out := make([]marked, len(facts))
	at := 0
	for i, f := range facts {
		out[i] = marked{text: f}
		off := strings.Index(joined.text[at:], f)
		if off < 0 || f == "" {
			continue
		}
		start, end := at+off, at+off+len(f)
		for _, s := range joined.spans {
			if s.start >= start && s.end <= end {
				out[i].spans = append(out[i].spans, span{s.start - start, s.end - start})
			}
		}
		if len(out[i].spans) > 0 {
			at = end
		}
	}
	return out
}
