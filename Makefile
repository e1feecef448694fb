# The lottery's entry points. `make help` lists them.
AGENCIES ?= 5
ROWS     ?= 100
GO       ?= go
BIN      := bin
LDFLAGS  := -s -w

.PHONY: help build test run data vet clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build static binaries into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/server ./cmd/client ./cmd/gendata

test: ## run every test with the race detector
	$(GO) test -race ./...

vet: ## go vet
	$(GO) vet ./...

data: ## create any missing .data/agency-{i}.csv (never overwrites)
	$(GO) run ./cmd/gendata -out .data -agencies $(AGENCIES) -rows $(ROWS) -keep

run: build data ## run the server and AGENCIES agencies natively on .data/
	scripts/run-native.sh $(AGENCIES)

clean: ## remove build outputs
	rm -rf $(BIN)
