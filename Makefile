# The lottery's entry points. `make help` lists them.
AGENCIES ?= 5
ROWS     ?= 100
FUZZTIME ?= 1000000x
GO       ?= go
BIN      := bin
LDFLAGS  := -s -w

# `docker compose` (v2) when installed, else docker-compose (1.29).
COMPOSE  ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_FILE := docker-compose-dev.yaml

.PHONY: help build test run data vet clean images compose up logs down validate e2e bench fuzz

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

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

images: build ## build the server and agency images from the static binaries
	docker build -q -f docker/server.Dockerfile -t tp0-server:latest .
	docker build -q -f docker/client.Dockerfile -t tp0-client:latest .

compose: data ## write docker-compose-dev.yaml and the agencies' secrets (.secrets/, kept) for AGENCIES agencies
	scripts/generar-compose.sh $(COMPOSE_FILE) $(AGENCIES)

up: images compose ## start a fresh lottery in Docker: the server and AGENCIES agencies
	$(COMPOSE) -f $(COMPOSE_FILE) down -v -t 10 --remove-orphans
	$(COMPOSE) -f $(COMPOSE_FILE) up -d

logs: ## follow every container's logs
	$(COMPOSE) -f $(COMPOSE_FILE) logs -f

down: ## stop (SIGTERM, 10 s) and remove the containers, network and bets volume
	$(COMPOSE) -f $(COMPOSE_FILE) down -v -t 10 --remove-orphans

validate: ## check the running server with an echo from inside its network
	scripts/validar-echo-server.sh

e2e: images ## the Docker end-to-end suite (needs a Docker engine)
	COMPOSE="$(COMPOSE)" $(GO) test -tags docker -count=1 -timeout 30m -v -run Docker ./cmd/e2e

fuzz: ## run the codec's fuzz targets for FUZZTIME each (an execution count: a duration races Go 1.26's fuzz coordinator, go.dev/issue/75804)
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./net/wire
	$(GO) test -run '^$$' -fuzz '^FuzzReadFrame$$' -fuzztime $(FUZZTIME) ./net/wire

bench: build ## measure the system end to end at ×1, ×10 and ×100 the course dataset
	$(GO) run ./cmd/bench -bin $(BIN) $(BENCHFLAGS)

clean: ## remove build outputs (not .secrets/: agencies keep their secrets)
	rm -rf $(BIN) $(COMPOSE_FILE)
