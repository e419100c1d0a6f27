package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"filmsearch/internal/corpus"
)

// SynonymsFile is the name of the themes file in a corpus directory.
const SynonymsFile = corpus.SynonymsFile

// LoadCorpus reads the collection at path (a directory, or one .txt/.jsonl file with the
// companies.json and synonyms.json beside it) and its synonyms. It is the one reader of every
// build path (the indexer, searchd's first build and stale rebuild, the admin reindex), so that
// they accept and refuse the same collections: findings, a bad synonyms file among them, are in
// the collection's Errors and Warnings, and CorpusErr turns them into the refusal. Only I/O
// errors are returned. With check, films are counted, not kept.
func LoadCorpus(path string, check bool) (*corpus.Collection, *Synonyms, error) {
	c, err := corpus.LoadPath(path, check)
	if err != nil {
		return nil, nil, fmt.Errorf("load corpus: %w", err)
	}
	synPath := filepath.Join(corpusDir(path), SynonymsFile)
	syn, err := LoadSynonyms(synPath)
	if err != nil {
		c.Errors = append(c.Errors, corpus.Problem{File: synPath, Reason: err.Error()})
	}
	return c, syn, nil
}

// CorpusErr is the refusal of the collection loaded from path by LoadCorpus: nil when it has no
// errors, else an error that wraps corpus.ErrInvalid and lists the first few.
func CorpusErr(path string, c *corpus.Collection) error {
	if err := c.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// PublishCorpus loads the collection at path with LoadCorpus, refuses it if it has errors
// (CorpusErr), and publishes it under root with the corpus's synonyms. The collection is
// returned even on a build error, so callers can report its warnings; its Films are left out.
func PublishCorpus(ctx context.Context, path, root string, opts PublishOptions) (Manifest, *corpus.Collection, error) {
	c, syn, err := loadCorpus(ctx, path)
	if err != nil {
		return Manifest{}, nil, err
	}
	if err := CorpusErr(path, c); err != nil {
		return Manifest{}, c, err
	}
	opts.CorpusDigest = c.Digest
	opts.Synonyms = syn
	opts.Intro = c.Intro
	films := c.Films
	c.Films = nil // the build's collections need not trace them; see Publish
	opts.Consume = true
	m, err := Publish(ctx, films, root, opts)
	return m, c, err
}

// loadCorpus is LoadCorpus returning as soon as ctx ends: reading and checking a large
// collection cannot be interrupted and writes nothing, so it is left to finish in the
// background, as a cancelled build's indexing is. A child build killed at shutdown's grace
// was still reading its 20,000 films.
func loadCorpus(ctx context.Context, path string) (*corpus.Collection, *Synonyms, error) {
	type loaded struct {
		c   *corpus.Collection
		syn *Synonyms
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		c, syn, err := LoadCorpus(path, false)
		done <- loaded{c, syn, err}
	}()
	select {
	case l := <-done:
		return l.c, l.syn, l.err
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("load %s interrupted: %w", path, ctx.Err())
	}
}

// corpusDir is the directory whose companies.json and synonyms.json go with the collection at
// path: path itself, or the directory of a single file.
func corpusDir(path string) string {
	if info, err := os.Stat(path); err == nil && !info.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// Staleness is why the current build under a root should be rebuilt from a corpus; the zero
// value means it is up to date.
type Staleness struct {
	Reason string // "" when up to date: "no build", "format", "corpus" or "manifest"
	Detail string // for a log line: what differs
}

// Stale reports whether the build root/current points to is missing, of another format than
// this code reads (it cannot be searched), unreadable, or of another corpus than digest (see
// corpus.Digest). It reads only the manifest. Errors other than a missing build are returned.
func Stale(root, digest string) (Staleness, error) {
	dir, err := Current(root)
	if errors.Is(err, ErrNoBuild) {
		return Staleness{Reason: "no build", Detail: "nothing published under " + root}, nil
	}
	if err != nil {
		return Staleness{}, err
	}
	m, err := ReadManifest(dir)
	switch {
	case err != nil:
		return Staleness{Reason: "manifest", Detail: err.Error()}, nil
	case m.Format != formatVersion:
		return Staleness{Reason: "format", Detail: fmt.Sprintf("build %s has format %d; this version reads format %d", m.ID, m.Format, formatVersion)}, nil
	case m.CorpusDigest != digest:
		return Staleness{Reason: "corpus", Detail: fmt.Sprintf("build %s is of corpus %.12s; the corpus now is %.12s", m.ID, m.CorpusDigest, digest)}, nil
	}
	return Staleness{}, nil
}

// Searchable reports whether this code can search the build: only a stale corpus is.
func (s Staleness) Searchable() bool { return s.Reason == "" || s.Reason == "corpus" }
