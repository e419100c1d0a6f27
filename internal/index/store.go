package index

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"filmsearch/internal/corpus"
)

// An index directory holds immutable builds and a symlink to the one being served:
//
//	builds/<id>.tmp/   a build in progress (removed by the next build if left behind)
//	builds/<id>/       a finished build: index/, manifest.json, synonyms.json, checksums.sha256
//	current -> builds/<id>
const (
	buildsDir    = "builds"
	currentLink  = "current"
	lockFile     = ".build.lock"
	manifestFile = "manifest.json"
	synonymsFile = "synonyms.json"
	bleveDir     = "index"
	tmpSuffix    = ".tmp"
	keepBuilds   = 3
)

// Manifest describes one build. It is written into the build before the build is published.
type Manifest struct {
	ID           string    `json:"id"`
	DocCount     int       `json:"doc_count"`
	CorpusDigest string    `json:"corpus_digest"`
	CreatedAt    time.Time `json:"created_at"`
	Version      string    `json:"version"`
	BuildSeconds float64   `json:"build_seconds"`
	SizeBytes    int64     `json:"size_bytes"`
	Intro        string    `json:"intro,omitempty"` // the collection's introduction
	// Format is the mapping's formatVersion; Fields the token counts BM25 averages lengths by.
	Format int                   `json:"format"`
	Fields map[string]FieldStats `json:"fields,omitempty"`
}

// PublishOptions describe what goes into a build besides the films.
type PublishOptions struct {
	CorpusDigest string
	Version      string
	Synonyms     *Synonyms // nil: none
	Intro        string
	Progress     func(done, total int)
	Keep         int // builds to keep, current included; 0 means 3
	// Consume lets Publish clear each film once it is copied into its stored form, so that the
	// copy grows in the memory the films give back: 362,540 films and their copy peaked at
	// about 1 GB RSS together. For a caller that drops the films anyway.
	Consume bool
}

// Publish builds films into a new build under root, verifies it, and switches root/current to it
// atomically. Whatever happens (an error, a cancelled ctx, a killed process) the build that
// current pointed to before stays untouched and served. Only one Publish runs per root at a time;
// a second one fails at once.
//
// The films are copied into their stored form at once, and the slice is not used again: a
// caller that drops its own reference to it lets the build's collections skip it.
func Publish(ctx context.Context, films []corpus.Film, root string, opts PublishOptions) (Manifest, error) {
	start := time.Now()
	var p packed
	if opts.Consume {
		// The collector runs as the copy grows, and finds the films it has cleared.
		restore := boundMemory()
		p = pack(films, true)
		restore()
	} else {
		p = pack(films, false)
	}
	return publish(ctx, start, p, root, opts)
}

func publish(ctx context.Context, start time.Time, films packed, root string, opts PublishOptions) (Manifest, error) {
	builds := filepath.Join(root, buildsDir)
	if err := os.MkdirAll(builds, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("publish: %w", err)
	}
	unlock, err := lock(filepath.Join(root, lockFile))
	if err != nil {
		return Manifest{}, err
	}
	defer unlock()
	removeLeftovers(root)

	man := Manifest{
		ID:           newBuildID(start, opts.CorpusDigest),
		DocCount:     films.len(),
		CorpusDigest: opts.CorpusDigest,
		CreatedAt:    start.UTC().Truncate(time.Second),
		Version:      opts.Version,
		Intro:        opts.Intro,
		Format:       formatVersion,
	}
	tmp := filepath.Join(builds, man.ID+tmpSuffix)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("publish: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			removeWritten(tmp)
		}
	}()
	if man.Fields, err = buildPacked(ctx, films, filepath.Join(tmp, bleveDir), BuildOptions{Progress: opts.Progress}); err != nil {
		return Manifest{}, err
	}
	syn := opts.Synonyms
	if syn == nil {
		syn = &Synonyms{}
	}
	if err := writeJSON(filepath.Join(tmp, synonymsFile), syn); err != nil {
		return Manifest{}, err
	}
	man.BuildSeconds = time.Since(start).Seconds()
	man.SizeBytes = dirSize(tmp)
	if err := writeJSON(filepath.Join(tmp, manifestFile), man); err != nil {
		return Manifest{}, err
	}
	if err := writeChecksums(tmp); err != nil {
		return Manifest{}, err
	}
	if err := verify(ctx, tmp, films); err != nil {
		return Manifest{}, err
	}
	if err := syncTree(tmp); err != nil {
		return Manifest{}, err
	}
	final := filepath.Join(builds, man.ID)
	if err := os.Rename(tmp, final); err != nil {
		return Manifest{}, fmt.Errorf("publish: %w", err)
	}
	ok = true
	if err := syncDir(builds); err != nil {
		return Manifest{}, err
	}
	if err := switchCurrent(root, man.ID); err != nil {
		return Manifest{}, err
	}
	keep := opts.Keep
	if keep <= 0 {
		keep = keepBuilds
	}
	prune(builds, man.ID, keep)
	return man, nil
}

// Current returns the directory of the build root/current points to.
func Current(root string) (string, error) {
	target, err := os.Readlink(filepath.Join(root, currentLink))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s: %w", root, ErrNoBuild)
	}
	if err != nil {
		return "", fmt.Errorf("read current: %w", err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(root, target)
	}
	return target, nil
}

// ReadManifest reads the manifest of the build in dir.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", dir, err)
	}
	return m, nil
}

// verify opens the finished build read-only and checks it answers: the doc count and each of a
// few films found by its own title.
func verify(ctx context.Context, dir string, films packed) error {
	s, err := openVerified(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	defer s.close()
	n, err := s.idx.DocCount()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if int(n) != films.len() {
		return fmt.Errorf("%w: %d documents; want %d", ErrVerify, n, films.len())
	}
	film := func(i int) (corpus.Film, error) {
		f, err := decodeFilm(films.source(i))
		if err != nil {
			return f, fmt.Errorf("%w: film %d: %w", ErrVerify, i, err)
		}
		return f, nil
	}
	for _, i := range []int{0, films.len() / 2, films.len() - 1} {
		if i < 0 || i >= films.len() {
			continue
		}
		f, err := film(i)
		if err != nil {
			return err
		}
		if _, err := s.film(f.ID); err != nil {
			return fmt.Errorf("%w: film %s: %w", ErrVerify, f.ID, err)
		}
	}
	if films.len() > 0 {
		f, err := film(0)
		if err != nil {
			return err
		}
		res, err := s.search(ctx, Request{Query: f.Title, PerPage: 50, Page: 1, Sort: SortRelevance}, nil)
		if err != nil {
			return fmt.Errorf("%w: search %q: %w", ErrVerify, f.Title, err)
		}
		found := false
		for _, h := range res.Hits {
			found = found || h.ID == f.ID
		}
		if !found && res.Total > 0 && res.Total < 50 {
			return fmt.Errorf("%w: searching %q did not find %s", ErrVerify, f.Title, f.ID)
		}
		if res.Total == 0 && strings.TrimSpace(f.Title) != "" {
			return fmt.Errorf("%w: searching %q found nothing", ErrVerify, f.Title)
		}
	}
	return nil
}

func newBuildID(t time.Time, digest string) string {
	var r [3]byte
	rand.Read(r[:])
	d := digest
	if len(d) > 8 {
		d = d[:8]
	}
	if d == "" {
		d = "nodigest"
	}
	// Milliseconds keep ids in publishing order, which pruning relies on, even within a second.
	return t.UTC().Format("20060102T150405.000Z") + "-" + d + "-" + hex.EncodeToString(r[:])
}

// lock takes an exclusive, non-blocking lock so two indexers never build into one root at once.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w: %w", path, ErrBuildRunning, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// removeLeftovers deletes what a killed indexer left behind: unfinished builds, finished builds
// it never switched current to, and the temporary link of an interrupted switch. The caller
// holds the lock, so no build is in progress. A finished build newer than current was never
// published (ids start with their time): it was killed between its rename and its switch, and
// must not count as one of the builds kept. (An operator who points current back at an older
// build to roll back thus loses the newer ones at the next publish.)
func removeLeftovers(root string) {
	builds := filepath.Join(root, buildsDir)
	cur := ""
	if dir, err := Current(root); err == nil {
		cur = filepath.Base(dir)
	}
	entries, _ := os.ReadDir(builds)
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, tmpSuffix) || (e.IsDir() && name > cur) {
			os.RemoveAll(filepath.Join(builds, name))
		}
	}
	links, _ := filepath.Glob(filepath.Join(root, currentLink+".tmp-*"))
	for _, l := range links {
		os.Remove(l)
	}
}

// switchCurrent points root/current at builds/id by renaming a new symlink over the old one,
// which is atomic: a reader sees the old build or the new one, never neither.
func switchCurrent(root, id string) error {
	var r [4]byte
	rand.Read(r[:])
	tmp := filepath.Join(root, currentLink+".tmp-"+hex.EncodeToString(r[:]))
	if err := os.Symlink(filepath.Join(buildsDir, id), tmp); err != nil {
		return fmt.Errorf("switch current: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(root, currentLink)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("switch current: %w", err)
	}
	return syncDir(root)
}

// prune keeps the newest keep builds; the one just published is always kept.
func prune(builds, keepID string, keep int) {
	entries, err := os.ReadDir(builds)
	if err != nil {
		return
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), tmpSuffix) && e.Name() != keepID {
			ids = append(ids, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids))) // ids start with their time
	for i, id := range ids {
		if i >= keep-1 {
			os.RemoveAll(filepath.Join(builds, id))
		}
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeFile(path, append(b, '\n'))
}

// syncTree fsyncs every file and directory under dir, so a crash after the rename cannot
// publish a build whose files were never written out.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", p, err)
		}
		return nil
	})
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// removing counts the removals that wait for a failed build's last writers.
var removing sync.WaitGroup

// removeWritten removes the directory of a failed build now, and again once the goroutines
// still writing into it have ended. A process that exits first leaves it to the next Publish.
func removeWritten(dir string) {
	os.RemoveAll(dir)
	removing.Go(func() {
		writing.Wait()
		os.RemoveAll(dir)
	})
}
