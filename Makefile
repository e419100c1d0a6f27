# The two commands a fresh checkout needs: `make run` and `make test`.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
INDEX     ?= data/index
CORPUS    ?= corpus
# A count, not a duration: with a duration, Go 1.26's fuzzing coordinator can fail a target at
# its deadline with "context deadline exceeded" on a loaded machine (golang/go#75804, fixed in 1.27).
FUZZTIME  ?= 3000x
export SEARCHD_ADDR ?= 127.0.0.1:8080

.PHONY: run test test-deps test-go fuzz fuzz-ci bench bench-go bench-cold bench-360k bench-profile bench-fts5 golden lint build clean relevance relevance-ir index scaleout-test

run: ## build the index from corpus/ if needed, then serve search and the demo page
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/searchd --index $(INDEX) --corpus $(CORPUS)

index: ## publish a new build of corpus/
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/indexer --index $(INDEX) --corpus $(CORPUS)

test: test-deps lint test-go fuzz-ci ## everything CI runs

test-deps: ## chromium and instantsearch.js for the browser tests, when missing
	./scripts/test-deps.sh

# The relevance measurements and perf's deadline attack build the 36k films (relevance also four
# test collections) and run thousands of queries: single-threaded work that the race detector
# only slows down fivefold.
test-go:
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v -e /internal/relevance -e /internal/perf)
	$(GO) test -count=1 -timeout 15m ./internal/relevance ./internal/perf

fuzz-ci: ## every fuzz target for a short fixed time
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

fuzz: ## every fuzz target for longer
	FUZZTIME=60s ./scripts/fuzz.sh

bench: bench-go bench-cold ## benchmarks on ../shared/data (skipped when absent)

# Every Go benchmark but the first-time ones, which run the binaries and need rounds of their
# own, and the 360k films, which take a target of their own.
bench-go:
	FILMSEARCH_SCALE_MAX=$${FILMSEARCH_SCALE_MAX:-36254} $(GO) test -run '^$$' -bench . -skip '^Benchmark(FirstQuery|Indexer)$$' -benchmem -count 1 -timeout 30m ./...

bench-cold: ## first-time queries of a fresh searchd over HTTP and indexer build cost, FTS5 beside them (3 rounds, ~5 min idle)
	$(GO) test ./internal/perf -run '^$$' -bench '^Benchmark(Indexer|FirstQuery)$$/^films=36254$$' -benchtime 3x -timeout 60m

bench-360k: ## the same at 362,540 films (the corpus ten times over, made in a temp dir; ~15 min idle)
	$(GO) test ./internal/perf -run '^$$' -bench '^Benchmark(Indexer|FirstQuery)$$/^films=362540$$' -benchtime $${BENCH360K_ROUNDS:-1}x -timeout 120m

bench-profile: ## CPU profile of first-time queries in process, top functions (profile kept in bin/)
	@mkdir -p bin
	$(GO) test ./internal/perf -run '^$$' -bench '^BenchmarkFirstQueryInProcess$$' -benchtime 20x -cpuprofile bin/firstquery.prof -o bin/perf.test
	$(GO) tool pprof -top -cum -nodecount 40 bin/perf.test bin/firstquery.prof | head -50

bench-fts5: ## SQLite FTS5 doing the same request, for comparison (needs python3)
	python3 scripts/fts5-bench.py

golden: ## rewrite golden files from the current code
	$(GO) test ./internal/api ./internal/corpus -run Golden -update

relevance: ## the judged queries and the known-item evaluation, as tables
	$(GO) test ./internal/relevance -run 'Relevance|KnownItem' -count=1 -v

relevance-ir: ## nDCG@10, MAP, recall and MRR on the classic IR collections, beside BM25 and plain Bleve
	$(GO) test ./internal/relevance -run '^TestIR$$' -count=1 -v

lint: ## gofmt, go vet and staticcheck (a tool dependency in go.mod)
	@test -z "$$(gofmt -l . | grep -v node_modules)" || { gofmt -l . | grep -v node_modules; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

build: ## static, version-stamped binaries in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/searchd ./cmd/searchd
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/indexer ./cmd/indexer

scaleout-test: ## three replicas behind nginx on loopback, a build published under load (< 2 min)
	./scripts/scaleout-test.sh

clean:
	rm -rf bin data
