package index

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
	segapi "github.com/blevesearch/scorch_segment_api/v2"

	"filmsearch/internal/corpus"
	"filmsearch/internal/wordsplit"
)

// The ranker reads Bleve's postings itself rather than searching through Bleve's queries:
// Bleve scales a disjunction by the share of its clauses that match, so a word expanded into
// fields, forms and corrections loses most of its weight wherever only one of them matches, and
// its BM25 averages field lengths wrongly. Here each film is scored in one pass over the
// postings of every way each word can match:
//
//  1. words: for a search-box query (up to maxRuleWords words), films that match more of its
//     distinctive words come first, as Meilisearch's "words" rule; a word found in more than
//     distinctiveShare of the films is not distinctive, and a stop word never is. A longer,
//     written request is ranked by 2 alone: on the test collections, ordering by words matched
//     cost a quarter of nDCG@10 on requests and up to a tenth on three-word queries when every
//     word counted, and nothing on three-word queries when only distinctive words did;
//  2. within that, BM25F: a word's ways of matching are each scored across the fields, with
//     field weights and length normalisation, and the word counts by its best way;
//  3. the best films are then re-scored for proximity (the words of the query standing together
//     in a field, as in "civil war") and a title that is exactly the query.

// Ranking parameters, chosen by measurement (make relevance-ir, make relevance; the figures
// are in the README's ranking section).
const (
	bm25K1           = 1.2
	rerankDepth      = 20   // films re-scored for proximity
	maxRuleWords     = 4    // longer queries are requests: no words rule
	distinctiveShare = 0.01 // a word in more films than this share does not decide the tier,
	minDistinctive   = 2.0  // unless they are this few
	proximityWeight  = 0.1
	exactTitleBoost  = 0.2 // a title that is the query, word for word, counts this much more
	exactEdge        = 0.1 // what a word as written adds to the same word in another form
	checkEvery       = 256 // films scored between deadline checks
	commonShare      = 0.1 // see open
)

// fieldParam is a field's weight in BM25F and its length normalisation b.
type fieldParam struct{ weight, b float64 }

var fieldParams = map[string]fieldParam{
	fTitle: {2, 0.5}, fTitleX: {2, 0.5},
	fDescription: {1, 0.5}, fDescriptionX: {1, 0.5},
	fFacts: {1, 0.5}, fFactsX: {1, 0.5},
	fGenres: {1, 0.3}, fGenresX: {1, 0.3},
	fLead: {3, 0.3}, fCast: {1.5, 0.3}, fDirector: {2, 0.3},
	fTitlePrefix: {2, 0.5},
	fYear:        {1, 0},
	fCompany:     {1, 0}, fDecade: {1, 0}, // searched by similar films only
}

// sameText maps an exact field to the stemmed field of the same text.
var sameText = map[string]string{fTitleX: fTitle, fDescriptionX: fDescription, fFactsX: fFacts, fGenresX: fGenres}

const done = math.MaxInt

// cursor walks the postings of one group in one field, or the matches of a phrase.
type cursor struct {
	r     bindex.TermFieldReader  // Bleve's postings; or
	it    segapi.PostingsIterator // zap's, on a build of one segment (see openTerm)
	n     uint64                  // films in the postings
	field string                  // of the postings: a split ranking opens them again for each part
	tfd   bindex.TermFieldDoc
	id    [8]byte  // the film asked for, reused: advancing is the hot path
	ph    *matcher // a phrase instead of a term
	doc   int      // current film, or done
	tf    float64
	len   float64
	group int
	// ord is the cursor's place in the plan: cursors on the same film are scored in this
	// order, so sums of floats come out the same whichever way the films were reached.
	ord   int
	param fieldParam
	avg   float64
	drive bool // its films are candidates; otherwise it only scores films others found
	title bool // the exact title field: for exactness
}

func (c *cursor) read(tfd *bindex.TermFieldDoc, err error) error {
	if err != nil {
		return err
	}
	if tfd == nil {
		c.doc = done
		return nil
	}
	c.doc = docNum(tfd.ID)
	c.tf = float64(tfd.Freq)
	c.len = c.avg
	if tfd.Norm > 0 {
		c.len = 1 / (tfd.Norm * tfd.Norm)
	}
	return nil
}

func (c *cursor) next() error {
	if c.ph != nil {
		c.doc = c.ph.next()
		c.tf, c.len = 1, c.avg
		return c.ph.err
	}
	if c.it != nil {
		return c.readPosting(c.it.Next())
	}
	return c.read(c.r.Next(&c.tfd))
}

func (c *cursor) advance(d int) error {
	if c.doc >= d {
		return nil
	}
	if c.ph != nil {
		if c.ph.matches(d) {
			c.doc = d
		} else {
			c.doc = c.ph.cur
		}
		c.tf, c.len = 1, c.avg
		return c.ph.err
	}
	if c.it != nil {
		return c.readPosting(c.it.Advance(uint64(d)))
	}
	binary.BigEndian.PutUint64(c.id[:], uint64(d))
	return c.read(c.r.Advance(c.id[:], &c.tfd))
}

func (c *cursor) close() {
	if c.r != nil {
		c.r.Close()
	}
	if c.ph != nil {
		c.ph.close()
	}
}

func internalID(d int) bindex.IndexInternalID {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(d))
	return b
}

// matcher answers whether a Bleve query (a phrase, an excluded word) matches a film, for films
// asked in increasing order.
type matcher struct {
	s   search.Searcher
	sc  *search.SearchContext
	id  [8]byte
	cur int // the film it stands on, or done; -1 before the first
	err error
}

func newMatcher(ctx context.Context, r bindex.IndexReader, s *snapshot, q query.Query) (*matcher, error) {
	srch, err := q.Searcher(ctx, r, s.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("searcher: %w", err)
	}
	sc := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(srch.DocumentMatchPoolSize(), 0), IndexReader: r}
	return &matcher{s: srch, sc: sc, cur: -1}, nil
}

func (m *matcher) set(dm *search.DocumentMatch, err error) int {
	switch {
	case err != nil:
		m.err, m.cur = err, done
	case dm == nil:
		m.cur = done
	default:
		m.cur = docNum(dm.IndexInternalID)
		m.sc.DocumentMatchPool.Put(dm)
	}
	return m.cur
}

func (m *matcher) next() int { return m.set(m.s.Next(m.sc)) }

func (m *matcher) matches(d int) bool {
	if m.cur < d {
		binary.BigEndian.PutUint64(m.id[:], uint64(d))
		m.set(m.s.Advance(m.sc, m.id[:]))
	}
	return m.cur == d
}

func (m *matcher) close() { m.s.Close() }

// entry is a film that matched, with what orders it.
type entry struct {
	doc    int32
	words  int32 // query words matched
	tier   int32 // distinctive words matched, when they decide
	rel    float64
	sortBy int32 // year or title rank, for the other sort orders
}

// ranking is one query's run over a snapshot.
type ranking struct {
	s   *snapshot
	c   *compiled
	r   bindex.IndexReader
	req Request
	all bool // match=all: every counted word must match
	// likeness: the query is a film's features, not words typed in a box (similar films): no
	// words rule, and every feature finds films, however common.
	likeness bool
	// read holds the films the proximity re-scoring loaded, for the page to show.
	read    map[int32]corpus.Film
	cursors []*cursor
	passive []*cursor
	// phrased, when the query has phrases (non-nil): the films that have them all, in
	// increasing order. They are the candidates.
	phrased []int
	exclude []*matcher
	// lend lends the ranking places among the queries running, for helpers; nil lends none.
	lend lender
	// own is a forked ranking's reader (see fork), closed with it.
	own     bindex.IndexReader
	idf     []float64 // per group
	decides []bool    // per word: its presence decides the tier

	// per film scratch
	gtf     []float64
	touched []int
	best    []float64
	parts   []float64 // per word: what the parts of a word typed as one score together
	exact   []float64
	inTitle []bool
}

func (rk *ranking) close() {
	for _, c := range rk.cursors {
		c.close()
	}
	for _, c := range rk.passive {
		c.close()
	}
	for _, m := range rk.exclude {
		m.close()
	}
	if rk.own != nil {
		rk.own.Close()
	}
}

func idf(n, df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }

// open creates the cursors of every group and the matchers of phrases and excluded words.
func (rk *ranking) open(ctx context.Context) error {
	c, s := rk.c, rk.s
	n := float64(s.cols.n)
	rk.idf = make([]float64, len(c.groups))
	exactIDF := make([]float64, len(c.words))
	stemmed := make([]bool, len(c.words))
	// In a long request, a word in more than commonShare of the films scores the films the
	// other words find but finds none itself: its postings would be most of the work.
	long := c.counted() > maxRuleWords
	for _, g := range c.groups {
		stemmed[g.word] = stemmed[g.word] || g.kind == kindStem
	}
	for gi, g := range c.groups {
		// A long query opens hundreds of postings lists here: the deadline holds between them.
		if err := ctx.Err(); err != nil {
			return err
		}
		stop := c.words[g.word].stop
		if g.phrase != nil {
			m, err := newMatcher(ctx, rk.r, s, g.phrase)
			if err != nil {
				return err
			}
			cur := &cursor{ph: m, ord: len(rk.cursors) + len(rk.passive), group: gi, param: fieldParams[fDescription], avg: 1, drive: !stop, doc: -1}
			rk.idf[gi] = idf(n, float64(max(1, m.s.Count())))
			rk.add(cur)
			continue
		}
		df := uint64(0)
		for _, f := range g.fields {
			cur := &cursor{field: f, ord: len(rk.cursors) + len(rk.passive), group: gi, param: fieldParams[f], avg: s.manifest.Fields[f].avg(), doc: -1, title: f == fTitleX && (g.kind == kindExact || g.kind == kindTypo)}
			if err := cur.openTerm(ctx, rk.r, g.term, f); err != nil {
				return err
			}
			if cur.n == 0 {
				cur.close()
				continue
			}
			df = max(df, cur.n)
			// A word's stem postings hold every film its exact form is in, in the same texts:
			// those exact cursors only score what the stem cursors find, at half the cost.
			cur.drive = !stop && !g.scores && !(g.kind == kindExact && stemmed[g.word] && sameText[f] != "") &&
				!(long && !rk.likeness && cur.n > uint64(commonShare*n))
			rk.add(cur)
		}
		rk.idf[gi] = idf(n, float64(df))
		if g.kind == kindExact {
			exactIDF[g.word] = rk.idf[gi]
		}
	}
	// The word as written and its other forms are one word to BM25: both weigh by the rarity
	// of the stem, so writing it exactly is an edge (its kind's weight), not a rarer word.
	stemIDF := make([]float64, len(c.words))
	for gi, g := range c.groups {
		if g.kind == kindStem && rk.idf[gi] > 0 {
			stemIDF[g.word] = rk.idf[gi]
		}
	}
	for gi, g := range c.groups {
		if g.kind == kindExact && stemIDF[g.word] > 0 {
			rk.idf[gi] = stemIDF[g.word]
			exactIDF[g.word] = stemIDF[g.word]
		}
	}
	if len(rk.cursors) == 0 { // nothing but common words: the rarest of them find the films
		finders := len(c.words)
		if planning {
			finders = maxRuleWords
		}
		rk.promoteRarest(finders)
	}
	if planning && rk.all && !rk.likeness {
		rk.driveByRarest()
	}
	if planning {
		rk.keepWithinBudget()
	}
	// A longer form or a correction never outweighs the word itself.
	for gi, g := range c.groups {
		if (g.kind == kindPrefix || g.kind == kindTypo || g.kind == kindJoined) && exactIDF[g.word] > 0 {
			rk.idf[gi] = min(rk.idf[gi], exactIDF[g.word])
		}
	}
	if err := rk.matchPhrases(ctx); err != nil {
		return err
	}
	for _, q := range c.excluded {
		m, err := newMatcher(ctx, rk.r, s, q)
		if err != nil {
			return err
		}
		rk.exclude = append(rk.exclude, m)
	}
	// The words rule: a short query's distinctive words decide the order before BM25F does.
	rk.decides = make([]bool, len(c.words))
	if c.counted() <= maxRuleWords && !rk.likeness {
		for gi, g := range c.groups {
			if (g.kind <= kindStem || g.kind == kindJoined) && rk.idf[gi] >= idf(n, max(distinctiveShare*n, minDistinctive)) {
				rk.decides[g.word] = !c.words[g.word].stop
			}
		}
	}
	rk.scratch()
	return nil
}

// scratch makes the per-film scratch space of score.
func (rk *ranking) scratch() {
	rk.gtf = make([]float64, len(rk.c.groups))
	rk.touched = nil
	rk.best = make([]float64, len(rk.c.words))
	rk.parts = make([]float64, len(rk.c.words))
	rk.exact = make([]float64, len(rk.c.words))
	rk.inTitle = make([]bool, len(rk.c.words))
}

// The query plan: which cursors find films and which only score them, and how many may run.
// Tests switch planning off to compare against the plain plan (every word finds films).
var (
	planning   = true
	workBudget = uint64(2_000_000) // candidate films times cursors; see keepWithinBudget
)

// count is how many films the cursor's postings hold.
func (c *cursor) count() uint64 {
	if c.ph != nil {
		return c.ph.s.Count()
	}
	return c.n
}

// wordFilms is, per word of the query, how many films its cursors may find at most.
func (rk *ranking) wordFilms() []uint64 {
	films := make([]uint64, len(rk.c.words))
	for _, cs := range [2][]*cursor{rk.cursors, rk.passive} {
		for _, cur := range cs {
			films[rk.c.groups[cur.group].word] += cur.count()
		}
	}
	return films
}

// wordsByRarity returns the query's words that can find films (not stop words), rarest first.
func (rk *ranking) wordsByRarity() []int {
	films := rk.wordFilms()
	var ws []int
	for w, qw := range rk.c.words {
		if !qw.stop && films[w] > 0 {
			ws = append(ws, w)
		}
	}
	slices.SortStableFunc(ws, func(a, b int) int { return cmp.Compare(films[a], films[b]) })
	return ws
}

// promoteRarest lets the cursors of the query's n rarest words find films.
func (rk *ranking) promoteRarest(n int) {
	ws := rk.wordsByRarity()
	drive := map[int]bool{}
	for _, w := range ws[:min(n, len(ws))] {
		drive[w] = true
	}
	passive := rk.passive
	rk.passive = nil
	for _, cur := range passive {
		g := rk.c.groups[cur.group]
		cur.drive = drive[g.word] && !g.scores
		rk.add(cur)
	}
}

// driveByRarest: when every word must match, the films of the rarest word are the only
// candidates, and the other words' cursors need only look at those.
func (rk *ranking) driveByRarest() {
	ws := rk.wordsByRarity()
	if len(ws) < 2 || len(rk.c.phrases) > 0 {
		return
	}
	cursors, passive := rk.cursors, rk.passive
	rk.cursors, rk.passive = nil, nil
	for _, cs := range [2][]*cursor{cursors, passive} {
		for _, cur := range cs {
			g := rk.c.groups[cur.group]
			cur.drive = g.word == ws[0] && !g.scores
			rk.add(cur)
		}
	}
}

// keepWithinBudget bounds a query's cost before it runs: each candidate film costs a step of
// every cursor, and when candidates times cursors passes workBudget (64 common words do,
// 18 million steps), the cursors that only score are dropped, the commonest words' first,
// until it fits. They would have added least to any film's score, and the films found stay
// the same.
func (rk *ranking) keepWithinBudget() {
	candidates := rk.candidates()
	steps := func() uint64 { return candidates * uint64(len(rk.cursors)+len(rk.passive)) }
	if steps() <= workBudget {
		return
	}
	drives := map[int]bool{}
	for _, cur := range rk.cursors {
		drives[rk.c.groups[cur.group].word] = true
	}
	ws := rk.wordsByRarity()
	// First the words that find nothing, then the other forms of those that do (their exact
	// forms only add the edge of the form typed), commonest first.
	var order []int
	for _, finds := range []bool{false, true} {
		for i := len(ws) - 1; i >= 0; i-- {
			if drives[ws[i]] == finds {
				order = append(order, ws[i])
			}
		}
	}
	for _, w := range order {
		if steps() <= workBudget {
			break
		}
		kept := rk.passive[:0]
		for _, cur := range rk.passive {
			if rk.c.groups[cur.group].word == w {
				cur.close()
			} else {
				kept = append(kept, cur)
			}
		}
		clear(rk.passive[len(kept):])
		rk.passive = kept
	}
}

// candidates is how many films the driving cursors may find at most.
func (rk *ranking) candidates() uint64 {
	var films uint64
	for _, cur := range rk.cursors {
		films += cur.count()
	}
	return min(films, uint64(rk.s.cols.n))
}

func (rk *ranking) add(c *cursor) {
	if c.drive {
		rk.cursors = append(rk.cursors, c)
	} else {
		rk.passive = append(rk.passive, c)
	}
}

// cursorHeap orders cursors by the film they stand on, then by their place in the plan.
type cursorHeap []*cursor

func (h cursorHeap) less(i, j int) bool {
	return h[i].doc < h[j].doc || h[i].doc == h[j].doc && h[i].ord < h[j].ord
}

func (h cursorHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h cursorHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// each calls fn for every candidate film from lo up to hi in increasing order with the
// cursors standing on it. Successive calls must ask for ranges that follow one another: the
// cursors only go forward, and stay where the last range left them.
func (rk *ranking) each(ctx context.Context, lo, hi int, fn func(d int, at []*cursor) error) error {
	if rk.phrased != nil && planning {
		return rk.eachPhrased(ctx, lo, hi, fn)
	}
	h := cursorHeap{}
	for _, c := range rk.cursors {
		var err error
		switch {
		case c.doc < 0 && lo == 0:
			err = c.next()
		case c.doc < lo:
			err = c.advance(lo)
		}
		if err != nil {
			return err
		}
		if c.doc != done {
			h = append(h, c)
			h.up(len(h) - 1)
		}
	}
	var at []*cursor
	for seen := 0; len(h) > 0 && h[0].doc < hi; seen++ {
		if seen%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		d := h[0].doc
		at = at[:0]
		for len(h) > 0 && h[0].doc == d {
			at = append(at, h[0])
			last := len(h) - 1
			h[0] = h[last]
			h = h[:last]
			h.down(0)
		}
		drivers := len(at)
		for _, c := range rk.passive {
			if err := c.advance(d); err != nil {
				return err
			}
			if c.doc == d {
				at = append(at, c)
			}
		}
		if err := fn(d, at); err != nil {
			return err
		}
		for _, c := range at[:drivers] {
			if err := c.next(); err != nil {
				return err
			}
			if c.doc != done {
				h = append(h, c)
				h.up(len(h) - 1)
			}
		}
	}
	return nil
}

// eachPhrased is each when the query has phrases: only the films that have them all can be
// hits, and they are usually far fewer than the films the words find (a phrase of two common
// words is in a few hundred films, each of its words in thousands).
func (rk *ranking) eachPhrased(ctx context.Context, lo, hi int, fn func(d int, at []*cursor) error) error {
	var at []*cursor
	from, _ := slices.BinarySearch(rk.phrased, lo)
	to, _ := slices.BinarySearch(rk.phrased, hi)
	for i, d := range rk.phrased[from:to] {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		at = at[:0]
		for _, cs := range [2][]*cursor{rk.cursors, rk.passive} {
			for _, c := range cs {
				if err := c.advance(d); err != nil {
					return err
				}
				if c.doc == d {
					at = append(at, c)
				}
			}
		}
		if len(at) == 0 {
			continue // only stop words of the phrase: not a match, as without phrases
		}
		if err := fn(d, at); err != nil {
			return err
		}
	}
	return nil
}

// score scores film d from the cursors standing on it: the words it matches, the distinctive
// ones among them that decide its tier, and their BM25F sum.
func (rk *ranking) score(d int, at []*cursor) (words, tier int, rel float64) {
	c := rk.c
	for _, g := range rk.touched {
		rk.gtf[g] = 0
	}
	rk.touched = rk.touched[:0]
	clear(rk.best)
	clear(rk.parts)
	clear(rk.inTitle)
	for _, cur := range at {
		p := cur.param
		if rk.gtf[cur.group] == 0 {
			rk.touched = append(rk.touched, cur.group)
		}
		rk.gtf[cur.group] += p.weight * cur.tf / (1 - p.b + p.b*cur.len/cur.avg)
		if cur.title {
			rk.inTitle[c.groups[cur.group].word] = true
		}
	}
	for _, g := range rk.touched {
		tf := rk.gtf[g]
		grp := c.groups[g]
		sc := grp.weight * rk.idf[g] * tf / (bm25K1 + tf)
		if grp.kind == kindExact {
			rk.exact[grp.word] = sc
			continue
		}
		if grp.scores {
			rk.parts[grp.word] += sc
			continue
		}
		if sc > rk.best[grp.word] {
			rk.best[grp.word] = sc
		}
	}
	for w, p := range rk.parts {
		rk.best[w] = max(rk.best[w], p)
	}
	// The word as written scores as any other form of it, and a little more besides.
	for w, x := range rk.exact {
		if x > 0 {
			rk.best[w] = max(rk.best[w], x) + exactEdge*min(rk.best[w], x)
			rk.exact[w] = 0
		}
	}
	inTitle, stemsInTitle := 0, 0
	for w, b := range rk.best {
		rel += b * float64(c.words[w].times)
		if b > 0 && !c.words[w].stop {
			words++
			if rk.decides[w] {
				tier++
			}
		}
		if rk.inTitle[w] {
			inTitle++
			if !stopSet[c.words[w].text] {
				stemsInTitle++
			}
		}
	}
	// Exactness: the query matches every word of the title, stop words aside ("godfather" is
	// The Godfather) unless the query is nothing else ("it" is It).
	if cols := rk.s.cols; inTitle > 0 && (stemsInTitle == int(cols.titleStems[d]) && stemsInTitle > 0 ||
		stemsInTitle == 0 && inTitle == int(cols.titleWords[d])) {
		rel *= 1 + exactTitleBoost
	}
	return words, tier, rel
}

// rank runs the query: it counts facets over every film that passes the filters and returns
// the best keep films, in order. A query with much work and a core to spare is ranked in
// parts at once (see rankSplit).
func (rk *ranking) rank(ctx context.Context, k *counter, keep int) ([]entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	top := newTopN(keep, rk.better())
	workers, giveBack := rk.workers()
	defer giveBack()
	var err error
	if workers > 1 {
		err = rk.rankSplit(ctx, k, top, workers)
	} else {
		err = rk.rankRange(ctx, k, top, 0, rk.s.cols.n)
	}
	if err != nil {
		return nil, err
	}
	return top.sorted(), nil
}

// rankRange ranks the films from lo up to hi into k and top. Successive calls must ask for
// ranges that follow one another (see each).
func (rk *ranking) rankRange(ctx context.Context, k *counter, top *topN, lo, hi int) error {
	counted := int32(rk.c.counted())
	accept := func(d int, words, tier int32, rel float64) error {
		for _, m := range rk.exclude {
			if m.matches(d) {
				return m.err
			}
		}
		if _, ok := slices.BinarySearch(rk.phrased, d); rk.phrased != nil && !ok {
			return nil
		}
		if rk.all && words < counted {
			return nil
		}
		if !k.add(d) {
			return nil
		}
		top.push(entry{doc: int32(d), words: words, tier: tier, rel: rel, sortBy: rk.sortKey(d)})
		return nil
	}
	if rk.c.browse() {
		var err error
		for d := lo; d < hi && err == nil; d++ {
			if d%(checkEvery*16) == 0 {
				err = ctx.Err()
			}
			if err == nil {
				err = accept(d, 0, 0, 0)
			}
		}
		return err
	}
	return rk.each(ctx, lo, hi, func(d int, at []*cursor) error {
		words, tier, rel := rk.score(d, at)
		return accept(d, int32(words), int32(tier), rel)
	})
}

func (rk *ranking) sortKey(d int) int32 {
	switch rk.req.Sort {
	case SortYear, SortYearDesc:
		return rk.s.cols.yearNum[d]
	case SortTitle:
		return rk.s.cols.titleRank[d]
	}
	return 0
}

// better returns the order of hits: by the sort asked for, then words matched, relevance and id.
func (rk *ranking) better() func(a, b entry) bool {
	rank := rk.s.cols.rank
	byScore := func(a, b entry) bool {
		if a.tier != b.tier {
			return a.tier > b.tier
		}
		if a.rel != b.rel {
			return a.rel > b.rel
		}
		return rank[a.doc] < rank[b.doc]
	}
	switch rk.req.Sort {
	case SortYear, SortYearDesc:
		desc := rk.req.Sort == SortYearDesc
		return func(a, b entry) bool {
			if a.sortBy != b.sortBy {
				if a.sortBy == 0 || b.sortBy == 0 { // no year: last either way
					return b.sortBy == 0
				}
				return (a.sortBy < b.sortBy) != desc
			}
			return byScore(a, b)
		}
	case SortTitle:
		return func(a, b entry) bool {
			if a.sortBy != b.sortBy {
				return a.sortBy < b.sortBy
			}
			return byScore(a, b)
		}
	}
	return byScore
}

// rerank adds proximity to the relevance of the first rerankDepth entries and sorts them again.
// Positions come from the films' stored text, not the postings: Bleve reads a term's locations
// by decoding its postings up to each film asked for, which cost more than the whole rest of a
// search for common words; the text of a few dozen films is scanned in a fraction of that.
func (rk *ranking) rerank(ctx context.Context, es []entry) error {
	type word struct {
		stem string
		idf  float64
	}
	var ws []word
	for i, w := range rk.c.words {
		if w.stop || w.stem == "" {
			continue
		}
		best := 0.0
		for gi, g := range rk.c.groups {
			if g.word == i && g.kind <= kindStem {
				best = max(best, rk.idf[gi])
			}
		}
		ws = append(ws, word{w.stem, best})
	}
	n := min(len(es), rerankDepth)
	if len(ws) < 2 || n < 2 {
		return nil
	}
	top := es[:n]
	stemOf := map[string]int{} // a stem of the query -> its place in ws
	heads := map[string]bool{}
	for i, w := range ws {
		if _, ok := stemOf[w.stem]; !ok {
			stemOf[w.stem] = i
		}
		heads[head(w.stem)] = true
	}
	weights := [...]float64{fieldParams[fTitle].weight, fieldParams[fDescription].weight, fieldParams[fFacts].weight}
	pos := make([][]int, len(ws)) // per word: its positions in one text
	for ei := range top {
		if err := ctx.Err(); err != nil {
			return err
		}
		if top[ei].words < 2 {
			continue // no two of its words to stand together
		}
		f, err := rk.s.stored(rk.r, int(top[ei].doc))
		if err != nil {
			return err
		}
		if rk.read == nil {
			rk.read = map[int32]corpus.Film{}
		}
		rk.read[top[ei].doc] = f
		best := make([]float64, len(ws)-1) // per pair of neighbouring words
		scan := func(text string, weight float64) {
			for i := range pos {
				pos[i] = pos[i][:0]
			}
			at := 0
			wordsplit.Each(text, func(start, end int) {
				at++
				w := plainWord(text[start:end])
				if !heads[head(w)] {
					return
				}
				if i, ok := stemOf[rk.c.stemOf(w)]; ok {
					pos[i] = append(pos[i], at)
				}
			})
			for i := range best {
				if d := minDistance(pos[i], pos[i+1]); d > 0 {
					best[i] = max(best[i], weight/float64(d*d))
				}
			}
		}
		scan(f.Title, weights[0])
		scan(f.Description, weights[1])
		for _, fact := range f.Facts {
			scan(fact, weights[2])
		}
		prox := 0.0
		for i, b := range best {
			prox += b * min(ws[i].idf, ws[i+1].idf)
		}
		top[ei].rel += proximityWeight * prox
	}
	better := rk.better()
	slices.SortStableFunc(top, func(a, b entry) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return nil
}

// minDistance is the fewest words from a word at a to a word at b after it (a word of b
// before it counts one more); 0 when either is empty.
func minDistance(a, b []int) int {
	best := 0
	for _, x := range a {
		for _, y := range b {
			d := y - x
			if d <= 0 {
				d = 1 - d
			}
			if best == 0 || d < best {
				best = d
			}
		}
	}
	return best
}

// topN keeps the best n entries pushed.
type topN struct {
	n      int
	better func(a, b entry) bool
	h      []entry // a heap with the worst kept entry first
}

func newTopN(n int, better func(a, b entry) bool) *topN {
	return &topN{n: n, better: better}
}

func (t *topN) push(e entry) {
	if t.n <= 0 {
		return
	}
	if len(t.h) < t.n {
		t.h = append(t.h, e)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.better(t.h[p], t.h[i]) {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if !t.better(e, t.h[0]) {
		return
	}
	t.h[0] = e
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(t.h) {
			break
		}
		m := l
		if r := l + 1; r < len(t.h) && t.better(t.h[l], t.h[r]) {
			m = r
		}
		if !t.better(t.h[i], t.h[m]) {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

func (t *topN) sorted() []entry {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b entry) int {
		if t.better(a, b) {
			return -1
		}
		if t.better(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// matchPhrases finds the films that have every phrase of the query: the first phrase's films,
// then those of them that have the next, and so on, so each phrase after the first costs in
// proportion to the films still in the running.
func (rk *ranking) matchPhrases(ctx context.Context) error {
	if len(rk.c.phrases) == 0 {
		return nil
	}
	// The rarest phrase first: its films are the ones the others are checked against.
	ms := make([]*matcher, 0, len(rk.c.phrases))
	defer func() {
		for _, m := range ms {
			m.close()
		}
	}()
	for _, q := range rk.c.phrases {
		m, err := newMatcher(ctx, rk.r, rk.s, q)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	slices.SortStableFunc(ms, func(a, b *matcher) int { return cmp.Compare(a.s.Count(), b.s.Count()) })
	var films []int
	for i, m := range ms {
		var kept []int
		if i == 0 {
			for d := m.next(); d != done; d = m.next() {
				if len(kept)%checkEvery == 0 && ctx.Err() != nil {
					break
				}
				kept = append(kept, d)
			}
		} else {
			for j, d := range films {
				if j%checkEvery == 0 && ctx.Err() != nil {
					break
				}
				if m.matches(d) {
					kept = append(kept, d)
				}
			}
		}
		if err := cmpErr(ctx.Err(), m.err); err != nil {
			return err
		}
		films = kept
		if len(films) == 0 {
			break
		}
	}
	if films == nil {
		films = []int{} // no film has them all: non-nil all the same, so none is a hit
	}
	rk.phrased = films
	return nil
}

func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
