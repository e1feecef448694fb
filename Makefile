# The lottery's entry points. `make help` lists them.
AGENCIES ?= 5
# NODES=3: three servers on a three-node NATS JetStream cluster (replicas 3).
NODES    ?= 1
ROWS     ?= 100
DATA     ?= .data
ZIP      ?= ../shared/datasets/dataset.zip
DATASET  := .data/course
FUZZTIME ?= 1000000x
GO       ?= go
BIN      := bin
LDFLAGS  := -s -w
# BET="first,last,document,birthdate,number": one bet more for agency 1.
export BET

# `docker compose` (v2) when installed, else docker-compose (1.29).
COMPOSE  ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_FILE := docker-compose-dev.yaml
PROJECT  := $(shell sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env)

# AGENCIES is checked before anything is built, by the goals that use it.
ifneq ($(filter data run compose up docker-compose-up,$(MAKECMDGOALS)),)
ifeq ($(shell printf '%s\n' '$(subst ','"'"',$(AGENCIES))' | grep -Ex '0|[1-9][0-9]{0,2}|1000'),)
$(error AGENCIES=$(AGENCIES): want a whole number from 0 to 1000, e.g. make up AGENCIES=3)
endif
endif
# So is NODES.
ifneq ($(filter run compose up docker-compose-up images,$(MAKECMDGOALS)),)
ifeq ($(shell printf '%s\n' '$(subst ','"'"',$(NODES))' | grep -Ex '1|3'),)
$(error NODES=$(NODES): want 1 (one server and its bets file) or 3 (three servers on three NATS JetStream nodes), e.g. make up NODES=3)
endif
endif

.PHONY: help build test run data dataset vet clean images nats-image echomock-image compose up logs down validate e2e bench fuzz \
	docker-compose-up docker-compose-down docker-compose-logs

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-19s %s\n", $$1, $$2}'
	@echo 'Variables: AGENCIES=$(AGENCIES) (0..1000), NODES=$(NODES) (1 or 3), ROWS=$(ROWS), DATA=$(DATA) (the agency files),'
	@echo '  BET="first,last,document,birthdate,number" (agency 1), ZIP=$(ZIP), COMPOSE="$(COMPOSE)"'

build: ## build static binaries into bin/, nats-server too (go.mod's tool, from the module proxy)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/server ./cmd/client ./cmd/gendata ./cmd/echomock
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/nats-server github.com/nats-io/nats-server/v2

test: ## run every test with the race detector
	$(GO) test -race ./...

vet: ## go vet
	$(GO) vet ./...

data: ## create any missing .data/agency-{i}.csv (never overwrites); with DATA=dir, check dir has them
	@if [ "$(AGENCIES)" = 0 ]; then \
	  echo "AGENCIES=0: no agency files needed"; \
	elif [ "$(DATA)" = .data ]; then \
	  $(GO) run ./cmd/gendata -out .data -agencies $(AGENCIES) -rows $(ROWS) -keep; \
	else \
	  missing=$$(for i in $$(seq 1 $(AGENCIES)); do [ -f "$(DATA)/agency-$$i.csv" ] || echo "agency-$$i.csv"; done); \
	  if [ -n "$$missing" ]; then \
	    echo "DATA=$(DATA) lacks $$(echo $$missing | wc -w) of the $(AGENCIES) agency files ($$(echo $$missing)): lower AGENCIES, or make dataset" >&2; \
	    exit 1; \
	  fi; \
	fi

dataset: ## put the course's dataset (ZIP=path, default ../shared/datasets/dataset.zip) in .data/course/, apart from the synthetic .data/
	scripts/dataset.sh '$(ZIP)' $(DATASET)

run: build data ## run the server (NODES=3: three, and three NATS nodes) and AGENCIES agencies natively on DATA (.data/)
	DATA_DIR='$(DATA)' NODES='$(NODES)' scripts/run-native.sh $(AGENCIES)

images: build $(if $(filter 3,$(NODES)),nats-image) ## build the server and agency images from the static binaries (NODES=3: the NATS one too)
	docker build -q -f docker/server.Dockerfile -t tp0-server:latest .
	docker build -q -f docker/client.Dockerfile -t tp0-client:latest .

nats-image: build ## build tp0-nats:latest, a NATS JetStream node (docker/nats.conf) for NODES=3
	docker build -q -f docker/nats.Dockerfile -t tp0-nats:latest .

echomock-image: build ## build tp0-echomock:latest, a mock echo server (plain; -unhealthy as its command) for the course's echo tests
	docker build -q -f docker/echomock.Dockerfile -t tp0-echomock:latest .

compose: data ## write docker-compose-dev.yaml for AGENCIES agencies on DATA (NODES=3: three servers on three NATS nodes), with BET if given, and their secrets (.secrets/, kept)
	DATA_DIR='$(DATA)' NODES='$(NODES)' scripts/generar-compose.sh $(COMPOSE_FILE) $(AGENCIES)

up: compose images ## start a fresh lottery in Docker: the server (NODES=3: three, and three NATS nodes) and AGENCIES agencies (DATA=dir, BET="…")
	$(COMPOSE) -f $(COMPOSE_FILE) down -t 10 --remove-orphans
	$(COMPOSE) -f $(COMPOSE_FILE) up -d

docker-compose-up: up ## the course's name for make up

logs: ## follow every container's logs
	@[ -f $(COMPOSE_FILE) ] || { echo "no $(COMPOSE_FILE): nothing to show (make up first)" >&2; exit 1; }
	$(COMPOSE) -f $(COMPOSE_FILE) logs -f

docker-compose-logs: logs ## the course's name for make logs

down: ## stop (SIGTERM, 10 s) and remove the containers and network; the bets go with the server's (NODES=3: the NATS nodes') containers
	@if [ -f $(COMPOSE_FILE) ]; then \
	  echo "$(COMPOSE) -f $(COMPOSE_FILE) down -t 10 --remove-orphans"; \
	  $(COMPOSE) -f $(COMPOSE_FILE) down -t 10 --remove-orphans; \
	elif [ -z "$$(docker ps -aq --filter label=com.docker.compose.project=$(PROJECT) 2>/dev/null)" ]; then \
	  echo "nothing to stop: no $(COMPOSE_FILE) and no container of project $(PROJECT)"; \
	elif docker compose version >/dev/null 2>&1; then \
	  echo "no $(COMPOSE_FILE): stopping project $(PROJECT) by name"; \
	  docker compose -p $(PROJECT) down -t 10 --remove-orphans; \
	else \
	  echo "containers of project $(PROJECT) remain but $(COMPOSE_FILE) is gone: write it again (make compose AGENCIES=N), then make down" >&2; \
	  exit 1; \
	fi

docker-compose-down: down ## the course's name for make down

validate: ## check the running server with an echo from inside its network
	sh validar-echo-server.sh

e2e: images nats-image echomock-image ## the Docker suite: the course's scenarios run as its harness runs them, then faults and the NODES=3 stack's kills (needs a Docker engine)
	COMPOSE="$(COMPOSE)" $(GO) test -tags docker -count=1 -timeout 30m -v -run Docker ./cmd/e2e

fuzz: ## run the codec's fuzz targets for FUZZTIME each (an execution count: a duration races Go 1.26's fuzz coordinator, go.dev/issue/75804)
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./net/wire
	$(GO) test -run '^$$' -fuzz '^FuzzReadFrame$$' -fuzztime $(FUZZTIME) ./net/wire

bench: build ## measure the system end to end at ×1, ×10 and ×100 the course dataset (BENCHFLAGS='-backends file,jetstream-r1,jetstream-r3 -scales 1,10': JetStream too, with bin/nats-server)
	$(GO) run ./cmd/bench -bin $(BIN) $(BENCHFLAGS)

clean: ## remove build outputs and native runs: bin/, the compose file, .run/ (not .secrets/: agencies keep their secrets)
	rm -rf $(BIN) $(COMPOSE_FILE) .run
