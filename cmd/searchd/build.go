package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/term"

	"filmsearch/internal/index"
)

// Builds run in a child process, searchd's own binary started again with buildChildEnv set:
// a build allocates hundreds of MB that the serving process would keep long after, and a
// build that runs out of memory is then killed alone while searchd goes on serving.
const buildChildEnv = "SEARCHD_INTERNAL_BUILD"

// buildStopGrace is how long a child build has, after SIGTERM, to remove its files and exit
// before it is killed. It stops within a batch of films, well under a second.
const buildStopGrace = 5 * time.Second

// buildResult is what a child build reports on its stdout.
type buildResult struct {
	Manifest index.Manifest `json:"manifest"`
	Error    string         `json:"error,omitempty"`
	// Running: another process holds the index's build lock.
	Running bool `json:"build_running,omitempty"`
}

// childMain is the whole program when buildChildEnv is set: main and the tests' TestMain call
// it. It returns the exit code.
func childMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := runBuildChild(ctx, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "searchd build:", err)
		return 1
	}
	return 0
}

// runBuildChild publishes the corpus named by args and writes a buildResult to stdout. A
// failed build is a result, not an error; an error means no result could be written.
func runBuildChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("searchd build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpusPath := fs.String("corpus", "", "collection")
	root := fs.String("index", "", "index directory")
	logFormat := fs.String("log-format", "json", "json or console")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpusPath == "" || *root == "" {
		return errors.New("--corpus and --index are required")
	}
	// When memory runs out, the kernel should kill the build, never the searchd that serves.
	// Raising one's own score needs no privilege; where /proc is not writable the build runs
	// anyway.
	os.WriteFile("/proc/self/oom_score_adj", []byte("1000"), 0)
	log := newLogger(*logFormat, stderr).With().Str("process", "build").Logger()
	m, c, err := index.PublishCorpus(ctx, *corpusPath, *root, index.PublishOptions{Version: version})
	if c != nil {
		logProblems(&log, c)
	}
	res := buildResult{Manifest: m}
	if err != nil {
		res = buildResult{Error: err.Error(), Running: errors.Is(err, index.ErrBuildRunning)}
	}
	return json.NewEncoder(stdout).Encode(res)
}

// errBuildProcess marks a child build that ended without a result: killed (out of memory,
// by an operator) or crashed.
var errBuildProcess = errors.New("build process failed")

// publishCorpus publishes cfg's corpus under cfg's index in a child process and returns the
// new build's manifest. When ctx ends, the child is asked to stop (SIGTERM), and killed after
// buildStopGrace; either way the build that current points to stays. The error wraps
// index.ErrBuildRunning when another process is building the index. The child's log lines go
// to stderr.
func publishCorpus(ctx context.Context, cfg config, stderr io.Writer) (index.Manifest, error) {
	// /proc/self/exe is this very binary even when a newer one was installed over its path.
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return index.Manifest{}, fmt.Errorf("build: %w", err)
		}
	}
	format := cfg.logFormat
	if format == "auto" {
		format = "json"
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "console"
		}
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "--corpus", cfg.corpus, "--index", cfg.index, "--log-format", format)
	cmd.Env = append(os.Environ(), buildChildEnv+"=1")
	cmd.Stdout = &out
	cmd.Stderr = stderr
	cmd.SysProcAttr = childProcAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = buildStopGrace
	// The child dies with the thread that started it (childProcAttr), so that thread must
	// not be reused or ended while the child runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	runErr := cmd.Run()
	var res buildResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		if ctx.Err() != nil {
			return index.Manifest{}, fmt.Errorf("build interrupted: %w", ctx.Err())
		}
		return index.Manifest{}, fmt.Errorf("%w after %.1f s: %v", errBuildProcess, time.Since(start).Seconds(), runErr)
	}
	switch {
	case res.Running:
		return index.Manifest{}, fmt.Errorf("%s: %w", res.Error, index.ErrBuildRunning)
	case res.Error != "" && ctx.Err() != nil:
		return index.Manifest{}, fmt.Errorf("build interrupted: %s: %w", res.Error, ctx.Err())
	case res.Error != "":
		return index.Manifest{}, errors.New(res.Error)
	}
	return res.Manifest, nil
}
