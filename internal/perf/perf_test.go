package perf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/api"
	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

// TestMain removes the builds the benchmarks share when the binary exits.
func TestMain(m *testing.M) { testkit.Main(m) }

func corpusPath() string {
	if p := os.Getenv("FILMSEARCH_BENCH_CORPUS"); p != "" {
		return p
	}
	return "../../../shared/data/wikipedia-american-films.jsonl"
}

func queriesPath() string { return filepath.Join(filepath.Dir(corpusPath()), "benchmark-queries.txt") }

var (
	loadOnce sync.Once
	films    []corpus.Film
	loadErr  error
	built    = map[int]string{}
	builtMu  sync.Mutex
)

// keptIndex reports whether FILMSEARCH_BENCH_INDEX names a build kept between runs.
func keptIndex() bool {
	keep := os.Getenv("FILMSEARCH_BENCH_INDEX")
	if keep == "" {
		return false
	}
	_, err := index.Current(keep)
	return err == nil
}

// loadFilms reads the large corpus once, or skips the benchmark when it is absent.
func loadFilms(b testing.TB) []corpus.Film {
	b.Helper()
	if _, err := os.Stat(corpusPath()); err != nil {
		b.Skipf("no benchmark corpus at %s", corpusPath())
	}
	loadOnce.Do(func() {
		c, err := corpus.LoadFile(corpusPath(), nil)
		if err == nil {
			err = c.Err()
		}
		films, loadErr = c.Films, err
	})
	if loadErr != nil {
		b.Fatal(loadErr)
	}
	return films
}

// scaled returns n films: the corpus cut short, or repeated with fresh ids.
func scaled(all []corpus.Film, n int) []corpus.Film {
	out := make([]corpus.Film, 0, n)
	for round := 0; len(out) < n; round++ {
		for _, f := range all {
			if len(out) == n {
				break
			}
			if round > 0 {
				f.ID = f.ID + "-r" + strconv.Itoa(round)
			}
			out = append(out, f)
		}
	}
	return out
}

// openScaled opens the build of openScaledRoot; it is closed when the benchmark ends.
func openScaled(b testing.TB, n int) *index.Index {
	b.Helper()
	ix, err := index.Open(openScaledRoot(b, n))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// openScaledRoot publishes n films once per process (into workDir) and returns the index root.
func openScaledRoot(b testing.TB, n int) string {
	b.Helper()
	all := loadFilms(b)
	builtMu.Lock()
	defer builtMu.Unlock()
	root, ok := built[n]
	if keep := os.Getenv("FILMSEARCH_BENCH_INDEX"); !ok && keep != "" && n == len(all) {
		// A build kept between runs, for quick iterations: built on first use.
		if _, err := index.Current(keep); err == nil {
			root, ok = keep, true
			built[n] = root
		} else if err := os.MkdirAll(keep, 0o755); err == nil {
			root = keep
		}
	}
	if ok {
		return root
	}
	dir := root
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp(workDir(), fmt.Sprintf("index-%d-", n)); err != nil {
			b.Fatal(err)
		}
	}
	syn, err := index.LoadSynonyms("../../corpus/synonyms.json")
	if err == nil {
		_, err = index.Publish(context.Background(), scaled(all, n), dir, index.PublishOptions{Synonyms: syn})
	}
	if err != nil {
		b.Fatal(err)
	}
	built[n] = dir
	return dir
}

func benchQueries(b testing.TB) []string {
	f, err := os.Open(queriesPath())
	if err != nil {
		b.Skipf("no benchmark queries: %v", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := sc.Text(); q != "" {
			qs = append(qs, q)
		}
	}
	return qs
}

// timed runs fn over the queries in turn for b.Loop and reports p50 and p99 in ms.
func timed(b *testing.B, qs []string, fn func(q string) error) {
	b.Helper()
	for _, q := range qs { // warm up
		if err := fn(q); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := qs[i%len(qs)]
		i++
		t := time.Now()
		if err := fn(q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// The request of the targets: q, top 10, highlights, decade, year and company facets.
func BenchmarkSearch(b *testing.B) {
	ix := openScaled(b, 36254)
	qs := benchQueries(b)
	ctx := context.Background()
	timed(b, qs, func(q string) error {
		_, err := ix.Search(ctx, index.Request{Query: q})
		return err
	})
}

func BenchmarkSuggest(b *testing.B) {
	ix := openScaled(b, 36254)
	qs := prefixes(benchQueries(b))
	ctx := context.Background()
	timed(b, qs, func(q string) error {
		_, err := ix.Suggest(ctx, q, 8)
		return err
	})
}

// prefixes are what a reader has typed on the way to each query: "rev", "revol", "love w".
func prefixes(qs []string) []string {
	var out []string
	for _, q := range qs {
		for _, n := range []int{3, 5, 7} {
			if n < len(q) {
				out = append(out, q[:n])
			}
		}
	}
	return out
}

func BenchmarkSearchHTTP(b *testing.B) {
	benchHTTP(b, "/api/search?q=", benchQueries(b))
}

func BenchmarkSuggestHTTP(b *testing.B) {
	benchHTTP(b, "/api/suggest?q=", prefixes(benchQueries(b)))
}

func benchHTTP(b *testing.B, path string, qs []string) {
	ix := openScaled(b, 36254)
	srv := httptest.NewServer(api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1}))
	defer srv.Close()
	client := srv.Client()
	timed(b, qs, func(q string) error {
		resp, err := client.Get(srv.URL + path + url.QueryEscape(q))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s%s: %s", path, q, resp.Status)
		}
		return nil
	})
}

// Each facet alone, and none: what counting one facet adds to the bare query.
func BenchmarkFacet(b *testing.B) {
	ix := openScaled(b, 36254)
	qs := benchQueries(b)
	ctx := context.Background()
	for _, facets := range [][]string{{}, {index.FacetDecade}, {index.FacetYear}, {index.FacetCompany}} {
		name := "none"
		if len(facets) > 0 {
			name = facets[0]
		}
		b.Run(name, func(b *testing.B) {
			timed(b, qs, func(q string) error {
				_, err := ix.Search(ctx, index.Request{Query: q, Facets: facets})
				return err
			})
		})
	}
}

// BenchmarkScale shows how cost grows with the collection: the corpus cut to 1k and 10k films,
// whole (36k), and repeated ten times with fresh ids (360k). Set FILMSEARCH_SCALE_MAX to skip
// the larger sizes.
func BenchmarkScale(b *testing.B) {
	all := loadFilms(b)
	limit := len(all) * 10
	if s := os.Getenv("FILMSEARCH_SCALE_MAX"); s != "" {
		limit, _ = strconv.Atoi(s)
	}
	qs := benchQueries(b)
	ctx := context.Background()
	for _, n := range []int{1000, 10000, len(all), len(all) * 10} {
		if n > limit {
			continue
		}
		ix := openScaled(b, n)
		m := ix.Manifest()
		b.Run(fmt.Sprintf("films=%d/search", n), func(b *testing.B) {
			timed(b, qs, func(q string) error {
				_, err := ix.Search(ctx, index.Request{Query: q})
				return err
			})
			b.ReportMetric(m.BuildSeconds, "build-s")
			b.ReportMetric(float64(m.SizeBytes)/1e6, "MB")
		})
		b.Run(fmt.Sprintf("films=%d/suggest", n), func(b *testing.B) {
			timed(b, prefixes(qs), func(q string) error {
				_, err := ix.Suggest(ctx, q, 8)
				return err
			})
		})
	}
}

// The same HTTP search with the response cache on: after the first pass over the queries,
// every request is answered from it.
func BenchmarkSearchHTTPCached(b *testing.B) {
	ix := openScaled(b, 36254)
	srv := httptest.NewServer(api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1, CacheEntries: 1024}))
	defer srv.Close()
	client := srv.Client()
	timed(b, benchQueries(b), func(q string) error {
		resp, err := client.Get(srv.URL + "/api/search?q=" + url.QueryEscape(q))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", q, resp.Status)
		}
		return nil
	})
}
