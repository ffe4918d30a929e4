# Developer shortcuts. CI runs .ci/run.
.PHONY: test race ci fuzz sandbox

test:
	go test ./...

race:
	go test -race ./...

ci:
	bash .ci/run

# Every fuzz target for 5 minutes (FUZZTIME=30s make fuzz for less).
FUZZTIME ?= 5m
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

sandbox:
	go run ./cmd/numora-connector sandbox
