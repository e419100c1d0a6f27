package api

import (
	"context"
	"time"

	"filmsearch/internal/index"
)

// Stats are the figures of searches that insights and the dashboard show: the queries of the
// last day, and searches per minute with their latency. One Stats is shared by the native API
// and, through ObserveInstantSearch, the InstantSearch protocol, so both count. It keeps
// normalized query text and counts only, never who asked. Safe for concurrent use.
type Stats struct {
	insights *insights
	traffic  *traffic
}

// NewStats returns empty Stats.
func NewStats() *Stats { return &Stats{insights: newInsights(), traffic: newTraffic()} }

// recordSearch counts a first page of results the index produced.
func (st *Stats) recordSearch(p protocol, query string, total int, took time.Duration) {
	st.insights.record(query, total, p)
	st.traffic.record(p, total, took)
}

// searchFunc is what the InstantSearch protocol needs of the index.
type searchFunc interface {
	Search(ctx context.Context, req index.Request) (*index.Result, error)
}

// ObservedSearcher searches through another searcher and counts the searches in Stats.
type ObservedSearcher struct {
	s  searchFunc
	st *Stats
}

// ObserveInstantSearch wraps the searcher given to the InstantSearch handlers, so their
// searches count in the insights and on the dashboard. A batch asks the index for the page the
// widgets show and, with hitsPerPage 0, for facet counts; only the first page of results with
// more than one hit counts, as a person's search.
func (st *Stats) ObserveInstantSearch(s searchFunc) *ObservedSearcher {
	return &ObservedSearcher{s: s, st: st}
}

// Search searches and counts the search when it is a person's first page of results.
func (o *ObservedSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	start := time.Now()
	res, err := o.s.Search(ctx, req)
	if err == nil && req.Page == 1 && req.PerPage > 1 {
		o.st.recordSearch(instantSearch, req.Query, res.Total, time.Since(start))
	}
	return res, err
}
