package index

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"

	"filmsearch/internal/corpus"
	"filmsearch/internal/wordsplit"
)

// We highlight ourselves rather than with Bleve's highlighter or its match locations: a word
// found through a synonym, a typo or another form of itself must be marked in the text the
// reader sees; the output must be escaped text with <mark> and nothing else; and reading match
// locations costs more than half of a search for a common word. The query builder records what
// each word can match, and the highlighter scans the page's texts for it.

const (
	snippetWhole  = 300 // descriptions up to this many bytes are shown whole
	snippetLen    = 240
	snippetBefore = 60
)

type span struct{ start, end int }

// highlights returns the HTML fragments of f's fields that contain what c matches.
func (c *compiled) highlights(f corpus.Film) map[string]string {
	out := map[string]string{}
	if sp := c.spans(f.Title, true); len(sp) > 0 {
		out["title"] = mark(f.Title, sp)
	}
	if sp := c.spans(f.Description, false); len(sp) > 0 {
		out["description"] = snippet(f.Description, sp)
	}
	c.markEach(out, "facts", f.Facts, " … ")
	c.markEach(out, "director", []string{f.Director}, "")
	c.markEach(out, "cast", f.Cast, ", ")
	return out
}

// markEach sets out[key] to the items that have a match, marked and joined by sep.
func (c *compiled) markEach(out map[string]string, key string, items []string, sep string) {
	var marked []string
	for _, it := range items {
		if sp := c.spans(it, false); len(sp) > 0 {
			marked = append(marked, mark(it, sp))
		}
	}
	if len(marked) > 0 {
		out[key] = strings.Join(marked, sep)
	}
}

// spans returns the byte ranges of text's words that c matches: a whole word it looked up, a
// word whose stem it searched, or, in a title, a word starting with a prefix it searched.
func (c *compiled) spans(text string, title bool) []span {
	if c.empty() {
		return nil
	}
	var out []span
	wordsplit.Each(text, func(start, end int) {
		w := fold(wordsplit.Bare(strings.ToLower(text[start:end])))
		hit := c.marks[w] || (title && c.titleMarks[w])
		for _, p := range c.prefixes {
			hit = hit || (title && strings.HasPrefix(w, p))
		}
		// Stemming is the costly test; most words fail the cheap look at their first letters.
		if !hit && c.stemHeads[head(w)] {
			hit = c.stems[c.stemOf(w)]
		}
		if hit {
			out = append(out, span{start, end})
		}
	})
	return out
}

func (c *compiled) empty() bool {
	return len(c.marks) == 0 && len(c.titleMarks) == 0 && len(c.stems) == 0 && len(c.prefixes) == 0
}

// head is what a word and its stem share at the least: the first three bytes. Porter's
// stemmer only rewrites endings.
func head(w string) string { return w[:min(3, len(w))] }

func (c *compiled) stemOf(w string) string {
	if t := terms(c.text, w); len(t) > 0 {
		return t[0]
	}
	return ""
}

var folder = asciifolding.New()

// fold replaces accented letters by their plain forms, as the analyzers do: Gisèle is giselle.
func fold(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return string(folder.Filter([]byte(w)))
		}
	}
	return w
}

func mergeSpans(spans []span) []span {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:0:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// mark escapes text and wraps each span in <mark>.
func mark(text string, spans []span) string {
	var b strings.Builder
	at := 0
	for _, s := range mergeSpans(spans) {
		b.WriteString(html.EscapeString(text[at:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		at = s.end
	}
	b.WriteString(html.EscapeString(text[at:]))
	return b.String()
}

// snippet marks text whole when it is short, else a window around the first match cut at
// spaces, with ellipses where text was left out.
func snippet(text string, spans []span) string {
	if len(text) <= snippetWhole {
		return mark(text, spans)
	}
	spans = mergeSpans(spans)
	from := max(spans[0].start-snippetBefore, 0)
	if from > 0 {
		if i := strings.IndexByte(text[from:spans[0].start], ' '); i >= 0 {
			from += i + 1
		}
	}
	to := min(from+snippetLen, len(text))
	if to < len(text) {
		if i := strings.LastIndexByte(text[from:to], ' '); i > spans[0].end-from {
			to = from + i
		}
		for to < len(text) && !utf8.RuneStart(text[to]) {
			to++
		}
	}
	var in []span
	for _, s := range spans {
		if s.start >= from && s.end <= to {
			in = append(in, span{s.start - from, s.end - from})
		}
	}
	out := mark(text[from:to], in)
	if from > 0 {
		out = "…" + out
	}
	if to < len(text) {
		out += "…"
	}
	return out
}
