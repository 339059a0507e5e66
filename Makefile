# The checks CI runs (.ci/run), for developers.
.PHONY: check test vet fmt build bench fuzz

check: fmt vet test

test:
	go test ./...
	cd sdk/contract && go test ./...
	go test -tags phalanxliar ./devnet -run Liar

vet:
	go vet ./...
	GOOS=wasip1 GOARCH=wasm go vet ./examples/...
	cd sdk/contract && go vet ./... && GOOS=wasip1 GOARCH=wasm go vet ./...

fmt:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

build:
	go build -o phalanx ./cmd/phalanx

bench:
	go run ./cmd/phalanx bench transfers --gatekeepers 4 --seconds 20
	go run ./cmd/phalanx bench transfers --gatekeepers 1 --seconds 20

# Run each fuzz target for a minute (go test -fuzz takes one target at a time).
fuzz:
	go test ./chain/tx -run XXX -fuzz FuzzDecode -fuzztime 60s
	go test ./chain/app -run XXX -fuzz FuzzBlock -fuzztime 60s
	go test ./chain/pha -run XXX -fuzz FuzzAmountCBOR -fuzztime 60s
