//go:build unix

package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPublishCorpusStopsWhileLoading: a build asked to stop while it still reads its collection
// returns at once. Reading 20,000 films took a child build past shutdown's grace, and it was
// killed. A named pipe that nobody writes stands for a read that takes forever.
func TestPublishCorpusStopsWhileLoading(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "films.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() { // let the abandoned read finish
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := PublishCorpus(ctx, fifo, t.TempDir(), PublishOptions{Version: "test"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("PublishCorpus stopped while loading = %v; want context.DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("PublishCorpus still loading 10 s after its context ended")
	}
}
