package index

import (
	"html"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"

	"filmsearch/internal/corpus"
)

// We highlight from match locations ourselves rather than with Bleve's highlighter: a word
// found through its prefix field or a synonym must be marked in the text the reader sees, and
// the output must be escaped text with <mark> and nothing else.

const (
	snippetWhole  = 300 // descriptions up to this many bytes are shown whole
	snippetLen    = 240
	snippetBefore = 60
)

type span struct{ start, end int }

// highlights returns the HTML fragments of f's fields that matched: from Bleve's match
// locations in the fields that keep them, and from a scan for the words c matched through the
// words field, which keeps none.
func (c *compiled) highlights(f corpus.Film, locs search.FieldTermLocationMap) map[string]string {
	out := map[string]string{}
	title := spansIn(locs, fTitle, -1, f.Title)
	title = append(title, spansIn(locs, fTitlePrefix, -1, f.Title)...)
	if len(title) > 0 {
		out["title"] = mark(f.Title, title)
	}
	desc := spansIn(locs, fDescription, -1, f.Description)
	desc = append(desc, c.marked(f.Description)...)
	if len(desc) > 0 {
		out["description"] = snippet(f.Description, desc)
	}
	var facts []string
	for i, fact := range f.Facts {
		sp := spansIn(locs, fFacts, i, fact)
		sp = append(sp, c.marked(fact)...)
		if len(sp) > 0 {
			facts = append(facts, mark(fact, sp))
		}
	}
	if len(facts) > 0 {
		out["facts"] = strings.Join(facts, " … ")
	}
	return out
}

// marked returns the spans of text's words that are in c.marks.
func (c *compiled) marked(text string) []span {
	if len(c.marks) == 0 {
		return nil
	}
	var out []span
	eachWord(text, func(start, end int) {
		if c.marks[strings.ToLower(text[start:end])] {
			out = append(out, span{start, end})
		}
	})
	return out
}

// eachWord calls fn with the byte range of each run of letters and digits in text. It finds
// what the word analyzer finds (a possessive ends a word either way) at a fraction of the cost
// of running the analyzer.
func eachWord(text string, fn func(start, end int)) {
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			fn(start, i)
			start = -1
		}
	}
	if start >= 0 {
		fn(start, len(text))
	}
}

// spansIn collects the byte ranges of field's matches in text. elem selects an array element
// (-1: the field is not an array). Ranges that do not fit text are dropped, never trusted.
func spansIn(locs search.FieldTermLocationMap, field string, elem int, text string) []span {
	var out []span
	for _, ls := range locs[field] {
		for _, l := range ls {
			if elem >= 0 && (len(l.ArrayPositions) == 0 || int(l.ArrayPositions[0]) != elem) {
				continue
			}
			if elem < 0 && len(l.ArrayPositions) > 0 && l.ArrayPositions[0] != 0 {
				continue
			}
			s, e := int(l.Start), int(l.End)
			if s < 0 || e > len(text) || s >= e || !utf8.RuneStart(text[s]) || (e < len(text) && !utf8.RuneStart(text[e])) {
				continue
			}
			out = append(out, span{s, e})
		}
	}
	return out
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
		corrected = replaceFold(corrected, typed, to)
	}
	if len(out) == 0 {
		return out, ""
	}
	return out, corrected
}

// surfaceOf finds the word of the hits' text that a correction stands for: the term itself,
// else the shortest word it begins (a correction of a word being typed is a beginning).
func (c *compiled) surfaceOf(term string, hits []Hit) string {
	best := ""
	for _, h := range hits {
		for _, text := range append([]string{h.Title, h.Description}, h.Facts...) {
			for _, w := range strings.FieldsFunc(text, notWordRune) {
				lw := strings.ToLower(w)
				if lw == term {
					return lw
				}
				if strings.HasPrefix(lw, term) && (best == "" || len(lw) < len(best)) {
					best = lw
				}
			}
		}
	}
	return best
}

func replaceFold(s, old, repl string) string {
	i := strings.Index(strings.ToLower(s), old)
	if i < 0 {
		return s
	}
	return s[:i] + repl + s[i+len(old):]
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
