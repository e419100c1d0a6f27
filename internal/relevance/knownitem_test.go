package relevance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

// The 36k corpus lives beside the project and is never copied into it.
const (
	bigCorpusEnv     = "FILMSEARCH_BENCH_CORPUS"
	bigCorpusDefault = "../../../shared/data/wikipedia-american-films.jsonl"
	benchQueries     = "../../../shared/data/benchmark-queries.txt"
)

var (
	bigOnce  sync.Once
	bigRoot  string
	bigFilms []corpus.Film
	bigErr   error
	bigSkip  string
)

// bigIndex opens the 36k corpus, published once per test binary, and returns its films. It
// skips when the corpus is absent.
func bigIndex(tb testing.TB) (*index.Index, []corpus.Film) {
	tb.Helper()
	bigOnce.Do(func() {
		path := cmp.Or(os.Getenv(bigCorpusEnv), bigCorpusDefault)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			bigSkip = fmt.Sprintf("no corpus at %s (set %s)", path, bigCorpusEnv)
			return
		}
		c, err := corpus.LoadFile(path, nil)
		if err != nil {
			bigErr = err
			return
		}
		if err := c.Err(); err != nil {
			bigErr = err
			return
		}
		if bigRoot, bigErr = testkit.MkdirTemp("big-"); bigErr != nil {
			return
		}
		bigFilms = c.Films
		_, bigErr = index.Publish(context.Background(), c.Films, bigRoot, index.PublishOptions{Version: "test", CorpusDigest: c.Digest})
	})
	if bigSkip != "" {
		tb.Skip(bigSkip)
	}
	if bigErr != nil {
		tb.Fatal(bigErr)
	}
	ix, err := index.Open(bigRoot)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix, bigFilms
}

// Floors for the known-item evaluation, set just under what was measured: 300 films, seed 4,
// on wikipedia-american-films.jsonl (36,254 films) the distinctive words scored MRR@10 0.970
// and recall@10 0.997, the same with one typo MRR@10 0.942-0.944 (builds differ
// slightly in ties) and recall@10 0.990.
const (
	floorMRR        = 0.96
	floorRecall     = 0.99
	floorTypoMRR    = 0.93
	floorTypoRecall = 0.98
)

const (
	knownItems     = 300
	knownItemSeed  = 4
	minDescription = 100
	knownItemCut   = 10
)

// knownItem is a film and the queries a reader who half remembers its description might type.
type knownItem struct {
	film        corpus.Film
	query, typo string
}

// TestKnownItem picks films at random (fixed seed), makes a query of the two or three most
// distinctive words of each description and a version with one typo, and checks that search
// finds the film within the first ten.
func TestKnownItem(t *testing.T) {
	ix, films := bigIndex(t)
	items := knownItemQueries(films, knownItems, newRng())
	var exact, typo Ranks
	var misses []string
	for _, it := range items {
		k := rankOf(t, ix, it.query, it.film.ID)
		exact = append(exact, k)
		kt := rankOf(t, ix, it.typo, it.film.ID)
		typo = append(typo, kt)
		if k == 0 && len(misses) < 10 {
			misses = append(misses, fmt.Sprintf("%q for %s", it.query, it.film.ID))
		}
		if kt == 0 && len(misses) < 10 {
			misses = append(misses, fmt.Sprintf("%q for %s", it.typo, it.film.ID))
		}
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\nknown items: %d films of %d, seed %d, cut-off %d\n", len(items), len(films), knownItemSeed, knownItemCut)
	fmt.Fprintf(&table, "%-22s | %-7s | %-9s\n", "queries", "MRR@10", "recall@10")
	fmt.Fprintf(&table, "%-22s | %7.3f | %9.3f\n", "distinctive words", exact.MRR(), exact.Recall())
	fmt.Fprintf(&table, "%-22s | %7.3f | %9.3f\n", "same, one typo", typo.MRR(), typo.Recall())
	for i, it := range items[:5] {
		fmt.Fprintf(&table, "example %d: %q / %q -> %s\n", i+1, it.query, it.typo, it.film.Title)
	}
	for _, m := range misses {
		fmt.Fprintf(&table, "missed: %s\n", m)
	}
	t.Log(table.String())
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"MRR@10", exact.MRR(), floorMRR},
		{"recall@10", exact.Recall(), floorRecall},
		{"typo MRR@10", typo.MRR(), floorTypoMRR},
		{"typo recall@10", typo.Recall(), floorTypoRecall},
	} {
		if c.got < c.want {
			t.Errorf("%s = %.3f; want at least %.3f", c.name, c.got, c.want)
		}
	}
}

func rankOf(tb testing.TB, ix *index.Index, q, id string) int {
	tb.Helper()
	res, err := ix.Search(context.Background(), index.Request{Query: q, PerPage: knownItemCut})
	if err != nil {
		tb.Fatalf("Search(%q): %v", q, err)
	}
	for i, h := range res.Hits {
		if h.ID == id {
			return i + 1
		}
	}
	return 0
}

// knownItemQueries draws n films with a description of minDescription bytes or more and makes
// their queries. Words are ranked by idf over all descriptions; words in one description only
// are left out (a reader remembers what a film is about, and those are mostly names and
// misprints), as are stop words and numbers. Ties break alphabetically, so the queries depend
// on the corpus and the seed only.
func knownItemQueries(films []corpus.Film, n int, rng *rand.Rand) []knownItem {
	df := map[string]int{}
	for _, f := range films {
		for w := range uniqueWords(f.Description) {
			df[w]++
		}
	}
	var pool []corpus.Film
	for _, f := range films {
		if len(f.Description) >= minDescription {
			pool = append(pool, f)
		}
	}
	var out []knownItem
	for _, i := range rng.Perm(len(pool)) {
		if len(out) == n {
			break
		}
		f := pool[i]
		var words []string
		for w := range uniqueWords(f.Description) {
			if df[w] >= 2 && !stopWords[w] && utf8.RuneCountInString(w) >= 3 {
				words = append(words, w)
			}
		}
		slices.SortFunc(words, func(a, b string) int {
			return cmp.Or(cmp.Compare(df[a], df[b]), cmp.Compare(a, b))
		})
		k := 2 + len(out)%2 // two words for half the films, three for the others
		if len(words) < k {
			continue
		}
		words = words[:k]
		typo, ok := withTypo(words, rng)
		if !ok {
			continue
		}
		out = append(out, knownItem{film: f, query: strings.Join(words, " "), typo: strings.Join(typo, " ")})
	}
	return out
}

// withTypo returns words with one typo in the longest of five letters or more: two inner
// letters swapped, or one deleted.
func withTypo(words []string, rng *rand.Rand) ([]string, bool) {
	longest := -1
	for i, w := range words {
		if n := utf8.RuneCountInString(w); n >= 5 && (longest < 0 || n > utf8.RuneCountInString(words[longest])) {
			longest = i
		}
	}
	if longest < 0 {
		return nil, false
	}
	r := []rune(words[longest])
	for range 10 {
		var t []rune
		i := 1 + rng.IntN(len(r)-2) // an inner letter
		if rng.IntN(2) == 0 && i+1 < len(r)-1 {
			t = slices.Clone(r)
			t[i], t[i+1] = t[i+1], t[i]
		} else {
			t = slices.Delete(slices.Clone(r), i, i+1)
		}
		if string(t) != string(r) {
			out := slices.Clone(words)
			out[longest] = string(t)
			return out, true
		}
	}
	return nil, false
}

// uniqueWords yields the lower-cased words of s once each: runs of letters.
func uniqueWords(s string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		out[w] = struct{}{}
	}
	return out
}

// stopWords are the English words too common to remember a film by (Bleve's English list and
// a few more that every description has).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been before
		being below between both but by can could did do does doing down during each few for from further had has
		have having he her here hers herself him himself his how i if in into is it its itself just me more most my
		myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such
		than that the their theirs them themselves then there these they this those through to too under until up very
		was we were what when where which while who whom why will with would you your yours yourself yourselves also
		film films directed starring stars written produced american released`) {
		m[w] = true
	}
	return m
}()

// BenchmarkSearch36k runs the benchmark queries in turn through Search on the 36k build, as the
// API would (facets, highlights, page of ten), and reports the median.
func BenchmarkSearch36k(b *testing.B) {
	ix, _ := bigIndex(b)
	qs := readQueries(b)
	ctx := context.Background()
	benchLatency(b, len(qs), func(i int) error {
		_, err := ix.Search(ctx, index.Request{Query: qs[i]})
		return err
	})
}

// BenchmarkSuggest36k completes the benchmark queries cut part way, as if still being typed.
func BenchmarkSuggest36k(b *testing.B) {
	ix, _ := bigIndex(b)
	qs := readQueries(b)
	for i, q := range qs {
		qs[i] = q[:max(3, len(q)*3/5)]
	}
	ctx := context.Background()
	benchLatency(b, len(qs), func(i int) error {
		_, err := ix.Suggest(ctx, qs[i], index.MaxSuggestions)
		return err
	})
}

// benchLatency calls run on the n queries in turn and reports p50 and p99 latency in ms.
func benchLatency(b *testing.B, n int, run func(i int) error) {
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := run(i % n); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		k := int(math.Ceil(p*float64(len(took)))) - 1
		return float64(took[max(k, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func readQueries(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(benchQueries)
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("no benchmark queries at %s", benchQueries)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var qs []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			qs = append(qs, l)
		}
	}
	return qs
}

func newRng() *rand.Rand { return rand.New(rand.NewPCG(knownItemSeed, 0)) }
