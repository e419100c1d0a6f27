package index

import (
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

// Weights of the ways a word can match, relative to the word itself in the same field.
const (
	weightSynonym     = 0.4
	weightTypo        = 0.3
	weightTitlePrefix = 1.2
	weightTextPrefix  = 0.4
	weightYear        = 2.0
	maxTypoCandidates = 4
	maxForms          = 12   // longer words a word or typed prefix stands for, most common first
	maxFormsScan      = 4096 // dictionary entries read to find them
	minTypoLen1       = 5    // one typo from five letters
	minTypoLen2       = 9    // two from nine
	minFormPrefixLen  = 5    // words this long also match longer forms of themselves
)

// compiled is a parsed query turned into Bleve clauses, plus what the builder learned about it.
type compiled struct {
	clauses  []query.Query // one per word: all must match, or one when relaxed
	phrases  []query.Query
	excluded []query.Query
	typos    map[string]string // typed word -> the stemmed term it was corrected to
	// What the highlighter looks for: whole words looked up in the words field, stems searched
	// in the text fields (with their first bytes, to skip stemming most words), and prefixes
	// searched in titles.
	marks     map[string]bool
	stems     map[string]bool
	stemHeads map[string]bool
	prefixes  []string
	text      analysis.Analyzer
	word      analysis.Analyzer
}

func (c *compiled) relaxable() bool { return len(c.clauses) > 1 }

func (c *compiled) query(relaxed bool) query.Query {
	if len(c.clauses) == 0 && len(c.phrases) == 0 {
		if len(c.excluded) == 0 {
			return bleve.NewMatchAllQuery()
		}
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(c.excluded...)
		return b
	}
	b := bleve.NewBooleanQuery()
	if relaxed {
		b.AddMust(c.phrases...)
		b.AddShould(c.clauses...)
		b.SetMinShould(1)
	} else {
		b.AddMust(append(append([]query.Query{}, c.clauses...), c.phrases...)...)
	}
	if len(c.excluded) > 0 {
		b.AddMustNot(c.excluded...)
	}
	return b
}

// analyzers the query side shares with the mapping.
type analyzers struct {
	text analysis.Analyzer // stems, drops stop words: what title/description/facts hold
	word analysis.Analyzer // lower-cased words: what the prefix fields are n-grams of
}

func (s *snapshot) analyzers() (analyzers, error) {
	m := s.idx.Mapping()
	a := analyzers{text: m.AnalyzerNamed(analyzerText), word: m.AnalyzerNamed(analyzerWord)}
	if a.text == nil || a.word == nil {
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

// compile turns p into clauses. Each word matches, in falling order of weight: itself (stemmed)
// in title, description and facts; its synonyms; longer words it is the start of (when it is
// being typed, or long enough to have other forms); and, only when the index has no such word,
// the words within its typo budget.
func (s *snapshot) compile(p parsedQuery) (*compiled, error) {
	a, err := s.analyzers()
	if err != nil {
		return nil, err
	}
	c := &compiled{typos: map[string]string{}, marks: map[string]bool{}, stems: map[string]bool{}, stemHeads: map[string]bool{}, text: a.text, word: a.word}
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	defer r.Close()
	d := newDict(r)

	for wi, w := range p.words {
		toks := terms(a.word, w)
		for ti, tok := range toks {
			typing := p.prefixLast && wi == len(p.words)-1 && ti == len(toks)-1
			if q := s.wordClause(a, d, tok, typing, c); q != nil {
				c.clauses = append(c.clauses, q)
			}
		}
	}
	for _, ph := range p.phrases {
		if q := phraseQuery(ph, 1); q != nil {
			c.phrases = append(c.phrases, q)
			c.highlightStems(terms(a.text, ph)...)
		}
	}
	for _, ex := range p.excluded {
		if strings.ContainsFunc(ex, unicode.IsSpace) {
			if q := phraseQuery(ex, 1); q != nil {
				c.excluded = append(c.excluded, q)
			}
			continue
		}
		for _, t := range terms(a.text, ex) {
			c.excluded = append(c.excluded, fieldTerms(t, 1)...)
		}
	}
	return c, nil
}

func (s *snapshot) wordClause(a analyzers, d *dict, tok string, typing bool, c *compiled) query.Query {
	var should []query.Query
	stem := ""
	if st := terms(a.text, tok); len(st) > 0 {
		stem = st[0]
	}
	n := utf8.RuneCountInString(tok)
	numeric := isNumber(tok)
	synKnown := false // a synonym the index has: the word is a theme, not a typo
	if stem != "" {
		should = append(should, fieldTerms(stem, 1)...)
		c.highlightStems(stem)
		for _, syn := range s.syn.For(tok) {
			if strings.ContainsFunc(syn, unicode.IsSpace) {
				if q := phraseQuery(syn, weightSynonym); q != nil {
					should = append(should, q)
					c.highlightStems(terms(a.text, syn)...)
				}
				continue
			}
			for _, t := range terms(a.text, syn) {
				should = append(should, fieldTerms(t, weightSynonym)...)
				c.highlightStems(t)
				synKnown = synKnown || d.hasAny(textFields, t)
			}
		}
	}
	if numeric && n == 4 {
		if y, _ := strconv.Atoi(tok); y >= 1888 && y <= 2100 {
			t := bleve.NewTermQuery(tok)
			t.SetField(fYear)
			t.SetBoost(weightYear)
			should = append(should, t)
		}
	}
	prefixKnown := false
	if typing || n >= minFormPrefixLen {
		pre := tok
		if n > maxPrefixLen {
			pre = string([]rune(tok)[:maxPrefixLen])
		}
		should = append(should, termQuery(pre, fTitlePrefix, weightTitlePrefix))
		c.prefixes = append(c.prefixes, pre)
		var forms []string
		if n >= 2 {
			forms = d.completions(fWords, tok, maxForms)
			if stem != "" {
				forms = otherForms(a.text, stem, forms)
			}
			for _, w := range forms {
				should = append(should, termQuery(w, fWords, weightTextPrefix))
				c.marks[w] = true
			}
		}
		// Only a word being typed is spared correction for starting real words: a finished
		// word that merely begins others (dunae: Dunaev) may still be a misspelling (duane).
		prefixKnown = typing && (len(forms) > 0 || d.has(fTitlePrefix, pre) || d.has(fWords, tok))
	}
	// Typos: only for words the index does not know, so a correct word never pulls in its
	// neighbours, a word being typed that starts real words is not "corrected", and a theme
	// word ("colour", "revolt") is read through its synonyms rather than as a misspelling.
	if stem != "" && !numeric && n >= minTypoLen1 && !prefixKnown && !synKnown && !d.hasAny(textFields, stem) {
		budget := 1
		if n >= minTypoLen2 {
			budget = 2
		}
		for i, cand := range d.nearWords(a.text, tok, budget) {
			if i == 0 {
				c.typos[tok] = cand.term
			}
			w := weightTypo / float64(cand.dist)
			if cand.stem != "" {
				should = append(should, fieldTerms(cand.stem, w)...)
				c.highlightStems(cand.stem)
			}
			c.prefixes = append(c.prefixes, cand.term)
			should = append(should, termQuery(cand.term, fTitlePrefix, w*weightTitlePrefix), termQuery(cand.term, fWords, w*weightTextPrefix))
			c.marks[cand.term] = true
		}
	}
	if len(should) == 0 {
		return nil
	}
	return bleve.NewDisjunctionQuery(should...)
}

// highlightStems records stems the text fields are searched for.
func (c *compiled) highlightStems(stems ...string) {
	for _, st := range stems {
		c.stems[st] = true
		c.stemHeads[head(st)] = true
	}
}

func termQuery(term, field string, boost float64) query.Query {
	t := bleve.NewTermQuery(term)
	t.SetField(field)
	t.SetBoost(boost)
	return t
}

// fieldTerms matches a stemmed term in each text field at the field's weight times w.
func fieldTerms(term string, w float64) []query.Query {
	qs := make([]query.Query, 0, len(textFields))
	for _, f := range textFields {
		qs = append(qs, termQuery(term, f, w*fieldBoost[f]))
	}
	return qs
}

func phraseQuery(text string, w float64) query.Query {
	qs := make([]query.Query, 0, len(textFields))
	for _, f := range textFields {
		m := bleve.NewMatchPhraseQuery(text)
		m.SetField(f)
		m.SetBoost(w * fieldBoost[f])
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

type candidate struct {
	term  string
	dist  int
	count uint64
	stem  string // the term's stem when the term is a whole word of the text fields
}

// nearWords returns up to maxTypoCandidates words of the text and word beginnings of titles
// within budget typos of word, nearest first, whole words before beginnings, then the most
// common. A typo is a letter inserted, deleted or replaced, or two neighbours swapped.
//
// Candidates come from unstemmed words, not the stemmed ones: stemming a misspelt word garbles
// it (perpetaully: perpetaulli, far from perpetu). Title candidates include word beginnings, so
// a title word still being typed is corrected to the start of a word, not a whole one.
func (d *dict) nearWords(text analysis.Analyzer, word string, budget int) []candidate {
	if r := []rune(word); len(r) > maxPrefixLen {
		word = string(r[:maxPrefixLen])
	}
	// Levenshtein counts a swap as two edits; look one further and keep what is within budget.
	cands := d.fuzzy([]string{fTitlePrefix, fWords}, word, min(budget+1, 2))
	out := cands[:0]
	for _, c := range cands {
		c.dist = typoDistance(word, c.term)
		if c.dist == 0 || c.dist > budget {
			continue
		}
		if st := terms(text, c.term); len(st) > 0 && d.hasAny(textFields, st[0]) {
			c.stem = st[0]
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if (a.stem != "") != (b.stem != "") {
			return a.stem != ""
		}
		if a.count != b.count {
			return a.count > b.count
		}
		return a.term < b.term
	})
	if len(out) > maxTypoCandidates {
		out = out[:maxTypoCandidates]
	}
	return out
}

// typoDistance is the optimal string alignment distance of a and b in runes: Levenshtein with
// a swap of two neighbours counted as one edit.
func typoDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}

// maxFuzzyRunes bounds the terms fuzzy looks up: no real word is longer, and building the
// Levenshtein automaton costs time in proportion to the term (a 512-byte word took 45 ms).
const maxFuzzyRunes = 40

// fuzzy returns the terms within dist edits of term, nearest and most common first; none for
// a term longer than maxFuzzyRunes.
func (d *dict) fuzzy(fields []string, term string, dist int) []candidate {
	if utf8.RuneCountInString(term) > maxFuzzyRunes {
		return nil
	}
	rf, ok := d.r.(bindex.IndexReaderFuzzy)
	if !ok {
		return nil
	}
	byTerm := map[string]*candidate{}
	for _, f := range fields {
		fd, err := rf.FieldDictFuzzy(f, term, dist, "")
		if err != nil {
			continue
		}
		for {
			e, err := fd.Next()
			if err != nil || e == nil {
				break
			}
			c := byTerm[e.Term]
			if c == nil {
				c = &candidate{term: e.Term, dist: int(e.EditDistance)}
				byTerm[e.Term] = c
			}
			c.count += e.Count
		}
		fd.Close()
	}
	out := make([]candidate, 0, len(byTerm))
	for _, c := range byTerm {
		if c.dist == 0 {
			c.dist = 1
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.count != b.count {
			return a.count > b.count
		}
		return a.term < b.term
	})
	return out
}

// otherForms keeps the forms a word does not already match through its stem: the word itself
// and its inflections (comedy, comedies) are found by the stem; comedic and comedian are not.
// Fewer terms make the query on common words several times cheaper.
func otherForms(text analysis.Analyzer, stem string, forms []string) []string {
	out := forms[:0]
	for _, w := range forms {
		if st := terms(text, w); len(st) == 0 || st[0] != stem {
			out = append(out, w)
		}
	}
	return out
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
