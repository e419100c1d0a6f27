package api

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"filmsearch/internal/index"
)

// Insight window: hourly buckets over the last day. Each bucket keeps at most insightCap
// distinct queries per table, so memory is bounded whatever the traffic: about
// insightBuckets × 2 × insightCap × (maxInsightQuery + overhead), a few MB at worst.
const (
	insightBuckets  = 24
	insightBucket   = time.Hour
	insightCap      = 1000
	maxInsightQuery = 100 // bytes of a normalized query kept
	insightLimit    = 20  // default entries per list
	maxInsightLimit = 100
)

// insights counts the queries users search for, and those that found nothing, over a sliding
// window. It stores normalized query text and counts only: no addresses, no request ids, no
// times finer than the bucket. Safe for concurrent use.
type insights struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets [insightBuckets]insightBucketT
}

type insightBucketT struct {
	start    time.Time // zero: unused
	searches [protocols]int
	zero     int
	all      topTable
	none     topTable
}

// protocol is the API a search came through.
type protocol int

const (
	native        protocol = iota // /api/search
	instantSearch                 // the InstantSearch (Algolia) endpoints
	protocols                     // how many
)

// topTable counts keys up to a capacity. When it is full a new key evicts the least frequent
// one (the least recently seen among equals), so a flood of one-off queries churns a few slots
// and leaves frequent queries counted.
type topTable struct {
	m   map[string]*topEntry
	seq uint64
}

type topEntry struct {
	n    int
	by   [protocols]int
	seen uint64
}

func (t *topTable) add(key string, limit int, p protocol) {
	if t.m == nil {
		t.m = make(map[string]*topEntry)
	}
	t.seq++
	if e := t.m[key]; e != nil {
		e.n++
		e.by[p]++
		e.seen = t.seq
		return
	}
	if len(t.m) >= limit {
		var victim string
		var min *topEntry
		for k, e := range t.m {
			if min == nil || e.n < min.n || (e.n == min.n && e.seen < min.seen) {
				victim, min = k, e
			}
		}
		delete(t.m, victim)
	}
	e := &topEntry{n: 1, seen: t.seq}
	e.by[p] = 1
	t.m[key] = e
}

func newInsights() *insights { return &insights{now: time.Now} }

// record counts one search of q through protocol p that matched total films. Empty queries
// (browsing) are not searches for words and are skipped.
func (in *insights) record(q string, total int, p protocol) {
	if in == nil {
		return
	}
	key := normalizeQuery(q)
	if key == "" {
		return
	}
	now := in.now()
	start := now.Truncate(insightBucket)
	in.mu.Lock()
	defer in.mu.Unlock()
	b := &in.buckets[int(start.Unix()/int64(insightBucket/time.Second))%insightBuckets]
	if !b.start.Equal(start) {
		*b = insightBucketT{start: start}
	}
	b.searches[p]++
	b.all.add(key, insightCap, p)
	if total == 0 {
		b.zero++
		b.none.add(key, insightCap, p)
	}
}

// QueryCount is one query and how often it was searched in the window, in all and through
// each protocol.
type QueryCount struct {
	Query         string `json:"query"`
	Count         int    `json:"count"`
	Native        int    `json:"native"`
	InstantSearch int    `json:"instantsearch"`
}

// InsightReport is the answer of GET /api/admin/insights.
type InsightReport struct {
	WindowSeconds      int          `json:"window_seconds"`
	Since              time.Time    `json:"since"`
	Searches           int          `json:"searches"`
	InstantSearch      int          `json:"instantsearch_searches"` // of Searches
	ZeroResultSearches int          `json:"zero_result_searches"`
	TopQueries         []QueryCount `json:"top_queries"`
	TopZeroResult      []QueryCount `json:"top_zero_result_queries"`
}

// report sums the buckets still inside the window and returns the limit most frequent queries
// of each list, most frequent first, ties by query text.
func (in *insights) report(limit int) InsightReport {
	now := in.now()
	oldest := now.Truncate(insightBucket).Add(-(insightBuckets - 1) * insightBucket)
	all, none := map[string]*QueryCount{}, map[string]*QueryCount{}
	rep := InsightReport{WindowSeconds: int(insightBuckets * insightBucket / time.Second), Since: oldest.UTC()}
	in.mu.Lock()
	for i := range in.buckets {
		b := &in.buckets[i]
		if b.start.IsZero() || b.start.Before(oldest) || b.start.After(now) {
			continue
		}
		rep.Searches += b.searches[native] + b.searches[instantSearch]
		rep.InstantSearch += b.searches[instantSearch]
		rep.ZeroResultSearches += b.zero
		sum(all, &b.all)
		sum(none, &b.none)
	}
	in.mu.Unlock()
	rep.TopQueries = top(all, limit)
	rep.TopZeroResult = top(none, limit)
	return rep
}

func sum(into map[string]*QueryCount, t *topTable) {
	for k, e := range t.m {
		c := into[k]
		if c == nil {
			c = &QueryCount{Query: k}
			into[k] = c
		}
		c.Count += e.n
		c.Native += e.by[native]
		c.InstantSearch += e.by[instantSearch]
	}
}

func top(counts map[string]*QueryCount, limit int) []QueryCount {
	out := make([]QueryCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Query < out[j].Query
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// normalizeQuery lower-cases q and collapses runs of white space, so "The  Nutcracker" and
// "the nutcracker " count as one query. Long queries are cut at a rune boundary.
func normalizeQuery(q string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(q) {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if b.Len()+utf8.RuneLen(r) > maxInsightQuery {
			break
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func (s *server) handleInsights() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := newParams(r.URL.RawQuery, "limit")
		limit := p.int("limit", insightLimit, 1, maxInsightLimit)
		if p.err != nil {
			writeError(w, r, p.err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, s.insights.report(limit))
	})
}

// searched records one search the index ran: its metrics, its query for insights, and the note
// that lets a cache hit of the same request count for insights too. Only the first page counts
// for insights, so paging through one search is one search.
func (s *server) searched(r *http.Request, req index.Request, res *index.Result, took time.Duration) {
	s.metrics.observeSearch(took, res.Total, req.Query)
	if req.Page > 1 {
		return
	}
	s.opts.Stats.recordSearch(native, req.Query, res.Total, took)
	if n, ok := r.Context().Value(searchNoteKey{}).(*searchNote); ok {
		*n = searchNote{set: true, query: req.Query, total: res.Total}
	}
}
