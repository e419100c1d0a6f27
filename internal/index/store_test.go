package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filmsearch/internal/corpus"
)

var words = []string{"river", "crimson", "ballet", "winter", "station", "garden", "revolution",
	"letter", "harbor", "dancer", "silver", "mountain", "promise", "theatre", "journey", "night"}

// syntheticFilms returns n distinct, valid films, enough to span several batches.
func syntheticFilms(n int) []corpus.Film {
	films := make([]corpus.Film, n)
	for i := range films {
		w := func(k int) string { return words[(i/k+k)%len(words)] }
		title := fmt.Sprintf("The %s %s %d", strings.ToUpper(w(1)[:1])+w(1)[1:], w(3), i)
		year := 1900 + i%124
		films[i] = corpus.Film{
			ID:          corpus.Slug(title, year),
			Title:       title,
			Year:        year,
			Description: fmt.Sprintf("A %s film about a %s, a %s and the %s.", w(2), w(5), w(7), w(11)),
			Facts:       []string{fmt.Sprintf("It was shot near the %s in %d.", w(13), year)},
		}
		if i%5 == 0 {
			films[i].Companies = []string{"Studio " + w(17)}
		}
	}
	return films
}

// setHook installs testHookBatch for one test. Tests that set it must not call t.Parallel.
func setHook(t *testing.T, hook func(done int) error) {
	t.Helper()
	testHookBatch = hook
	t.Cleanup(func() { testHookBatch = nil })
}

// state is what a failed build must leave alone: current's target, its manifest, the builds.
type state struct {
	current  string
	manifest Manifest
	builds   []string
}

func readState(t *testing.T, root string) state {
	t.Helper()
	cur, err := Current(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(cur)
	if err != nil {
		t.Fatal(err)
	}
	return state{current: cur, manifest: m, builds: listBuilds(t, root)}
}

func listBuilds(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, buildsDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkServes opens root and expects a browse-all search to return every document.
func checkServes(t *testing.T, root string, wantDocs int) {
	t.Helper()
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), Request{})
	if err != nil {
		t.Fatalf("Search(browse all): %v", err)
	}
	if res.Total != wantDocs {
		t.Errorf("Search(browse all) = %d hits; want %d", res.Total, wantDocs)
	}
}

func publishFilms(t *testing.T, root string, films []corpus.Film) Manifest {
	t.Helper()
	m, err := Publish(context.Background(), films, root, PublishOptions{Version: "test", CorpusDigest: "synthetic"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var errInjected = errors.New("injected failure")

// TestPublishFailure checks that a build failing at any stage leaves current, the build it points
// to and the builds directory as they were.
func TestPublishFailure(t *testing.T) {
	big := syntheticFilms(1500)
	for _, tt := range []struct {
		name  string
		films []corpus.Film
		hook  func(cancel context.CancelFunc) func(done int) error
		want  error
	}{
		{
			name:  "injected error at the second batch",
			films: big,
			hook: func(context.CancelFunc) func(int) error {
				return func(done int) error {
					if done > batchSize {
						return errInjected
					}
					return nil
				}
			},
			want: errInjected,
		},
		{
			name:  "cancelled after the first batch",
			films: big,
			hook: func(cancel context.CancelFunc) func(int) error {
				return func(done int) error {
					cancel() // seen by the next batch
					return nil
				}
			},
			want: context.Canceled,
		},
		{
			name:  "cancelled before starting",
			films: big[:10],
			hook: func(cancel context.CancelFunc) func(int) error {
				cancel()
				return nil
			},
			want: context.Canceled,
		},
		{
			// Bleve keeps one document per id, so the count check fails.
			name:  "verification fails",
			films: append(slices.Clone(big[:20]), big[0]),
			want:  ErrVerify,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			publishFilms(t, root, big[:30])
			before := readState(t, root)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.hook != nil {
				setHook(t, tt.hook(cancel))
			}
			_, err := Publish(ctx, tt.films, root, PublishOptions{Version: "test"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Publish = %v; want %v", err, tt.want)
			}
			testHookBatch = nil
			writing.Wait() // parts a cancelled build started, then the removal after them
			removing.Wait()

			after := readState(t, root)
			if after.current != before.current || !reflect.DeepEqual(after.manifest, before.manifest) {
				t.Errorf("current = %s %+v; want %s %+v unchanged", after.current, after.manifest, before.current, before.manifest)
			}
			if !slices.Equal(after.builds, before.builds) {
				t.Errorf("builds = %v; want %v (no .tmp left)", after.builds, before.builds)
			}
			checkServes(t, root, 30)
		})
	}
}

// TestCancelledBuildLeavesNothing: a part still being written when its cancelled build returns
// writes on into the build's directory; the directory is removed once it ends.
func TestCancelledBuildLeavesNothing(t *testing.T) {
	root := t.TempDir()
	publishFilms(t, root, syntheticFilms(30))
	before := readState(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	returned := make(chan struct{})
	testHookPart = func(part int) {
		if part == 1 {
			<-returned // written after Publish has returned
		}
	}
	defer func() { testHookPart = nil }()
	setHook(t, func(int) error {
		cancel()
		return nil
	})
	_, err := Publish(ctx, syntheticFilms(3*batchSize), root, PublishOptions{Version: "test"})
	close(returned)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish = %v; want %v", err, context.Canceled)
	}
	writing.Wait()
	removing.Wait()
	if after := readState(t, root); !slices.Equal(after.builds, before.builds) {
		t.Errorf("builds = %v; want %v (no .tmp left)", after.builds, before.builds)
	}
}

func TestPublishRemovesLeftovers(t *testing.T) {
	root := t.TempDir()
	films := syntheticFilms(20)
	publishFilms(t, root, films)
	// What a build killed mid-way leaves: a half-written build and perhaps a half-made link.
	tmp := filepath.Join(root, buildsDir, "20260101T000000Z-killed-000000"+tmpSuffix)
	if err := os.MkdirAll(filepath.Join(tmp, bleveDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, bleveDir, "000000000001.zap"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, currentLink+".tmp-0badf00d")
	if err := os.Symlink(filepath.Join(buildsDir, "gone"), link); err != nil {
		t.Fatal(err)
	}

	m := publishFilms(t, root, films)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover %s: Stat = %v; want removed", tmp, err)
	}
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover link %s: Lstat = %v; want removed", link, err)
	}
	if got := listBuilds(t, root); len(got) != 2 || !slices.Contains(got, m.ID) {
		t.Errorf("builds = %v; want 2 builds including %s", got, m.ID)
	}
}

func TestPublishPrunes(t *testing.T) {
	films := syntheticFilms(10)
	for _, tt := range []struct {
		keep, publishes, want int
	}{
		{keep: 0, publishes: 5, want: 3},
		{keep: 1, publishes: 3, want: 1},
		{keep: 4, publishes: 5, want: 4},
	} {
		t.Run(fmt.Sprintf("keep %d", tt.keep), func(t *testing.T) {
			root := t.TempDir()
			var last Manifest
			for range tt.publishes {
				var err error
				last, err = Publish(context.Background(), films, root, PublishOptions{Keep: tt.keep})
				if err != nil {
					t.Fatal(err)
				}
			}
			got := listBuilds(t, root)
			if len(got) != tt.want || !slices.Contains(got, last.ID) {
				t.Errorf("after %d publishes with Keep %d: builds = %v; want %d including %s", tt.publishes, tt.keep, got, tt.want, last.ID)
			}
			if cur, _ := Current(root); filepath.Base(cur) != last.ID {
				t.Errorf("current = %s; want %s", cur, last.ID)
			}
		})
	}
}

func TestPublishLocked(t *testing.T) {
	root := t.TempDir()
	films := syntheticFilms(10)
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	setHook(t, func(int) error {
		once.Do(func() { close(entered) })
		<-release
		return nil
	})
	first := make(chan error, 1)
	go func() {
		_, err := Publish(context.Background(), films, root, PublishOptions{})
		first <- err
	}()
	<-entered

	start := time.Now()
	_, err := Publish(context.Background(), films, root, PublishOptions{})
	if !errors.Is(err, ErrBuildRunning) {
		t.Errorf("second Publish = %v; want %v", err, ErrBuildRunning)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Publish took %v; want it to fail at once", d)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first Publish = %v; want success", err)
	}
	if got := listBuilds(t, root); len(got) != 1 {
		t.Errorf("builds = %v; want the first build only", got)
	}
}

// TestSwapUnderLoad swaps builds in 20 times while searches run from several goroutines: no
// search may fail, and every retired build must end up closed.
func TestSwapUnderLoad(t *testing.T) {
	root := t.TempDir()
	if _, err := publishDir(context.Background(), "../../corpus", root); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches, failures atomic.Int64
	var firstErr atomic.Value
	queries := []string{"ballet", "tragic love", "nutcr", "revolution", ""}
	for g := range 4 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[i%len(queries)]
				res, err := ix.Search(context.Background(), Request{Query: q})
				if err == nil && res.Total == 0 {
					err = fmt.Errorf("Search(%q) = 0 hits on build %s", q, res.BuildID)
				}
				if err == nil {
					_, err = ix.Film(context.Background(), "giselle-1975")
				}
				searches.Add(1)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}

	var retired []*snapshot
	ids := map[string]bool{ix.Manifest().ID: true}
	for range 20 {
		if _, err := publishDir(context.Background(), "../../corpus", root); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		old := ix.cur.Load()
		swapped, err := ix.Reload()
		if err != nil || !swapped {
			t.Errorf("Reload after Publish = %v, %v; want true, nil", swapped, err)
			continue
		}
		retired = append(retired, old)
		ids[ix.Manifest().ID] = true
	}
	close(stop)
	wg.Wait()

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d searches failed; first: %v", n, searches.Load(), firstErr.Load())
	}
	if len(ids) != 21 || ix.Swaps() != 20 {
		t.Errorf("served %d distinct builds over %d swaps; want 21 over 20", len(ids), ix.Swaps())
	}
	for _, s := range retired {
		if n := s.refs.Load(); n != 0 {
			t.Errorf("retired build %s has %d references; want 0 (closed)", s.manifest.ID, n)
		}
	}
	t.Logf("%d searches over 20 swaps", searches.Load())
}

func TestReload(t *testing.T) {
	root := t.TempDir()
	films := syntheticFilms(10)
	first := publishFilms(t, root, films)
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	steps := []struct {
		name    string
		publish bool
		want    bool
	}{
		{name: "no change", want: false},
		{name: "new build", publish: true, want: true},
		{name: "no change again", want: false},
	}
	for _, st := range steps {
		if st.publish {
			publishFilms(t, root, films)
		}
		got, err := ix.Reload()
		if err != nil || got != st.want {
			t.Errorf("%s: Reload() = %v, %v; want %v, nil", st.name, got, err, st.want)
		}
	}
	if ix.Manifest().ID == first.ID {
		t.Errorf("Manifest().ID = %s after a swap; want the new build", first.ID)
	}
	ix.Close()
	if _, err := ix.Reload(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reload after Close = %v; want %v", err, ErrClosed)
	}
}

// TestAttackKilledBeforeSwitch leaves what an indexer killed between its rename and its switch
// leaves: a finished build, newer than current, never published. It counted toward Keep, so
// the next publish kept it and pruned a build that had been served. Now it is removed as a
// leftover, and the builds kept are the ones published.
func TestAttackKilledBeforeSwitch(t *testing.T) {
	root := t.TempDir()
	films := syntheticFilms(10)
	opts := PublishOptions{Keep: 2}
	if _, err := Publish(context.Background(), films, root, opts); err != nil {
		t.Fatal(err)
	}
	served, err := Publish(context.Background(), films, root, opts)
	if err != nil {
		t.Fatal(err)
	}
	orphan := newBuildID(time.Now(), "orphan")
	copyBuild(t, root, served.ID, orphan)
	time.Sleep(2 * time.Millisecond) // ids are in milliseconds

	next, err := Publish(context.Background(), films, root, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := listBuilds(t, root)
	if want := []string{served.ID, next.ID}; !slices.Equal(got, want) {
		t.Errorf("builds after a publish with Keep 2 = %v; want the two published last %v, without the unpublished %s", got, want, orphan)
	}
}
