package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"filmsearch/internal/testkit"
)

// TestMain lets the test binary stand in for searchd's binary when run starts a child build:
// publishCorpus starts the running executable again with buildChildEnv set.
func TestMain(m *testing.M) {
	if os.Getenv(buildChildEnv) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := childMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	testkit.Main(m)
}
