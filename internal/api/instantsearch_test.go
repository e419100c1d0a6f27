package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/algolia"
	"filmsearch/internal/index"
)

// newInstantSearchServer serves s through the real router, InstantSearch endpoints included,
// on a loopback port.
func newInstantSearchServer(t *testing.T, s Searcher, opts Options) *httptest.Server {
	t.Helper()
	opts.Logger = zerolog.Nop()
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	ix, _ := s.(algolia.Searcher)
	opts.Queries = algolia.NewQueriesHandler(ix, zerolog.Nop())
	opts.FacetValues = algolia.NewFacetValuesHandler(ix, zerolog.Nop())
	srv := httptest.NewServer(NewServer(s, opts))
	t.Cleanup(srv.Close)
	return srv
}

type algoliaAnswer struct {
	Results []json.RawMessage `json:"results"`
	Message string            `json:"message"`
	Status  int               `json:"status"`
}

func postBatch(t *testing.T, url, body string) (*http.Response, algoliaAnswer) {
	t.Helper()
	resp, err := http.Post(url+"/1/indexes/*/queries", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a algoliaAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("POST queries: %d, decode: %v", resp.StatusCode, err)
	}
	return resp, a
}

func TestBodyLimitMatchesInstantSearch(t *testing.T) {
	if maxBodyBytes != algolia.MaxBodyBytes+1 {
		t.Errorf("maxBodyBytes = %d; want algolia.MaxBodyBytes+1 = %d", maxBodyBytes, algolia.MaxBodyBytes+1)
	}
}

// TestAttackSlowBody opens more connections than there are search slots, each sending headers
// and then trickling nothing of its body. The handlers read bodies while holding a slot, so
// every search answered 503 until the server's read timeout, and each slow client then got a
// 500. Now bodies are read before a slot is taken: searches go on, and each slow client gets a
// 408 in Algolia's envelope when the body timeout passes.
func TestAttackSlowBody(t *testing.T) {
	const slots, slow = 2, 6
	srv := newInstantSearchServer(t, testIndex(t), Options{MaxConcurrent: slots, BodyTimeout: 500 * time.Millisecond})
	addr := strings.TrimPrefix(srv.URL, "http://")
	conns := make([]net.Conn, slow)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /1/indexes/*/queries HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n{\"requ")
		conns[i] = c
	}
	time.Sleep(100 * time.Millisecond) // every slow request is in its handler by now

	resp, a := postBatch(t, srv.URL, `{"requests":[{"indexName":"films","params":"query=swan"}]}`)
	if resp.StatusCode != http.StatusOK || len(a.Results) != 1 {
		t.Errorf("a search while %d clients trickle bodies: %d %+v; want 200", slow, resp.StatusCode, a)
	}

	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				// A closed connection is also an acceptable answer to a body that never came.
				t.Logf("slow client %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			var a algoliaAnswer
			json.NewDecoder(resp.Body).Decode(&a)
			if resp.StatusCode != http.StatusRequestTimeout || a.Status != http.StatusRequestTimeout {
				t.Errorf("slow client %d: %d %+v; want 408 in Algolia's envelope", i, resp.StatusCode, a)
			}
		})
	}
	wg.Wait()
}

// slowSearcher takes delay per search and ignores its context, as an engine that does not
// check its deadline would; it records whether each search had one.
type slowSearcher struct {
	Searcher
	delay time.Duration
	mu    *sync.Mutex
	seen  *[]bool
}

func (s slowSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	_, ok := ctx.Deadline()
	s.mu.Lock()
	*s.seen = append(*s.seen, ok)
	s.mu.Unlock()
	time.Sleep(s.delay)
	return s.Searcher.Search(ctx, req)
}

// TestAttackBatchDeadline sends a batch of 50 searches of 50 ms each, 2.5 s in all, to a
// server with a 200 ms search deadline. Batches had no deadline: one ran 17 s and its
// connection was closed without an answer. Now the batch stops at the deadline and answers a
// 503 envelope with Retry-After, and every search of it ran with the deadline.
func TestAttackBatchDeadline(t *testing.T) {
	var mu sync.Mutex
	var seen []bool
	s := slowSearcher{Searcher: testIndex(t), delay: 50 * time.Millisecond, mu: &mu, seen: &seen}
	srv := newInstantSearchServer(t, s, Options{SearchTimeout: 200 * time.Millisecond})
	batch := `{"requests":[` + strings.TrimSuffix(strings.Repeat(`{"indexName":"films","params":"query=swan&facets=%5B%22*%22%5D"},`, 50), ",") + `]}`
	start := time.Now()
	resp, a := postBatch(t, srv.URL, batch)
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || a.Status != http.StatusServiceUnavailable || a.Results != nil {
		t.Errorf("a 2.5 s batch with a 200 ms deadline: %d %+v; want a 503 envelope", resp.StatusCode, a)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("the 503 has no Retry-After")
	}
	if took > time.Second {
		t.Errorf("the batch answered after %v; want about 200 ms", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || len(seen) > 10 {
		t.Errorf("%d searches ran; want the few that fit in the deadline", len(seen))
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("search %d ran without a deadline", i)
		}
	}
}
