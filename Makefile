# Developer shortcuts. CI runs .ci/run.
.PHONY: test race ci fuzz soak sandbox container deploy-check

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

# The long reliability runs (docs/reliability.md): the fault matrix, the
# process tests and the security scans SOAK_COUNT times each, with
# SOAK_TRIALS kill -9 trials of run and as many of serve (CI runs 5 and 2),
# race detector on. The full log goes to $(SOAK_LOG); the figures and any
# failure are printed.
SOAK_TRIALS ?= 40
SOAK_COUNT ?= 2
SOAK_LOG ?= $${TMPDIR:-/tmp}/numora-connector-soak.log
soak:
	@SOAK_TRIALS=$(SOAK_TRIALS) go test -race -count=$(SOAK_COUNT) -timeout 60m -v \
		-run '^(TestFault|TestSecurity|TestSecrets)' ./cmd/numora-connector/ > $(SOAK_LOG) 2>&1; \
	status=$$?; grep -E 'reliability|^(--- FAIL|FAIL|ok)' $(SOAK_LOG); echo "full log: $(SOAK_LOG)"; exit $$status

sandbox:
	go run ./cmd/numora-connector sandbox
	go run ./cmd/numora-connector sandbox --destination salesforce

# The container image, built and smoke-tested as CI does (buildah, as root).
container:
	scripts/ci-container.sh

# The deployment examples: Kubernetes manifests, systemd units, cron wrapper.
deploy-check:
	scripts/ci-deploy.sh
