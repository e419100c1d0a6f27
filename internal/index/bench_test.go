package index

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"filmsearch/internal/corpus"
)

// BenchmarkBuild builds the 36k-film Wikipedia corpus (or FILMSEARCH_BENCH_CORPUS) into a fresh
// index per iteration, reporting films/s and the index size.
func BenchmarkBuild(b *testing.B) {
	path := os.Getenv("FILMSEARCH_BENCH_CORPUS")
	if path == "" {
		path = "../../../shared/data/wikipedia-american-films.jsonl"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("corpus absent: %v", err)
	}
	c, err := corpus.LoadFile(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Err(); err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	var size int64
	i := 0
	for b.Loop() {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if _, err := Build(context.Background(), c.Films, dir, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		size = dirSize(dir)
		os.RemoveAll(dir) // a 36k build is hundreds of MB
		b.StartTimer()
		i++
	}
	b.ReportMetric(float64(len(c.Films))*float64(b.N)/b.Elapsed().Seconds(), "films/s")
	b.ReportMetric(float64(size)/1e6, "MB")
}
