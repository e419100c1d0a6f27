package index

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"

	"filmsearch/internal/corpus"
)

// BenchmarkCompare runs the target request of the performance issue, in process, through our
// Index and through plain Bleve over an index of the same films built the plain way (one merged
// segment, keyword facets), so the ratio of the two comes from one run on one machine.
//
// Plain Bleve's request: every word must match title or description (English stemming), top 10
// with Bleve's HTML highlighter on both, and term facets on decade, year and company. Ours does
// more (facts, themes, word forms, typo tolerance, prefixes, disjunctive facets).
func BenchmarkCompare(b *testing.B) {
	films, queries := benchCorpus(b)
	ours, raw := compareIndexes(b, films)
	ctx := context.Background()
	b.Run("ours", func(b *testing.B) {
		timeQueries(b, queries, func(q string) error {
			_, err := ours.Search(ctx, Request{Query: q})
			return err
		})
	})
	b.Run("bleve", func(b *testing.B) {
		timeQueries(b, queries, func(q string) error {
			_, err := raw.SearchInContext(ctx, rawRequest(q))
			return err
		})
	})
}

func rawRequest(q string) *bleve.SearchRequest {
	var words []query.Query
	for _, w := range strings.Fields(q) {
		t, d := bleve.NewMatchQuery(w), bleve.NewMatchQuery(w)
		t.SetField("title")
		d.SetField("description")
		words = append(words, bleve.NewDisjunctionQuery(t, d))
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(words...), 10, 0, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.AddField("title")
	req.Highlight.AddField("description")
	for _, f := range []string{"decade", "year", "company"} {
		req.AddFacet(f, bleve.NewFacetRequest(f, 10))
	}
	return req
}

var (
	compareOnce       sync.Once
	compareOurs       *Index
	compareRaw        bleve.Index
	compareErr        error
	benchFilmsOnce    sync.Once
	benchFilms        []corpus.Film
	benchQueriesCache []string
)

func benchCorpus(b *testing.B) ([]corpus.Film, []string) {
	path := os.Getenv("FILMSEARCH_BENCH_CORPUS")
	if path == "" {
		path = "../../../shared/data/wikipedia-american-films.jsonl"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("corpus absent: %v", err)
	}
	benchFilmsOnce.Do(func() {
		c, err := corpus.LoadFile(path, nil)
		if err == nil {
			benchFilms = c.Films
		}
		f, err := os.Open(filepath.Join(filepath.Dir(path), "benchmark-queries.txt"))
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if q := strings.TrimSpace(sc.Text()); q != "" {
				benchQueriesCache = append(benchQueriesCache, q)
			}
		}
	})
	if len(benchFilms) == 0 || len(benchQueriesCache) == 0 {
		b.Skip("benchmark corpus or queries unreadable")
	}
	return benchFilms, benchQueriesCache
}

func compareIndexes(b *testing.B, films []corpus.Film) (*Index, bleve.Index) {
	compareOnce.Do(func() {
		dir, err := os.MkdirTemp("", "compare-")
		if err != nil {
			compareErr = err
			return
		}
		syn, err := LoadSynonyms("../../corpus/synonyms.json")
		if err != nil {
			compareErr = err
			return
		}
		if _, err := Publish(context.Background(), films, filepath.Join(dir, "ours"), PublishOptions{Synonyms: syn}); err != nil {
			compareErr = err
			return
		}
		if compareOurs, compareErr = Open(filepath.Join(dir, "ours")); compareErr != nil {
			return
		}
		compareRaw, compareErr = buildRaw(films, filepath.Join(dir, "raw"))
	})
	if compareErr != nil {
		b.Fatal(compareErr)
	}
	return compareOurs, compareRaw
}

// buildRaw indexes films the way a plain Bleve user would, at its best: English analysis with
// stored fields and term vectors for highlighting, keyword facet fields, one merged segment.
func buildRaw(films []corpus.Film, dir string) (bleve.Index, error) {
	m := bleve.NewIndexMapping()
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range []string{"title", "description"} {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = en.AnalyzerName
		doc.AddFieldMappingsAt(f, fm)
	}
	for _, f := range []string{"decade", "year", "company"} {
		doc.AddFieldMappingsAt(f, bleve.NewKeywordFieldMapping())
	}
	m.DefaultMapping = doc
	bl, err := bleve.NewBuilder(dir, m, map[string]any{"batchSize": 4000, "mergeMax": 100, "buildPathPrefix": filepath.Dir(dir)})
	if err != nil {
		return nil, err
	}
	for _, f := range films {
		d := map[string]any{"title": f.Title, "decade": corpus.Decade(f.Year), "year": strconv.Itoa(f.Year)}
		if f.Description != "" {
			d["description"] = f.Description
		}
		if len(f.Companies) > 0 {
			d["company"] = f.Companies
		}
		if err := bl.Index(f.ID, d); err != nil {
			return nil, err
		}
	}
	if err := bl.Close(); err != nil {
		return nil, err
	}
	return bleve.OpenUsing(dir, map[string]any{"read_only": true})
}

// timeQueries runs fn over the queries in turn and reports p50 and p99 in ms.
func timeQueries(b *testing.B, qs []string, fn func(q string) error) {
	for _, q := range qs {
		if err := fn(q); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		t := time.Now()
		if err := fn(qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		i++
	}
	slices.Sort(lat)
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
