package index

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"

	"filmsearch/internal/corpus"
	"filmsearch/internal/wordsplit"
)

// We highlight ourselves rather than with Bleve's highlighter or its match locations: a word
// found through a synonym, a typo or another form of itself must be marked in the text the
// reader sees, and reading match locations costs more than half of a search for a common word.
// The query builder records what each query word can match, and the highlighter scans the
// page's texts for it. Highlights are data, not markup: each protocol renders its own.

// Via says how a part of a film's text matched a query word, from the best way to the weakest.
type Via uint8

const (
	ViaWord       Via = iota // the word as typed, case and accents aside
	ViaForm                  // another form of it with the same stem: wars for war
	ViaSynonym               // a word of the same theme: rebellion for revolution
	ViaPrefix                // a longer word that the word being typed begins
	ViaCorrection            // a word the typed one was corrected to: nutcracker for nutcraker
)

var viaNames = [...]string{"word", "form", "synonym", "prefix", "correction"}

func (v Via) String() string {
	if int(v) < len(viaNames) {
		return viaNames[v]
	}
	return "via(" + strconv.Itoa(int(v)) + ")"
}

// WordMatch is a query word that a span matched, and how.
type WordMatch struct {
	Word string // as the index reads it: lower case, accents folded (one of Result.Words)
	Via  Via
}

// Span is a part of a text that matched: a byte range on rune boundaries, and every query word
// it matched, in the query's order, each by the best way it matched.
type Span struct {
	Start, End int
	Words      []WordMatch
}

// Highlight is what a query matched in one value of a film's field.
type Highlight struct {
	Item  int    // the value's index in a field of several (facts, cast); 0 otherwise
	Text  string // the value, whole
	Spans []Span // in order and apart (never touching); never empty
}

// Snippet is the part of a value to show when the value is long: a window around its first
// match. Before and After say whether text was left out there.
type Snippet struct {
	Highlight
	Before, After bool
}

const (
	snippetWhole  = 300 // values up to this many bytes are shown whole
	snippetLen    = 240
	snippetBefore = 60
)

// Snippet returns h whole when it is short, else a window around its first span, cut at spaces
// and on rune boundaries, with the spans inside it.
func (h Highlight) Snippet() Snippet {
	text := h.Text
	if len(text) <= snippetWhole || len(h.Spans) == 0 {
		return Snippet{Highlight: h}
	}
	first := h.Spans[0]
	from := max(first.Start-snippetBefore, 0)
	if from > 0 {
		if i := strings.IndexByte(text[from:first.Start], ' '); i >= 0 {
			from += i + 1
		}
	}
	to := min(from+snippetLen, len(text))
	if to < len(text) {
		if i := strings.LastIndexByte(text[from:to], ' '); i > first.End-from {
			to = from + i
		}
		for to < len(text) && !utf8.RuneStart(text[to]) {
			to++
		}
	}
	s := Snippet{Highlight: Highlight{Item: h.Item, Text: text[from:to]}, Before: from > 0, After: to < len(text)}
	for _, sp := range h.Spans {
		if sp.Start >= from && sp.End <= to {
			sp.Start, sp.End = sp.Start-from, sp.End-from
			s.Spans = append(s.Spans, sp)
		}
	}
	return s
}

// Fields with highlights, in Hit.Highlights.
const (
	HighlightTitle       = "title"
	HighlightDescription = "description"
	HighlightFacts       = "facts"
	HighlightDirector    = "director"
	HighlightCast        = "cast"
)

// highlights returns, per field of f, the values that contain what c matches.
func (c *compiled) highlights(f corpus.Film) map[string][]Highlight {
	out := map[string][]Highlight{}
	add := func(field string, values []string, title bool) {
		for i, v := range values {
			if sp := c.spans(v, title); len(sp) > 0 {
				out[field] = append(out[field], Highlight{Item: i, Text: v, Spans: sp})
			}
		}
	}
	add(HighlightTitle, []string{f.Title}, true)
	add(HighlightDescription, []string{f.Description}, false)
	add(HighlightFacts, f.Facts, false)
	add(HighlightDirector, []string{f.Director}, false)
	add(HighlightCast, f.Cast, false)
	return out
}

// wanted returns the words a film is asked to have, as the index reads them: excluded words are
// not among them.
func (c *compiled) wanted() []string {
	out := make([]string, 0, len(c.words))
	for _, w := range c.words {
		if !slices.Contains(out, w.text) { // a word typed again while typing is a word apart
			out = append(out, w.text)
		}
	}
	return out
}

// marks is what the highlighter looks for, each with the query word it stands for and how:
// whole words (folded), words marked in titles only (stop words), stems searched in the text
// fields (with their first bytes, to skip stemming most words), and prefixes searched in
// titles.
type marks struct {
	words      map[string][]wordMark
	titleWords map[string][]wordMark
	stems      map[string][]wordMark
	stemHeads  map[string]bool
	prefixes   []prefixMark
}

// wordMark is a query word, by its index in compiled.words, and how a term matches it.
type wordMark struct {
	word int
	via  Via
}

type prefixMark struct {
	prefix string
	wordMark
}

// addMark records in to that term stands for word, matched via via.
func addMark(to map[string][]wordMark, term string, word int, via Via) map[string][]wordMark {
	if to == nil {
		to = map[string][]wordMark{}
	}
	to[term] = mergeMark(to[term], wordMark{word, via})
	return to
}

// mergeMark adds m to ms, keeping for each word its best way to match, in word order.
func mergeMark(ms []wordMark, m wordMark) []wordMark {
	for i, x := range ms {
		if x.word == m.word {
			ms[i].via = min(x.via, m.via)
			return ms
		}
	}
	ms = append(ms, m)
	sort.Slice(ms, func(i, j int) bool { return ms[i].word < ms[j].word })
	return ms
}

func (m *marks) addWord(term string, word int, how Via) {
	m.words = addMark(m.words, term, word, how)
}

func (m *marks) addTitleWord(term string, word int) {
	m.titleWords = addMark(m.titleWords, term, word, ViaWord)
}

func (m *marks) addPrefix(prefix string, word int, how Via) {
	m.prefixes = append(m.prefixes, prefixMark{prefix, wordMark{word, how}})
}

// addStems records stems the text fields are searched for.
func (m *marks) addStems(word int, how Via, stems ...string) {
	if m.stemHeads == nil {
		m.stemHeads = map[string]bool{}
	}
	for _, st := range stems {
		m.stems = addMark(m.stems, st, word, how)
		m.stemHeads[head(st)] = true
	}
}

func (m *marks) empty() bool {
	return len(m.words) == 0 && len(m.titleWords) == 0 && len(m.stems) == 0 && len(m.prefixes) == 0
}

// spans returns the words of text that c matches: a whole word it looked up, a word whose stem
// it searched, or, in a title, a word starting with a prefix it searched.
func (c *compiled) spans(text string, title bool) []Span {
	if c.marks.empty() {
		return nil
	}
	var out []Span
	var found []wordMark
	wordsplit.Each(text, func(start, end int) {
		w := plainWord(text[start:end])
		found = found[:0]
		for _, m := range c.marks.words[w] {
			found = mergeMark(found, m)
		}
		if title {
			for _, m := range c.marks.titleWords[w] {
				found = mergeMark(found, m)
			}
			for _, p := range c.marks.prefixes {
				if strings.HasPrefix(w, p.prefix) {
					found = mergeMark(found, p.wordMark)
				}
			}
		}
		// Stemming is the costly test; most words fail the cheap look at their first letters.
		if c.marks.stemHeads[head(w)] {
			for _, m := range c.marks.stems[c.stemOf(w)] {
				found = mergeMark(found, m)
			}
		}
		if len(found) == 0 {
			return
		}
		sp := Span{Start: start, End: end, Words: make([]WordMatch, len(found))}
		for i, m := range found {
			sp.Words[i] = WordMatch{Word: c.words[m.word].text, Via: m.via}
		}
		out = append(out, sp)
	})
	return out
}

// head is what a word and its stem share at the least: the first three bytes. Porter's
// stemmer only rewrites endings.
func head(w string) string { return w[:min(3, len(w))] }

// stemOf is the stem the text analyzer makes of w, remembered for the search: the films of a
// page, and the films the proximity re-scoring reads, repeat their words. Only one goroutine
// asks: the re-scoring and the highlights come after the ranking's workers are done.
func (c *compiled) stemOf(w string) string {
	if st, ok := c.stems[w]; ok {
		return st
	}
	st := ""
	if t := terms(c.text, w); len(t) > 0 {
		st = t[0]
	}
	if c.stems == nil {
		c.stems = map[string]string{}
	}
	c.stems[w] = st
	return st
}

// plainWord is a word of stored text as the index reads it: lower case, without a possessive
// 's, accents folded.
func plainWord(w string) string { return fold(wordsplit.Bare(strings.ToLower(w))) }

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
