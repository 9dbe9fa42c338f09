# convkit developer targets. `make test` is the README's test command and
# what CI runs after gofmt/vet/staticcheck (.ci/run).
GO ?= go
PKGS ?= ./...

.PHONY: test test-asm test-purego race bench fuzz check golden

## test: every test twice — with the AVX2/FMA assembly and with -tags purego.
test: test-asm test-purego

test-asm:
	$(GO) test -count=1 $(PKGS)

test-purego:
	$(GO) test -count=1 -tags purego $(PKGS)

race:
	$(GO) test -race -count=1 $(PKGS)

## bench: kernel benchmarks (GFLOP/s). Compare runs with benchstat.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/... ./conv/...

## fuzz: each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSpec -fuzztime $(FUZZTIME) ./conv/
	$(GO) test -run '^$$' -fuzz FuzzSgemm -fuzztime $(FUZZTIME) ./internal/gemm/
	$(GO) test -run '^$$' -fuzz FuzzPlan -fuzztime $(FUZZTIME) ./conv/
	$(GO) test -run '^$$' -fuzz FuzzReadNPY -fuzztime $(FUZZTIME) ./tensor/
	$(GO) test -run '^$$' -fuzz FuzzReadIDX -fuzztime $(FUZZTIME) ./data/
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME) ./safetensors/

## check: formatting, vet and staticcheck.
check:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	staticcheck ./...

## golden: regenerate the PyTorch golden data (needs Debian's python3-torch).
golden:
	/usr/bin/python3 scripts/golden.py
