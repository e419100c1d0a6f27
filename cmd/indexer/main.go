// Command indexer validates a film collection and publishes it as a new versioned Bleve build:
// it builds into DIR/builds/<id>.tmp, verifies the build, renames it and switches DIR/current
// to it atomically. A failed or interrupted run leaves the served build untouched.
//
//	indexer --corpus corpus --index data/index
//	indexer --check --corpus films.jsonl
//
// An unchanged corpus (same digest, same index format as the current build) is not rebuilt
// unless --force.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"filmsearch/internal/cli"
	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "indexer: %v\n", err)
		os.Exit(1)
	}
}

type config struct {
	corpus  string
	index   string
	check   bool
	force   bool
	verbose bool
	keep    int
	version bool
}

func parseFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("indexer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := cli.NewEnv(getenv)
	fs.StringVar(&c.corpus, "corpus", env.String("INDEXER_CORPUS", "corpus"),
		"collection: a directory of *.txt/*.jsonl, or one such file (env INDEXER_CORPUS)")
	fs.StringVar(&c.index, "index", env.String("INDEXER_INDEX", "data/index"),
		"index root holding builds/ and the current symlink (env INDEXER_INDEX)")
	fs.BoolVar(&c.check, "check", env.Bool("INDEXER_CHECK", false), "validate the collection only; build nothing (env INDEXER_CHECK)")
	fs.BoolVar(&c.force, "force", env.Bool("INDEXER_FORCE", false), "build even when the current build is of this very corpus (env INDEXER_FORCE)")
	fs.BoolVar(&c.verbose, "verbose", env.Bool("INDEXER_VERBOSE", false), "list every warning and error, not the first few of each kind (env INDEXER_VERBOSE)")
	fs.IntVar(&c.keep, "keep", env.Int("INDEXER_KEEP", 3), "builds to keep, the new one included (env INDEXER_KEEP)")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	if err := cli.Parse(fs, args, stdout,
		"indexer validates a film collection and publishes it as a new build of the search index.",
		"indexer [--check] [--force] [--verbose] [--corpus DIR|FILE] [--index DIR] [--keep N]"); err != nil {
		return c, err
	}
	if err := env.Err(); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.keep < 1 {
		return c, fmt.Errorf("--keep %d: must be at least 1", c.keep)
	}
	return c, nil
}

// run is the whole program; it returns instead of exiting so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.version {
		fmt.Fprintf(stdout, "indexer %s\n", version)
		return nil
	}

	start := time.Now()
	if !cfg.check && !cfg.force {
		// Hashing the files is cheap next to a build, which an unchanged corpus does not need.
		digest, err := corpus.Digest(cfg.corpus)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		st, err := index.Stale(cfg.index, digest)
		if err != nil {
			return err
		}
		if st.Reason == "" {
			dir, _ := index.Current(cfg.index)
			fmt.Fprintf(stdout, "corpus unchanged since build %s; nothing to do (--force builds anyway)\n", filepath.Base(dir))
			return nil
		}
	}
	c, syn, err := index.LoadCorpus(cfg.corpus, cfg.check)
	if err != nil {
		return err
	}
	printProblems(stderr, "warning", c.Warnings, cfg.verbose)
	printProblems(stderr, "error", c.Errors, cfg.verbose)
	if cfg.check {
		fmt.Fprintf(stdout, "checked %d films: %s, %s\n",
			c.Count, plural(corpus.CountProblems(c.Errors), "error"), plural(corpus.CountProblems(c.Warnings), "warning"))
		return index.CorpusErr(cfg.corpus, c)
	}
	if err := index.CorpusErr(cfg.corpus, c); err != nil {
		fmt.Fprintf(stdout, "indexed 0 films: %s, %s; nothing published\n",
			plural(corpus.CountProblems(c.Errors), "error"), plural(corpus.CountProblems(c.Warnings), "warning"))
		return err
	}
	// A signal during loading should not start a build.
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(stdout, "indexed 0 films: interrupted; nothing published")
		return fmt.Errorf("interrupted: %w", err)
	}

	opts := index.PublishOptions{
		CorpusDigest: c.Digest,
		Version:      version,
		Synonyms:     syn,
		Intro:        c.Intro,
		Keep:         cfg.keep,
		Consume:      true, // the films are not used again
	}
	var bar *progressBar
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = &progressBar{w: stderr}
		opts.Progress = bar.update
	}
	films := c.Films
	c.Films = nil // the build's collections need not trace them; see index.Publish
	man, err := index.Publish(ctx, films, cfg.index, opts)
	bar.clear()
	secs := time.Since(start).Seconds()
	if err != nil {
		what := "build failed"
		if ctx.Err() != nil {
			what = "interrupted"
		}
		fmt.Fprintf(stdout, "indexed 0 films: %s after %.2f s; nothing published\n", what, secs)
		return err
	}
	if err := giveToOwner(cfg.index); err != nil {
		fmt.Fprintf(stderr, "warning: published, but could not give the build to the index directory's owner: %v\n", err)
	}
	fmt.Fprintf(stdout, "indexed %d films (%s) in %.2f s, %.0f films/s, %.1f MB, build %s\n",
		man.DocCount, plural(corpus.CountProblems(c.Warnings), "warning"), secs, float64(man.DocCount)/secs,
		float64(man.SizeBytes)/1e6, man.ID)
	return nil
}

// shownPerKind is how many problems of one kind are printed without --verbose.
const shownPerKind = 3

// printProblems prints problems grouped by kind, the largest group first: every problem of a
// small group, the first few of a large one and a line that counts the rest, or all with
// verbose.
func printProblems(w io.Writer, label string, ps []corpus.Problem, verbose bool) {
	for _, g := range corpus.GroupProblems(ps) {
		shown := g.Problems
		if !verbose && len(shown) > shownPerKind {
			shown = shown[:shownPerKind]
		}
		for _, p := range shown {
			fmt.Fprintf(w, "%s: %s\n", label, p)
		}
		if rest := g.Count - corpus.CountProblems(shown); rest > 0 {
			fmt.Fprintf(w, "%s: ... %s in all of %q (%d more; --verbose lists them)\n", label, plural(g.Count, label), g.Kind, rest)
		}
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// progressBar draws one line on a terminal, rewritten in place with \r. A nil bar draws nothing.
type progressBar struct {
	w     io.Writer
	drawn bool
}

const barWidth = 30

func (b *progressBar) update(done, total int) {
	if total <= 0 {
		return
	}
	filled := barWidth * done / total
	line := fmt.Sprintf("\r[%s%s] %d/%d films %3d%%", strings.Repeat("#", filled),
		strings.Repeat(" ", barWidth-filled), done, total, 100*done/total)
	if done == total {
		line += ", merging and verifying"
	}
	io.WriteString(b.w, line+"\x1b[K")
	b.drawn = true
}

// clear erases the bar so the next line starts clean.
func (b *progressBar) clear() {
	if b == nil || !b.drawn {
		return
	}
	io.WriteString(b.w, "\r\x1b[K")
	b.drawn = false
}
