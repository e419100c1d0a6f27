package index

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"filmsearch/internal/corpus"
)

// BenchmarkBuild builds the 36k-film Wikipedia corpus (or FILMSEARCH_BENCH_CORPUS) into a fresh
// index per iteration, reporting seconds per build, films/s, the index size, and the build's
// peak Go heap and peak resident memory (VmHWM, reset before each build; it includes the films
// loaded before the build, as an indexer's would).
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
	var size, peakHeap, peakRSS int64
	i := 0
	for b.Loop() {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		b.StopTimer()
		runtime.GC()
		resetPeakRSS()
		stop := watchHeap()
		b.StartTimer()
		if _, err := Build(context.Background(), c.Films, dir, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		peakHeap = max(peakHeap, stop())
		peakRSS = max(peakRSS, readPeakRSS())
		size = dirSize(dir)
		os.RemoveAll(dir) // a 36k build is hundreds of MB
		b.StartTimer()
		i++
	}
	b.ReportMetric(float64(len(c.Films))*float64(b.N)/b.Elapsed().Seconds(), "films/s")
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
	b.ReportMetric(float64(peakHeap)/1e6, "peak-heap-MB")
	if peakRSS > 0 {
		b.ReportMetric(float64(peakRSS)/1e6, "peak-RSS-MB")
	}
}

// watchHeap samples the Go heap (live and garbage) every few milliseconds until the function
// it returns is called, which returns the largest sample.
func watchHeap() func() int64 {
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var most int64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			most = max(most, int64(s[0].Value.Uint64()))
			select {
			case <-done:
				peak <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); return <-peak }
}

// resetPeakRSS resets the process's VmHWM to its present RSS (Linux; elsewhere nothing).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// readPeakRSS returns VmHWM in bytes, or 0 where /proc cannot tell.
func readPeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
