package index

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"filmsearch/internal/wordsplit"

	bindex "github.com/blevesearch/bleve_index_api"
)

// corrections reports the typed words that were read as others and found in the hits, with the
// word as the hits spell it.
func (c *compiled) corrections(q string, hits []Hit) ([]Correction, string) {
	out := []Correction{}
	if len(c.typos) == 0 && len(c.splitAs) == 0 || len(hits) == 0 {
		return out, ""
	}
	// A correction may be the beginning of a word; the hits' own text shows the whole word.
	corrected := q
	words := make([]string, 0, len(c.typos)+len(c.splitAs))
	for w := range c.typos {
		words = append(words, w)
	}
	for w := range c.splitAs {
		if _, ok := c.typos[w]; !ok {
			words = append(words, w)
		}
	}
	sort.Strings(words)
	for _, typed := range words {
		// A word read as two says so when the hits have the two together, though it may have
		// corrections too: "toystory" is toy story, not tolstoy.
		to := ""
		if ph, ok := c.splitAs[typed]; ok && hasPhrase(hits, ph) {
			to = ph
		} else if corr, ok := c.typos[typed]; ok {
			to = c.surfaceOf(corr, hits)
		}
		if to == "" {
			continue
		}
		out = append(out, Correction{From: typed, To: to})
		corrected = replaceWord(corrected, typed, to)
	}
	if len(out) == 0 {
		return out, ""
	}
	return out, corrected
}

// surfaceOf finds the word of the hits' text that a correction stands for: the term itself,
// else the shortest word it begins (a correction of a word being typed is a beginning).
func (c *compiled) surfaceOf(term string, hits []Hit) string {
	best, exact := "", false
	for _, h := range hits {
		texts := append([]string{h.Title, h.Description, h.Director}, h.Facts...)
		for _, text := range append(texts, h.Cast...) {
			wordsplit.Each(text, func(start, end int) {
				lw := plainWord(text[start:end])
				switch {
				case exact:
				case lw == term:
					best, exact = lw, true
				case strings.HasPrefix(lw, term) && (best == "" || len(lw) < len(best)):
					best = lw
				}
			})
			if exact {
				return best
			}
		}
	}
	return best
}

// hasPhrase reports whether a hit's title, description or facts has the words of ph (two,
// lower case, accents folded) one after the other.
func hasPhrase(hits []Hit, ph string) bool {
	x, y, _ := strings.Cut(ph, " ")
	for _, h := range hits {
		for _, text := range append([]string{h.Title, h.Description}, h.Facts...) {
			prev, found := "", false
			wordsplit.Each(text, func(start, end int) {
				w := plainWord(text[start:end])
				found = found || prev == x && w == y
				prev = w
			})
			if found {
				return true
			}
		}
	}
	return false
}

// replaceWord replaces the first word of s that reads as typed (case and accents aside) with
// repl. It cuts s at the word's own byte offsets: a lower-cased copy can be longer or shorter
// than s (Ⱥ, İ, the Kelvin sign), and its offsets would cut s inside a rune.
func replaceWord(s, typed, repl string) string {
	from, to := -1, -1
	wordsplit.Each(s, func(start, end int) {
		if from < 0 && plainWord(s[start:end]) == typed {
			from, to = start, end
		}
	})
	if from < 0 {
		return s
	}
	return s[:from] + repl + s[to:]
}

// The fields corrections are read from, as bits of a typoDict entry's mask.
const (
	typoPrefix    uint8 = 1 << iota // fTitlePrefix: beginnings of title words
	typoTitle                       // fTitleX
	typoText                        // fDescriptionX
	typoLead                        // fLead
	typoWholeBits = typoTitle | typoText | typoLead
)

// typoFields are where a correction is looked for: beginnings of title words (a word being
// typed is corrected to the start of a word), the words of descriptions (which name most of a
// film's people) and the stars. finishedTypoFields serve a word the reader has finished: it is
// corrected to a whole word, never to the beginning of one.
const (
	typoFields         = typoPrefix | typoText | typoLead
	finishedTypoFields = typoTitle | typoText | typoLead
)

var typoDictFields = []struct {
	name string
	bit  uint8
}{{fTitlePrefix, typoPrefix}, {fTitleX, typoTitle}, {fDescriptionX, typoText}, {fLead, typoLead}}

// typoCheckEvery is how many dictionary nodes a walk reads between looks at its deadline. A few
// hundred nodes cost a few microseconds.
const typoCheckEvery = 256

// typoDict is the words corrections are read from: every term of the correction fields, each
// with the fields that have it, as a trie of runes. It is read from the build once, when the
// snapshot opens (137,000 nodes, 1.8 MB, for the 36k-film corpus), and then only read: safe for
// concurrent use.
//
// Bleve's fuzzy dictionary walk served before: it built a Levenshtein automaton per word and
// field (1 to 3.5 MB of tables a word) and could not be interrupted, so queries of many unknown
// words ran on far past their deadline under load. A walk of the trie computes the distances
// within reach once per node, skips every word below a node already too far off, and looks at
// the deadline every typoCheckEvery nodes. Reading the dictionary costs about 0.15 s of CPU
// when a snapshot opens.
type typoDict struct {
	// Node 0 is the root; 0 as a child or sibling means none. Siblings are in rune order.
	label   []rune
	child   []int32
	sibling []int32
	mask    []uint8 // the fields that have the word ending here; 0: none
}

// readTypoDict reads the correction fields' terms from r.
func readTypoDict(r bindex.IndexReader) (*typoDict, error) {
	masks := map[string]uint8{}
	for _, f := range typoDictFields {
		fd, err := r.FieldDict(f.name)
		if err != nil {
			return nil, fmt.Errorf("dictionary of %s: %w", f.name, err)
		}
		for {
			e, err := fd.Next()
			if err != nil {
				fd.Close()
				return nil, fmt.Errorf("dictionary of %s: %w", f.name, err)
			}
			if e == nil {
				break
			}
			masks[e.Term] |= f.bit
		}
		fd.Close()
	}
	return newTypoDict(masks), nil
}

// newTypoDict builds the trie of the terms of masks, each with its fields.
func newTypoDict(masks map[string]uint8) *typoDict {
	terms := make([]string, 0, len(masks))
	for t := range masks {
		if t != "" {
			terms = append(terms, t)
		}
	}
	slices.Sort(terms) // UTF-8 byte order is rune order: siblings come in order
	d := &typoDict{label: []rune{0}, child: []int32{0}, sibling: []int32{0}, mask: []uint8{0}}
	path := []int32{0} // path[i]: the node of the previous term's first i runes
	last := []int32{0} // last[i]: the last child of path[i]
	var prev, cur []rune
	for _, t := range terms {
		cur = append(cur[:0], []rune(t)...)
		l := 0
		for l < len(prev) && l < len(cur) && prev[l] == cur[l] {
			l++
		}
		path, last = path[:l+1], last[:l+1]
		for i := l; i < len(cur); i++ {
			n := int32(len(d.label))
			d.label = append(d.label, cur[i])
			d.child = append(d.child, 0)
			d.sibling = append(d.sibling, 0)
			d.mask = append(d.mask, 0)
			if last[i] != 0 {
				d.sibling[last[i]] = n
			} else {
				d.child[path[i]] = n
			}
			last[i] = n
			path, last = append(path, n), append(last, 0)
		}
		d.mask[path[len(cur)]] |= masks[t]
		prev, cur = cur, prev
	}
	return d
}

// nearWords returns up to maxTypoCandidates words of the text and word beginnings of titles
// within budget typos of word, nearest first, whole words before beginnings, then in byte
// order, and how many dictionary nodes it read. A typo is a letter inserted, deleted or
// replaced, or two neighbours swapped. It returns ctx's error once its deadline passes, within
// typoCheckEvery nodes read.
//
// Candidates come from unstemmed words, not the stemmed ones: stemming a misspelt word garbles
// it (perpetaully: perpetaulli, far from perpetu). Title candidates include word beginnings, so
// a title word still being typed is corrected to the start of a word, not a whole one.
func (d *typoDict) nearWords(ctx context.Context, word string, budget int, typing bool) ([]candidate, int, error) {
	if r := []rune(word); len(r) > maxPrefixLen {
		word = string(r[:maxPrefixLen])
	}
	fields := typoFields
	if !typing {
		fields = finishedTypoFields
	}
	var out []candidate
	read, err := d.walk(ctx, []rune(word), budget, func(t []rune, mask uint8) {
		if m := mask & fields; m != 0 {
			if s := string(t); s != word {
				out = append(out, candidate{term: s, dist: typoDistance(word, s), whole: m&typoWholeBits != 0})
			}
		}
	})
	if err != nil {
		return nil, read, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.whole != b.whole {
			return a.whole
		}
		return a.term < b.term
	})
	if len(out) > maxTypoCandidates {
		out = out[:maxTypoCandidates]
	}
	return out, read, nil
}

// walk calls found with every term within maxDist typos of word (typoDistance: the measure of
// Bleve's automaton too) and the fields that have it, and returns how many nodes it read. The
// term passed to found is valid only during the call. It computes a row of distances per node
// and skips every term below a node whose row is already beyond maxDist.
func (d *typoDict) walk(ctx context.Context, word []rune, maxDist int, found func(term []rune, mask uint8)) (read int, err error) {
	w := &typoWalk{ctx: ctx, d: d, word: word, max: maxDist, found: found}
	w.deadline, w.hasDeadline = ctx.Deadline()
	r0 := w.row(0)
	for j := range r0 {
		r0[j] = j
	}
	err = w.below(0, 1)
	return w.read, err
}

// typoWalk is the state of one walk: the rows of distances and the runes of the path to the
// node being read.
type typoWalk struct {
	ctx   context.Context
	d     *typoDict
	word  []rune
	max   int
	found func([]rune, uint8)
	// deadline is ctx's, if any.
	deadline    time.Time
	hasDeadline bool
	rows        [][]int // rows[k]: the distances of word[:j] to the path's first k runes
	path        []rune
	read        int
}

func (w *typoWalk) row(k int) []int {
	for len(w.rows) <= k {
		w.rows = append(w.rows, make([]int, len(w.word)+1))
	}
	return w.rows[k]
}

// below reads the children of node, at depth k, and below them.
func (w *typoWalk) below(node int32, k int) error {
	d, word, m := w.d, w.word, len(w.word)
	for n := d.child[node]; n != 0; n = d.sibling[n] {
		if w.read%typoCheckEvery == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
			// The clock, too: on a loaded machine the timer that cancels ctx can fire late.
			if w.hasDeadline && !time.Now().Before(w.deadline) {
				return context.DeadlineExceeded
			}
		}
		w.read++
		c := d.label[n]
		w.path = append(w.path[:k-1], c)
		r, up := w.row(k), w.rows[k-1]
		// Only cells within max of the diagonal can be within max: the band. Its neighbours
		// hold max+1, for the next row and the next cell to read.
		lo, hi := max(1, k-w.max), min(m, k+w.max)
		r[0] = k
		if lo > 1 {
			r[lo-1] = w.max + 1
		}
		if hi < m {
			r[hi+1] = w.max + 1
		}
		least := k
		for j := lo; j <= hi; j++ {
			cost := 1
			if word[j-1] == c {
				cost = 0
			}
			r[j] = min(up[j]+1, r[j-1]+1, up[j-1]+cost)
			if k > 1 && j > 1 && word[j-1] == w.path[k-2] && word[j-2] == c {
				r[j] = min(r[j], w.rows[k-2][j-2]+1) // two neighbours swapped
			}
			least = min(least, r[j])
		}
		if least > w.max {
			continue // no term below n comes within reach
		}
		if d.mask[n] != 0 && hi == m && r[m] <= w.max {
			w.found(w.path, d.mask[n])
		}
		if d.child[n] != 0 {
			if err := w.below(n, k+1); err != nil {
				return err
			}
		}
	}
	return nil
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
