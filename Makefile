# Parley's commands. `make run` and `make test` are the two the README gives.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build web run test test-deps bench bench-web bench-short side-by-side crash chaos fuzz fuzz-short lint clean proto

build: web
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/parley ./cmd/parley

# The web apps (agent workbench, customer widget), built into web/*/dist for
# go:embed. Needs Node.js 20 and npm; without them the binary still builds and
# its web pages say how to build them.
web:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix web --no-audit --no-fund && npm run build --prefix web; \
	else echo "npm not found: building Parley without its web apps (the workbench and widget pages will say so)"; fi

# Parley on its embedded defaults: 127.0.0.1:6060, data in ./data (make runs
# in the repository root, so that is <repo>/data). It logs where to connect.
run: build
	./bin/parley serve

# Node packages for the tinode-sdk conformance test, the web app browser test and
# the web workspace (web/: the TypeScript SDK, the widget), whose apps are built
# here, before any Go package that embeds them is compiled.
test-deps:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix test/sdk --no-audit --no-fund; \
	else echo "npm not found: the tinode-sdk conformance test will be skipped"; fi
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix test/webapp --no-audit --no-fund; \
	else echo "npm not found: the web app browser test will be skipped"; fi
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix web --no-audit --no-fund && npm run build --prefix web; \
	else echo "npm not found: the TypeScript SDK's and the widget's tests will be skipped"; fi

# Every test, with the race detector. The summariser prints failing tests'
# output, then "make test: N passed, N failed, N skipped" (CI reads that
# line) and whether the tinode-sdk conformance test ran.
test: test-deps
	$(GO) run ./internal/testsummary $(GO) test -race -count=1 -json ./...

# Benchmarks; figures go to docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# The agent workbench in Chromium (docs/benchmarks.md, "Agent workbench"):
# send to screen, a 10,000-message scroll, 50 busy conversations, first load.
# About ten minutes; BENCH=send,first and BENCH_LOAD_SECONDS=60 shorten it.
bench-web: build
	cd web/workbench && PARLEY_BIN=$(CURDIR)/bin/parley npm run bench

# Each benchmark once, so they keep compiling and running (CI).
bench-short:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

# The same `parley bench` scenarios against two Tinode-protocol servers,
# started beforehand on fresh data, alternately; a markdown table of medians,
# ranges and B/A ratios (docs/loadtest.md, "Side by side"):
#   make side-by-side A=host:port B=host:port [KEYA= KEYB= PIDA= PIDB=
#        NAMEA=A NAMEB=B RUNS=5 SCENARIOS='pairs --pairs 50; ...' OUT=side-by-side.md]
RUNS ?= 5
NAMEA ?= A
NAMEB ?= B
OUT ?= side-by-side.md
side-by-side:
	@test -n "$(A)" && test -n "$(B)" || { echo "usage: make side-by-side A=host:port B=host:port [KEYA= KEYB= PIDA= PIDB= RUNS=5]"; exit 2; }
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/parley ./cmd/parley
	./bin/parley bench side-by-side --a '$(A)' --b '$(B)' --name-a '$(NAMEA)' --name-b '$(NAMEB)' \
		--key-a '$(KEYA)' --key-b '$(KEYB)' --pid-a '$(PIDA)' --pid-b '$(PIDB)' --runs $(RUNS) --out '$(OUT)' \
		$(if $(SCENARIOS),--scenarios '$(SCENARIOS)')

# The long kill -9 run: 20 kills of a real gateway process.
crash:
	PARLEY_CRASH_ROUNDS=20 $(GO) test -race -count=1 -v -run KillNine ./test/crash/

# The long chaos runs (kill mode, lossy relay, and the three-node cluster with
# node kills, a NATS restart and a PostgreSQL crash); figures go to docs/reliability.md.
chaos:
	PARLEY_CHAOS_KILLS=20 PARLEY_CHAOS_MESSAGES=10000 PARLEY_CHAOS_FAULT=0.05 \
	PARLEY_CHAOS_REPORT=$(CURDIR)/docs/reliability.md \
	$(GO) test -race -count=1 -v -timeout 30m -run '^TestChaos' ./test/chaos/

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=10000000x for a long run).
# Budgets are counts, not durations: with a duration, Go 1.26's fuzz coordinator
# can fail a target with a bare "context deadline exceeded" when the time is up
# on a busy machine (golang/go#75804); a count has no deadline to race.
FUZZTIME ?= 1000000x
FUZZ_TARGETS := internal/proto:FuzzDecodeClient internal/proto:FuzzParseMode internal/proto:FuzzApplyMode \
	internal/proto:FuzzParseUserID internal/proto:FuzzTimeUnmarshal internal/session:FuzzSessionReceive \
	internal/session:FuzzDecodeNote internal/session:FuzzDecodePub \
	internal/server:FuzzWireFrames internal/auth:FuzzJWTVerify internal/pbx:FuzzDecodeProtobufClient internal/pbx:FuzzSplitBatch
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$fn ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./$$pkg/; done

# A short fuzz run for CI: the committed corpus and a few seconds more.
fuzz-short:
	$(MAKE) fuzz FUZZTIME=2000x

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

clean:
	rm -rf bin

# Regenerates internal/pbx/parley.pb.go and parley_grpc.pb.go from
# proto/parley.proto, then the TypeScript SDK's web/sdk/src/protobuf/gen
# (buf and protoc-gen-es from the web workspace: npm ci --prefix web). Needs
# protoc (Debian: protobuf-compiler) and
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
proto:
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" protoc -I proto \
		--go_out=internal/pbx --go_opt=paths=source_relative \
		--go-grpc_out=internal/pbx --go-grpc_opt=paths=source_relative proto/parley.proto
	npm --prefix web/sdk run proto
