package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filmsearch/internal/cli/clitest"
	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

// runIndexer calls run with env and returns its error and outputs.
func runIndexer(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), args, getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCheck(t *testing.T) {
	stdout, stderr, err := runIndexer(t, nil, "--check", "--corpus", "../../corpus")
	if err != nil {
		t.Fatalf("run --check: %v\nstderr:\n%s", err, stderr)
	}
	if want := "checked 10 films: 0 errors, 1 warning\n"; stdout != want {
		t.Errorf("stdout = %q; want %q", stdout, want)
	}
	want := "warning: " + filepath.Join("../../corpus", "soviet-ballet-films.txt") + ":15: fact does not end a sentence"
	if !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q; want one line starting %q", stderr, want)
	}
}

func TestBuild(t *testing.T) {
	root := t.TempDir()
	stdout, stderr, err := runIndexer(t, map[string]string{"INDEXER_INDEX": root}, "--corpus", "../../corpus")
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "indexed 10 films (1 warning) in ") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("stdout = %q; want one line starting %q", stdout, "indexed 10 films (1 warning) in ")
	}
	if !strings.Contains(stderr, "warning: ") || strings.Contains(stderr, "\r") {
		t.Errorf("stderr = %q; want the warning and no progress bar (not a terminal)", stderr)
	}
	dir, err := index.Current(root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := index.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.DocCount != 10 || m.Version != version || !strings.HasSuffix(stdout, "build "+m.ID+"\n") {
		t.Errorf("manifest = %+v; want 10 docs, version %q, id as printed in %q", m, version, stdout)
	}
}

// TestBuildFile indexes a single JSONL file, the way the 36k corpus is indexed.
func TestBuildFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "films.jsonl")
	writeFile(t, file, `{"title": "Swan Lake", "year": 1957, "description": "A ballet film.", "facts": ["Shot in Moscow."]}
{"title": "Giselle", "year": 1975, "description": "A tragic love story.", "facts": ["Filmed on stage."]}
`)
	root := filepath.Join(dir, "index")
	stdout, stderr, err := runIndexer(t, nil, "--corpus", file, "--index", root)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "indexed 2 films (0 warnings) in ") {
		t.Errorf("stdout = %q; want indexed 2 films (0 warnings) ...", stdout)
	}
	ix, err := index.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), index.Request{Query: "giselle"})
	if err != nil || res.Total != 1 {
		t.Fatalf("Search(giselle) = %v, %v; want 1 hit", res, err)
	}
}

func TestInvalidCorpus(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "films.jsonl"), `{"title": "Giselle", "year": 1975, "description": "A tragic love story.", "facts": []}
{"year": 1977, "description": "No title."}
`)
	for _, args := range [][]string{{"--check"}, nil} {
		root := filepath.Join(t.TempDir(), "index")
		stdout, stderr, err := runIndexer(t, nil, append(args, "--corpus", dir, "--index", root)...)
		if !errors.Is(err, corpus.ErrInvalid) {
			t.Errorf("run %v: err = %v; want %v", args, err, corpus.ErrInvalid)
		}
		wantErr := "error: " + filepath.Join(dir, "films.jsonl") + ":2: "
		if !strings.Contains(stderr, wantErr) {
			t.Errorf("run %v: stderr = %q; want a line starting %q", args, stderr, wantErr)
		}
		if strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, "1 error") {
			t.Errorf("run %v: stdout = %q; want one summary line with 1 error", args, stdout)
		}
		if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %v: index root exists (%v); want nothing written", args, err)
		}
	}
}

// TestRefusedLikeSearchd: a collection the indexer refuses is refused with the very error of
// index.PublishCorpus, which searchd's builds run (cmd/searchd's TestRefusedLikeIndexer checks
// searchd against it), with --check too.
func TestRefusedLikeSearchd(t *testing.T) {
	for _, c := range testkit.RefusedCorpora(t) {
		_, _, want := index.PublishCorpus(context.Background(), c.Dir, t.TempDir(), index.PublishOptions{})
		if !errors.Is(want, corpus.ErrInvalid) {
			t.Fatalf("%s: PublishCorpus = %v; want it refused as invalid", c.Name, want)
		}
		for _, args := range [][]string{nil, {"--check"}} {
			_, _, err := runIndexer(t, nil, append(args, "--corpus", c.Dir, "--index", t.TempDir())...)
			if err == nil || err.Error() != want.Error() || !errors.Is(err, corpus.ErrInvalid) {
				t.Errorf("%s: indexer %v = %v; want %v", c.Name, args, err, want)
			}
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    bool
		wantStdout string
	}{
		{name: "version", args: []string{"--version"}, wantStdout: "indexer dev\n"},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: true},
		{name: "extra argument", args: []string{"corpus"}, wantErr: true},
		{name: "keep zero", args: []string{"--keep", "0"}, wantErr: true},
		{name: "bad env keep", env: map[string]string{"INDEXER_KEEP": "many"}, wantErr: true},
		{name: "missing corpus", args: []string{"--check", "--corpus", "no/such/dir"}, wantErr: true},
		{name: "env corpus", args: []string{"--check"}, env: map[string]string{"INDEXER_CORPUS": "../../corpus"},
			wantStdout: "checked 10 films: 0 errors, 1 warning\n"},
		{name: "flag beats env", args: []string{"--check", "--corpus", "../../corpus"},
			env: map[string]string{"INDEXER_CORPUS": "no/such/dir"}, wantStdout: "checked 10 films: 0 errors, 1 warning\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runIndexer(t, tt.env, tt.args...)
			if (err != nil) != tt.wantErr {
				t.Errorf("run %v = %v; want error %v", tt.args, err, tt.wantErr)
			}
			if stdout != tt.wantStdout {
				t.Errorf("run %v: stdout = %q; want %q", tt.args, stdout, tt.wantStdout)
			}
		})
	}
}

// TestInterrupted checks a cancelled run publishes nothing.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"--corpus", "../../corpus", "--index", root}, func(string) string { return "" }, &out, &errOut)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run with cancelled ctx = %v; want %v", err, context.Canceled)
	}
	if _, err := index.Current(root); !errors.Is(err, index.ErrNoBuild) {
		t.Errorf("Current after interrupted run = %v; want %v", err, index.ErrNoBuild)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	b := &progressBar{w: &buf}
	b.update(500, 1000)
	b.update(1000, 1000)
	b.clear()
	got := buf.String()
	for _, want := range []string{"500/1000 films  50%", "1000/1000 films 100%, merging and verifying", "\r\x1b[K"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar output %q lacks %q", got, want)
		}
	}
	var nilBar *progressBar
	nilBar.clear() // must not panic
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHelp: --help exits 0 with a description and every flag with its variable, and the
// README's indexer table lists exactly those.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		stdout, _, err := runIndexer(t, nil, arg)
		if err != nil {
			t.Fatalf("run %s = %v; want nil (exit 0)", arg, err)
		}
		h := clitest.CheckHelp(t, stdout, "version")
		clitest.CompareReadme(t, h, "../../README.md", "### indexer", "version")
	}
}

// TestUnchangedCorpus: a second run on the same corpus publishes nothing, --force does, and an
// edit to the corpus (or its themes) does.
func TestUnchangedCorpus(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "films.jsonl")
	writeFile(t, file, `{"title": "Giselle", "year": 1975, "description": "A tragic love story."}`+"\n")
	root := filepath.Join(dir, "index")
	build := func(args ...string) (string, string) {
		t.Helper()
		stdout, stderr, err := runIndexer(t, nil, append([]string{"--corpus", file, "--index", root}, args...)...)
		if err != nil {
			t.Fatalf("run %v: %v\n%s", args, err, stderr)
		}
		cur, err := index.Current(root)
		if err != nil {
			t.Fatal(err)
		}
		return stdout, filepath.Base(cur)
	}
	_, first := build()
	out, second := build()
	if second != first || !strings.HasPrefix(out, "corpus unchanged since build "+first+"; nothing to do") {
		t.Errorf("second run: %q, current %s; want nothing done, current still %s", out, second, first)
	}
	if out, forced := build("--force"); forced == first || !strings.HasPrefix(out, "indexed 1 films") {
		t.Errorf("--force: %q, current %s; want a new build", out, forced)
	}
	_, before := build()
	writeFile(t, filepath.Join(dir, "synonyms.json"), `{"groups": [["ballet", "dance"]]}`)
	if _, after := build(); after == before {
		t.Errorf("after editing synonyms.json current is still %s; want a new build", before)
	}
	writeFile(t, file, `{"title": "Giselle", "year": 1975, "description": "A tragic love story."}`+"\n"+
		`{"title": "Spartacus", "year": 1977, "description": "A slave revolt."}`+"\n")
	if out, _ := build(); !strings.HasPrefix(out, "indexed 2 films") {
		t.Errorf("after adding a film: %q; want indexed 2 films", out)
	}
}

// TestWarningsGrouped: many warnings of one kind print the first few and a count, all with
// --verbose; unknown fields are named once.
func TestWarningsGrouped(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 10 {
		b.WriteString(`{"title": "Film ` + string(rune('A'+i)) + `", "year": 1975, "description": "", "origin": "x"}` + "\n")
	}
	writeFile(t, filepath.Join(dir, "films.jsonl"), b.String())
	_, stderr, err := runIndexer(t, nil, "--check", "--corpus", dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stderr, "empty description\n"); n != shownPerKind {
		t.Errorf("stderr shows %d empty descriptions; want %d:\n%s", n, shownPerKind, stderr)
	}
	for _, want := range []string{
		`warning: ... 10 warnings in all of "empty description" (7 more; --verbose lists them)`,
		`films.jsonl:1: unknown field "origin" ignored (10 records with it; reported once)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	_, stderr, _ = runIndexer(t, nil, "--check", "--verbose", "--corpus", dir)
	if n := strings.Count(stderr, "empty description\n"); n != 10 {
		t.Errorf("--verbose shows %d empty descriptions; want 10", n)
	}
}
