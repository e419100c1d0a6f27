package index

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyBuild copies the build src under root to a new build named name, as an operator or an
// attacker with a shell would, and returns its directory.
func copyBuild(t *testing.T, root, src, name string) string {
	t.Helper()
	from := filepath.Join(root, buildsDir, src)
	to := filepath.Join(root, buildsDir, name)
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// segment returns the path of the build's one segment file.
func segment(t *testing.T, dir string) string {
	t.Helper()
	zaps, _ := filepath.Glob(filepath.Join(dir, bleveDir, "store", "*.zap"))
	if len(zaps) != 1 {
		t.Fatalf("segments in %s: %v; want one", dir, zaps)
	}
	return zaps[0]
}

// scribble overwrites n bytes of the file at path with seeded random bytes, from offset at
// (a fraction of its length).
func scribble(t *testing.T, path string, seed uint64, at float64, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 13))
	off := int(float64(len(b)) * at)
	for i := off; i < min(len(b), off+n); i++ {
		b[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAttackDamagedSegment writes random bytes into a copy of a good build, points current at
// it, and asks the index to swap it in (the poll, SIGHUP and the admin reload all call Reload)
// and to open it at start-up. Some damage made Bleve panic while facet columns loaded, which
// killed searchd on every start; other damage was served and answered 500. Now the build is
// refused with ErrDamaged, the good build stays served, and a fresh Open falls back to it.
func TestAttackDamagedSegment(t *testing.T) {
	root := t.TempDir()
	films := syntheticFilms(200)
	good := publishFilms(t, root, films)
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	for i, tt := range []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"random bytes early in the segment", func(t *testing.T, dir string) { scribble(t, segment(t, dir), 1, 0.1, 256) }},
		{"random bytes late in the segment", func(t *testing.T, dir string) { scribble(t, segment(t, dir), 2, 0.5, 256) }},
		{"segment truncated", func(t *testing.T, dir string) {
			if err := os.Truncate(segment(t, dir), 1000); err != nil {
				t.Fatal(err)
			}
		}},
		{"segment removed", func(t *testing.T, dir string) { os.Remove(segment(t, dir)) }},
		{"random bytes in the bolt root", func(t *testing.T, dir string) {
			scribble(t, filepath.Join(dir, bleveDir, "store", "root.bolt"), 3, 0.0, 4096)
		}},
		{"checksums garbled", func(t *testing.T, dir string) { scribble(t, filepath.Join(dir, checksumsFile), 4, 0.2, 16) }},
		// Without the sidecar nothing is checked: the panic itself must be recovered. Builds
		// differ by a few bytes, so which damage panics Bleve varies: panicking finds some.
		{"checksums removed, damage that panics Bleve", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, checksumsFile))
			panicking(t, dir)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := good.ID + "-damaged-" + string(rune('a'+i))
			tt.damage(t, copyBuild(t, root, good.ID, bad))
			if err := switchCurrent(root, bad); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time answers the remembered refusal
				swapped, err := ix.Reload()
				if swapped || !errors.Is(err, ErrDamaged) {
					t.Fatalf("Reload() = %v, %v; want an error wrapping ErrDamaged", swapped, err)
				}
			}
			if m := ix.Manifest(); m.ID != good.ID {
				t.Errorf("serving %s; want %s", m.ID, good.ID)
			}
			if r, ok := ix.Refused(); !ok || r.BuildID != bad || !errors.Is(r.Err, ErrDamaged) {
				t.Errorf("Refused() = %+v, %v; want %s refused", r, ok, bad)
			}
			checkBrowseAll(t, ix, len(films))

			// A restart opens current: it must serve the good build, not crash.
			ix2, err := Open(root)
			if err != nil {
				t.Fatalf("Open with current damaged: %v", err)
			}
			defer ix2.Close()
			if m := ix2.Manifest(); m.ID != good.ID {
				t.Errorf("Open serves %s; want the fallback %s", m.ID, good.ID)
			}
			if r, ok := ix2.Refused(); !ok || r.BuildID != bad {
				t.Errorf("after Open, Refused() = %+v, %v; want %s refused", r, ok, bad)
			}
			checkBrowseAll(t, ix2, len(films))
		})
	}

	// Pointing current back at the good build clears the refusal.
	if err := switchCurrent(root, good.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Reload(); err != nil {
		t.Fatal(err)
	}
	if r, ok := ix.Refused(); ok {
		t.Errorf("current is good again, but Refused() = %+v", r)
	}
	if n := ix.Refusals(); n != 7 {
		t.Errorf("Refusals() = %d; want 7, one per damaged build", n)
	}
}

// panicking writes random bytes into the segment of the build in dir where they make Bleve panic
// on open: it tries places in the first quarter of the segment, where the field and doc-value
// structures lie, on a scratch copy each time, until openSnapshot panics.
func panicking(t *testing.T, dir string) {
	t.Helper()
	seg := segment(t, dir)
	orig, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []float64{0.2, 0.15, 0.1, 0.05, 0.25, 0.12, 0.18, 0.08, 0.22} {
		scribble(t, seg, uint64(i), at, 256)
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			if s, err := openSnapshot(dir); err == nil {
				s.close()
			}
			return false
		}()
		if panicked {
			return
		}
		if err := os.WriteFile(seg, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("no damage tried made Bleve panic")
}

// TestOpenNoGoodBuild checks that Open fails, rather than serving garbage, when every build is
// damaged.
func TestOpenNoGoodBuild(t *testing.T) {
	root := t.TempDir()
	m := publishFilms(t, root, syntheticFilms(20))
	scribble(t, segment(t, filepath.Join(root, buildsDir, m.ID)), 5, 0.5, 64)
	if ix, err := Open(root); !errors.Is(err, ErrDamaged) {
		if ix != nil {
			ix.Close()
		}
		t.Fatalf("Open with the only build damaged = %v; want an error wrapping ErrDamaged", err)
	}
}

func checkBrowseAll(t *testing.T, ix *Index, want int) {
	t.Helper()
	res, err := ix.Search(context.Background(), Request{})
	if err != nil {
		t.Fatalf("Search(browse all): %v", err)
	}
	if res.Total != want {
		t.Errorf("Search(browse all) = %d hits; want %d", res.Total, want)
	}
}

// FuzzParseChecksums checks that the sidecar parser never panics, that every error wraps
// ErrDamaged, and that what it accepts are clean paths inside the build, each listed once.
func FuzzParseChecksums(f *testing.F) {
	f.Add([]byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  index/store/root.bolt\n"))
	f.Add([]byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ../../etc/passwd\n"))
	f.Add([]byte("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855  a\n"))
	f.Add([]byte(""))
	f.Add([]byte("\x00\xff  \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := parseChecksums(data)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("parseChecksums error %v does not wrap ErrDamaged", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range sums {
			if !fs.ValidPath(s.path) || strings.HasPrefix(s.path, "/") || seen[s.path] || len(s.sum) != 64 {
				t.Fatalf("accepted %+v", s)
			}
			seen[s.path] = true
		}
	})
}
