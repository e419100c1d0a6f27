// Package perf holds the end-to-end benchmarks of the service on the large film corpus: search
// and suggest in process and over HTTP, each facet alone, and how cost grows with the
// collection; and a test that the costliest query stops at its deadline. It has no code of its
// own besides helpers for its benchmarks.
package perf
