# The checks CI runs (.ci/run), for developers.
.PHONY: check test race vet fmt build bench fuzz docs

check: fmt vet test race

test:
	go test ./...
	cd sdk/contract && go test ./...
	go test -tags phalanxliar ./devnet -run Liar

# The short suite (no networks) under the race detector.
race:
	go test -race -short ./...

vet:
	go vet ./...
	GOOS=wasip1 GOARCH=wasm go vet ./examples/...
	cd sdk/contract && go vet ./... && GOOS=wasip1 GOARCH=wasm go vet ./...

fmt:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

# Rewrite docs/protocol.md's generated tables (errors, events) from the
# code; internal/docgen's test fails while they differ.
docs:
	go run ./internal/docgen

build:
	go build -o phalanx ./cmd/phalanx

bench:
	go run ./cmd/phalanx bench transfers --gatekeepers 4 --seconds 20
	go run ./cmd/phalanx bench transfers --gatekeepers 1 --seconds 20

# Run every fuzz target of the repository, one after another (go test -fuzz
# takes one target at a time), each for FUZZTIME. FUZZMINIMIZE caps the
# runs spent minimizing each new input: Go's default of 60 s per input used
# to take a whole run on the targets with large inputs (FuzzVerifyTDX: 8
# executions in 30 s before, ~4,000/s after; see docs/performance.md).
# internal/fuzzlimit's test fails when a Fuzz function is missing here.
FUZZTIME ?= 30s
FUZZMINIMIZE ?= 100x
FUZZ_TARGETS = \
	chain/app:FuzzBlock \
	chain/modules/gov:FuzzMsgs \
	chain/modules/staking:FuzzMsgs \
	chain/modules/keys:FuzzSealingRootPayloads \
	chain/modules/mq/keeper:FuzzDecode \
	chain/pha:FuzzAmountCBOR \
	chain/pha:FuzzParse \
	chain/snapshot:FuzzDecode \
	chain/tx:FuzzDecode \
	crypto/envelope:FuzzOpenRequest \
	crypto/envelope:FuzzSessionOpen \
	enclave:FuzzRootGrant \
	enclave:FuzzWrappedKey \
	internal/safetext:FuzzShow \
	tee/verify:FuzzParseCollateral \
	tee/verify:FuzzVerifySNP \
	tee/verify:FuzzVerifySim \
	tee/verify:FuzzVerifyTDX \
	wasm:FuzzCompile \
	wasm:FuzzHostABI \
	wasm/internal/gas:FuzzInstrument \
	worker/api:FuzzDecode \
	worker/follow:FuzzDecodeCheckpoint

# Each target runs in its package's directory, so a target in the contract
# SDK's own module (sdk/contract/...) is listed the same way.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		dir=$${t%%:*}; name=$${t##*:}; \
		echo "== $$dir $$name ($(FUZZTIME))"; \
		(cd $$dir && go test . -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)); \
	done
