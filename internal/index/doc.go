// Package index is the only package that talks to Bleve. It defines the index mapping, builds
// versioned indexes from films, publishes them behind a "current" symlink, opens them read-only,
// swaps a new build in while searches run, and turns a reader's query into ranked, highlighted,
// faceted results.
//
// An *Index is safe for concurrent use. Build directories are immutable once published: nothing in
// this package writes to a build that a reader may have open.
package index
