package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"filmsearch/internal/corpus"
)

// TestStale: a build is stale when there is none, when its corpus digest differs, when its
// manifest cannot be read, or when it is of another format; PublishCorpus takes a single file.
func TestStale(t *testing.T) {
	src := t.TempDir()
	file := filepath.Join(src, "films.jsonl")
	if err := os.WriteFile(file, []byte(`{"title":"Giselle","year":1975,"description":"A ballet."}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	digest, err := corpus.Digest(file)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Stale(root, digest); err != nil || s.Reason != "no build" {
		t.Fatalf("Stale(empty root) = %+v, %v; want no build", s, err)
	}
	m, _, err := PublishCorpus(context.Background(), file, root, PublishOptions{})
	if err != nil {
		t.Fatalf("PublishCorpus(one file) = %v", err)
	}
	if m.DocCount != 1 || m.CorpusDigest != digest {
		t.Fatalf("PublishCorpus(one file) = %d films, digest %s; want 1, %s", m.DocCount, m.CorpusDigest, digest)
	}
	if s, err := Stale(root, digest); err != nil || s.Reason != "" || !s.Searchable() {
		t.Errorf("Stale(same corpus) = %+v, %v; want up to date", s, err)
	}
	if s, _ := Stale(root, "other"); s.Reason != "corpus" || !s.Searchable() {
		t.Errorf("Stale(other corpus) = %+v; want corpus, still searchable", s)
	}

	// A build of another format: this code cannot search it.
	dir, _ := Current(root)
	m.Format = formatVersion - 1
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if s, _ := Stale(root, digest); s.Reason != "format" || s.Searchable() {
		t.Errorf("Stale(old format) = %+v; want format, not searchable", s)
	}
	os.Remove(filepath.Join(dir, manifestFile))
	if s, _ := Stale(root, digest); s.Reason != "manifest" || s.Searchable() {
		t.Errorf("Stale(no manifest) = %+v; want manifest, not searchable", s)
	}
}
