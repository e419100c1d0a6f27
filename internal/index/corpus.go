package index

import (
	"context"
	"fmt"
	"path/filepath"

	"filmsearch/internal/corpus"
)

// SynonymsFile is the name of the themes file in a corpus directory.
const SynonymsFile = "synonyms.json"

// PublishCorpus loads the collection in corpusDir, refuses it if it has errors, and publishes
// it under root with the corpus's synonyms. The collection is returned even on a build error,
// so callers can report its warnings.
func PublishCorpus(ctx context.Context, corpusDir, root string, opts PublishOptions) (Manifest, *corpus.Collection, error) {
	c, err := corpus.LoadDir(corpusDir)
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("load corpus: %w", err)
	}
	if err := c.Err(); err != nil {
		return Manifest{}, c, fmt.Errorf("corpus %s: %w", corpusDir, err)
	}
	syn, err := LoadSynonyms(filepath.Join(corpusDir, SynonymsFile))
	if err != nil {
		return Manifest{}, c, err
	}
	opts.CorpusDigest = c.Digest
	opts.Synonyms = syn
	opts.Intro = c.Intro
	m, err := Publish(ctx, c.Films, root, opts)
	return m, c, err
}
