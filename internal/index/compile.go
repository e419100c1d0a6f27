package index

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// The ways a query word can match a film, from the best to the weakest. A word scores by the
// best way it matches (never an average over the ways it does not), so an exact word outranks
// another form of it, which outranks a longer word it begins, which outranks a correction.
type matchKind uint8

const (
	kindExact   matchKind = iota // the word as typed, accents and case aside
	kindStem                     // another form with the same stem: wars for war
	kindSynonym                  // a word of the same theme
	kindPrefix                   // a longer word the word being typed begins
	kindTypo                     // a word within the typo budget of one the index lacks
	kindYear                     // a four-digit number as the film's year
	kindJoined                   // one word the index has for two typed apart: ghostbusters for "ghost busters"
)

var kindWeight = [...]float64{
	kindExact:   1,
	kindStem:    1,
	kindSynonym: 0.45,
	kindPrefix:  0.6,
	kindTypo:    0.5, // divided by the number of typos
	kindYear:    1,
	kindJoined:  1, // the words themselves, written another way
}

// Typo and expansion limits.
const (
	maxTypoCandidates = 4
	maxTypoWords      = 5 // words of one query corrected at most
	// Dictionary nodes one query reads looking for corrections, at most: a walk reads 1,000 to
	// 3,000 for a word with one typo allowed and 5,000 to 17,000 for two, about 0.5 ms. Once a
	// query has read this many, its later unknown words are searched as typed: a query of 64
	// unknown words costs a dozen walks, not 64.
	maxTypoNodes = 100_000
	maxForms     = 12   // longer words a typed prefix stands for, most common first
	maxFormsScan = 4096 // dictionary entries read to find them
	minTypoLen1  = 4    // one typo from four letters, as Algolia
	minTypoLen2  = 8    // two from eight
)

// group is one way a word can match: a term (or a phrase, for a synonym of several words)
// searched in some fields and scored as one BM25F term.
type group struct {
	word   int
	kind   matchKind
	weight float64
	term   string
	fields []string
	phrase query.Query // non-nil: the group matches where this phrase does
	// scores: the group only scores films the word's other groups find (the parts of a word
	// typed as one, which its phrase finds).
	scores bool
}

// qword is one word of the query.
type qword struct {
	text string
	// stop: a stop word. It never decides whether a film matches (it would match nearly all)
	// and does not count toward the words matched, but it scores where it occurs.
	stop  bool
	stem  string // its stem in the stemmed fields, for proximity; "" for a stop word
	times int    // how often the query has it
}

// compiled is a parsed query turned into the groups the ranker searches, plus what the
// builder learned about it.
type compiled struct {
	words    []qword
	groups   []group
	phrases  []query.Query     // every one must match
	excluded []query.Query     // none may match
	typos    map[string]string // typed word -> the word it was corrected to
	// typoNodes is how many dictionary nodes the search for corrections has read.
	typoNodes int
	splitAs   map[string]string // typed word -> the two words it was read as ("toy story")
	marks     marks             // what the highlighter looks for
	stems     map[string]string // word -> its stem, for stemOf
	text      analysis.Analyzer
	exact     analysis.Analyzer
}

// counted is the number of words that decide the match: all but stop words, or all of them
// when the query has nothing else.
func (c *compiled) counted() int {
	n := 0
	for _, w := range c.words {
		if !w.stop {
			n++
		}
	}
	return n
}

// browse reports whether the query has nothing to rank by.
func (c *compiled) browse() bool { return len(c.groups) == 0 && len(c.phrases) == 0 }

// analyzers the query side shares with the mapping.
type analyzers struct {
	text  analysis.Analyzer // stems, drops stop words: what stemFields hold
	exact analysis.Analyzer // words as written, folded: what exactFields hold
}

func (s *snapshot) analyzers() (analyzers, error) {
	m := s.idx.Mapping()
	a := analyzers{text: m.AnalyzerNamed(analyzerText), exact: m.AnalyzerNamed(analyzerExact)}
	if a.text == nil || a.exact == nil {
		return a, fmt.Errorf("build %s lacks the query analyzers", s.manifest.ID)
	}
	return a, nil
}

func terms(a analysis.Analyzer, text string) []string {
	ts := a.Analyze([]byte(text))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// compile turns p into groups. Each word matches, in falling order of weight: itself in every
// field; other forms of it in the text fields; its synonyms; longer words it is the start of
// (only while it is being typed); a year; and, only when the index has no such word, the words
// within its typo budget. A quoted phrase's words are words too, and the phrase must match.
func (s *snapshot) compile(ctx context.Context, r bindex.IndexReader, p parsedQuery) (*compiled, error) {
	a, err := s.analyzers()
	if err != nil {
		return nil, err
	}
	c := &compiled{typos: map[string]string{}, splitAs: map[string]string{}, text: a.text, exact: a.exact}
	d := newDict(r)
	seen := map[string]int{} // a word typed twice is searched once and weighs twice
	var typed []int          // the words in the order typed, repeats too
	for wi, w := range p.words {
		toks := terms(a.exact, w)
		for ti, tok := range toks {
			typing := p.prefixLast && wi == len(p.words)-1 && ti == len(toks)-1
			if i, ok := seen[tok]; ok && !typing {
				c.words[i].times++
				typed = append(typed, i)
				continue
			}
			seen[tok] = len(c.words)
			typed = append(typed, len(c.words))
			if err := s.addWord(ctx, a, d, tok, typing, c); err != nil {
				return nil, err
			}
		}
	}
	addJoined(a, d, typed, seen, c)
	seenPhrase := map[string]bool{}
	for _, ph := range p.phrases {
		key := strings.Join(terms(a.exact, ph), " ")
		if seenPhrase[key] {
			continue // the same phrase twice asks nothing more, and each costs a search
		}
		seenPhrase[key] = true
		if q := phraseQuery(ph, stemFields); q != nil {
			c.phrases = append(c.phrases, q)
			for _, tok := range terms(a.exact, ph) {
				if _, ok := seen[tok]; !ok {
					seen[tok] = len(c.words)
					if err := s.addWord(ctx, a, d, tok, false, c); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	for _, ex := range p.excluded {
		if strings.ContainsFunc(ex, unicode.IsSpace) {
			if q := phraseQuery(ex, stemFields); q != nil {
				c.excluded = append(c.excluded, q)
			}
			continue
		}
		for _, t := range terms(a.exact, ex) {
			c.excluded = append(c.excluded, termsQuery(t, exactFields))
		}
	}
	// A query of stop words alone ("it", "the who") is still a query: its words decide.
	// Otherwise a stop word scores nothing (a title's "in" and "of" said more than the words
	// around them) and only tells a title that is exactly the query.
	if c.counted() == 0 {
		for i := range c.words {
			c.words[i].stop = false
		}
	}
	for i, g := range c.groups {
		if c.words[g.word].stop {
			c.groups[i].weight = 0
		}
	}
	return c, nil
}

// Splitting a word the index lacks in two: each part has at least minSplitPart letters (when a
// split replaced the corrections, parts of two letters read misspelt words as splits and took
// known-item MRR@10 with a typo from 0.949 to 0.896; with both readings searched, as now, three
// and two measure the same, and three makes fewer phrase searches), a longer word is not tried,
// and at most maxSplitWords words of a query are split, each a phrase search.
const (
	minSplitPart  = 3
	maxSplitLen   = 32
	maxSplitWords = 2
)

// addJoined lets two words typed one after the other match the one word the index has for
// them together, as Algolia and Meilisearch join them: "ghost busters" finds Ghostbusters,
// "audio visual" audiovisual. The joined word counts as each of the two.
func addJoined(a analyzers, d *dict, typed []int, seen map[string]int, c *compiled) {
	for i := 0; i+1 < len(typed); i++ {
		x, y := typed[i], typed[i+1]
		if x == y || c.words[x].stop || c.words[y].stop {
			continue
		}
		joined := c.words[x].text + c.words[y].text
		if _, ok := seen[joined]; ok || !d.hasAny(exactFields, joined) {
			continue
		}
		stem := ""
		if st := terms(a.text, joined); len(st) > 0 {
			stem = st[0]
		}
		for _, w := range []int{x, y} {
			if stem != "" {
				c.groups = append(c.groups, group{word: w, kind: kindJoined, weight: kindWeight[kindJoined], term: stem, fields: stemFields})
				c.marks.addStems(w, ViaForm, stem)
			}
			c.groups = append(c.groups, group{word: w, kind: kindJoined, weight: kindWeight[kindJoined], term: joined, fields: peopleFields})
			c.marks.addWord(joined, w, ViaForm)
		}
	}
}

// addWord adds the groups of the query word tok to c. It returns ctx's error when the deadline
// passes, before or while it looks for corrections.
func (s *snapshot) addWord(ctx context.Context, a analyzers, d *dict, tok string, typing bool, c *compiled) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wi := len(c.words)
	w := qword{text: tok, times: 1}
	add := func(kind matchKind, weight float64, term string, fields []string) {
		c.groups = append(c.groups, group{word: wi, kind: kind, weight: weight, term: term, fields: fields})
	}
	stem := ""
	if st := terms(a.text, tok); len(st) > 0 {
		stem = st[0]
	}
	w.stop = stem == "" && stopSet[tok]
	w.stem = stem
	n := utf8.RuneCountInString(tok)
	numeric := isNumber(tok)
	known := d.hasAny(exactFields, tok)
	if w.stop {
		// Only in titles: "It", "The Wizard of Oz". Elsewhere a stop word says nothing.
		add(kindExact, kindWeight[kindExact], tok, []string{fTitleX})
		c.marks.addTitleWord(tok, wi)
		c.words = append(c.words, w)
		return nil
	}
	add(kindExact, kindWeight[kindExact], tok, exactFields)
	c.marks.addWord(tok, wi, ViaWord)
	synKnown := false // a synonym the index has: the word is a theme, not a typo
	if stem != "" {
		known = known || d.hasAny(stemFields, stem)
		add(kindStem, kindWeight[kindStem], stem, stemFields)
		c.marks.addStems(wi, ViaForm, stem)
		for _, syn := range s.syn.For(tok) {
			if strings.ContainsFunc(syn, unicode.IsSpace) {
				if q := phraseQuery(syn, stemFields); q != nil {
					c.groups = append(c.groups, group{word: wi, kind: kindSynonym, weight: kindWeight[kindSynonym], term: syn, phrase: q})
					c.marks.addStems(wi, ViaSynonym, terms(a.text, syn)...)
				}
				continue
			}
			for _, t := range terms(a.text, syn) {
				add(kindSynonym, kindWeight[kindSynonym], t, stemFields)
				c.marks.addStems(wi, ViaSynonym, t)
				synKnown = synKnown || d.hasAny(stemFields, t)
			}
		}
	}
	if numeric && n == 4 {
		if y, _ := strconv.Atoi(tok); y >= MinYear && y <= MaxYear {
			add(kindYear, kindWeight[kindYear], tok, []string{fYear})
		}
	}
	prefixKnown := false
	if typing {
		pre := tok
		if n > maxPrefixLen {
			pre = string([]rune(tok)[:maxPrefixLen])
		}
		add(kindPrefix, kindWeight[kindPrefix], pre, []string{fTitlePrefix})
		c.marks.addPrefix(pre, wi, ViaPrefix)
		var forms []string
		if n >= 2 {
			for _, f := range d.completions(fDescriptionX, tok, maxForms) {
				if f != tok {
					forms = append(forms, f)
				}
			}
			for _, f := range forms {
				add(kindPrefix, kindWeight[kindPrefix], f, exactFields)
				c.marks.addWord(f, wi, ViaPrefix)
			}
		}
		// A word being typed that starts real words is not "corrected".
		prefixKnown = len(forms) > 0 || d.has(fTitlePrefix, pre)
	}
	// A word the index lacks may be two it has, typed together: "spiderman" is Spider-Man. It
	// may be a typo too ("wetlands" for "wetland"): both readings are searched.
	if !known && !numeric && !prefixKnown && len(c.splitAs) < maxSplitWords {
		if x, y := d.split(ctx, tok); x != "" {
			ph := x + " " + y
			c.splitAs[tok] = ph
			if q := phraseQuery(ph, stemFields); q != nil {
				c.groups = append(c.groups, group{word: wi, kind: kindJoined, weight: kindWeight[kindJoined], term: ph, phrase: q})
				// The phrase finds the films; its words score them, in the fields they are in.
				for _, t := range terms(a.text, ph) {
					c.groups = append(c.groups, group{word: wi, kind: kindJoined, weight: kindWeight[kindJoined], term: t, fields: stemFields, scores: true})
					c.marks.addStems(wi, ViaForm, t)
				}
			}
		}
	}
	// Typos: only for words the index does not know, so a correct word never pulls in its
	// neighbours, a word being typed that starts real words is not "corrected", and a theme
	// word ("colour", "revolt") is read through its synonyms rather than as a misspelling.
	if !known && !numeric && !w.stop && n >= minTypoLen1 && !prefixKnown && !synKnown && len(c.typos) < maxTypoWords && c.typoNodes < maxTypoNodes {
		budget := 1
		if n >= minTypoLen2 {
			budget = 2
		}
		cands, read, err := s.typos.nearWords(ctx, tok, budget, typing)
		c.typoNodes += read
		if err != nil {
			return err
		}
		for i, cand := range cands {
			if i == 0 {
				c.typos[tok] = cand.term
			}
			wt := kindWeight[kindTypo] / float64(cand.dist)
			add(kindTypo, wt, cand.term, append([]string{fTitlePrefix}, exactFields...))
			c.marks.addPrefix(cand.term, wi, ViaCorrection)
			c.marks.addWord(cand.term, wi, ViaCorrection)
			if st := terms(a.text, cand.term); len(st) > 0 {
				c.marks.addStems(wi, ViaCorrection, st[0])
				if w.stem == "" || w.stem == stem {
					w.stem = st[0]
				}
			}
		}
	}
	c.words = append(c.words, w)
	return nil
}

func termQuery(term, field string, boost float64) query.Query {
	t := bleve.NewTermQuery(term)
	t.SetField(field)
	t.SetBoost(boost)
	return t
}

// termsQuery matches term in any of fields.
func termsQuery(term string, fields []string) query.Query {
	qs := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		qs = append(qs, termQuery(term, f, 1))
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// phraseQuery matches text as a phrase in any of fields.
func phraseQuery(text string, fields []string) query.Query {
	qs := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		m := bleve.NewMatchPhraseQuery(text)
		m.SetField(f)
		qs = append(qs, m)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// dict answers questions about the terms of a snapshot's fields, for one query: it keeps each
// field's membership test, as a query asks several per word.
type dict struct {
	r        bindex.IndexReader
	contains map[string]bindex.FieldDictContains
}

func newDict(r bindex.IndexReader) *dict {
	return &dict{r: r, contains: map[string]bindex.FieldDictContains{}}
}

func (d *dict) has(field, term string) bool {
	fd, ok := d.contains[field]
	if !ok {
		if rc, ok := d.r.(bindex.IndexReaderContains); ok {
			if c, err := rc.FieldDictContains(field); err == nil {
				fd = c // on error, nil: the field is treated as empty
			}
		}
		d.contains[field] = fd
	}
	if fd == nil {
		return false
	}
	found, err := fd.Contains([]byte(term))
	return err == nil && found
}

func (d *dict) hasAny(fields []string, term string) bool {
	for _, f := range fields {
		if d.has(f, term) {
			return true
		}
	}
	return false
}

// Two words each in more than this share of the films are not read as one typed together:
// "filmamerican" is no title, and their phrase is the costliest search there is.
const splitCommonShare = 0.1

// split returns the two words of the index that w is, typed together, or "" when it is none:
// of the ways to cut it in two words the index has (each at least minSplitPart letters), the
// one whose rarer part is the commonest, as the likeliest reading ("starwars": star wars).
func (d *dict) split(ctx context.Context, w string) (string, string) {
	if len(w) < 2*minSplitPart || len(w) > maxSplitLen {
		return "", ""
	}
	var bx, by string
	best := uint64(0)
	for i := minSplitPart; i <= len(w)-minSplitPart; i++ {
		x, y := w[:i], w[i:]
		if !utf8.ValidString(x) || stopSet[x] || stopSet[y] {
			continue
		}
		if f := min(d.count(ctx, x), d.count(ctx, y)); f > best {
			bx, by, best = x, y, f
		}
	}
	if n, err := d.r.DocCount(); err != nil || float64(best) > splitCommonShare*float64(n) {
		return "", ""
	}
	return bx, by
}

// count is how many films have term in their description or title, as written.
func (d *dict) count(ctx context.Context, term string) uint64 {
	n := uint64(0)
	for _, f := range []string{fDescriptionX, fTitleX} {
		if !d.has(f, term) {
			continue
		}
		r, err := d.r.TermFieldReader(ctx, []byte(term), f, false, false, false)
		if err != nil {
			continue
		}
		n = max(n, r.Count())
		r.Close()
	}
	return n
}

type candidate struct {
	term  string
	dist  int
	whole bool // a whole word somewhere, not only the beginning of a title word
}

// completions returns up to k words of field that start with prefix, the prefix itself
// included when it is a word, the most common first. It reads at most maxFormsScan entries: a short prefix of a large
// collection starts tens of thousands of words, and the first ones read are enough.
func (d *dict) completions(field, prefix string, k int) []string {
	fd, err := d.r.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return nil
	}
	defer fd.Close()
	var found []bindex.DictEntry
	for i := 0; i < maxFormsScan; i++ {
		e, err := fd.Next()
		if err != nil || e == nil {
			break
		}
		found = append(found, *e)
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].Count != found[j].Count {
			return found[i].Count > found[j].Count
		}
		return found[i].Term < found[j].Term
	})
	out := make([]string, 0, min(k, len(found)))
	for i := 0; i < len(found) && i < k; i++ {
		out = append(out, found[i].Term)
	}
	return out
}
