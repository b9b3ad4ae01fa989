# Stratus: `make synth` sets up and synthesizes; `make test` runs every quality gate.
# Choose environments with ENV=dev|staging|prod (comma-separated; default: all) and another config
# folder with CONFIG_DIR=path.
ENV        ?=
CONFIG_DIR ?=
OUT        ?= cdk.out

# Never let npx fetch a CLI: the pinned one in package-lock.json is the only one that can read
# this library's cloud assembly (npm's `latest` tag is a broken major).
CDK     := npx --no-install cdk
CONTEXT := $(if $(ENV),-c env=$(ENV)) $(if $(CONFIG_DIR),-c configDir=$(CONFIG_DIR))

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: synth seeds test vet unit gates lint bench clean deps

synth: deps
	rm -rf $(OUT)
	CDK_VALIDATION=true $(CDK) synth --quiet --output $(OUT) $(CONTEXT)

test: deps lint vet unit synth seeds gates

deps: node_modules/.installed .make/go-modules

# npm ci installs the pinned CLI. Its init templates ship *.go files; the empty go.mod makes
# node_modules its own module so `go test ./...` does not try to compile them.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	printf 'module node_modules_ignored\n' > node_modules/go.mod
	touch $@

.make/go-modules: go.mod go.sum
	go mod download
	mkdir -p .make && touch $@

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: deps
	go vet ./...

unit: deps
	CDK_VALIDATION=false go test ./...

# The seed variants (config/examples) are shipped configs too: synthesized with validation into
# $(OUT)/examples, where `make gates` checks them with everything else.
seeds: deps
	rm -rf $(OUT)/examples
	CDK_VALIDATION=true $(CDK) synth --quiet --output $(OUT)/examples -c configDir=config/examples

# cdk-nag reports, cfn-lint over every template, and the built-in validation reports of $(OUT).
gates:
	go run ./tools/gates $(OUT)

bench: deps
	CDK_VALIDATION=false go test -run '^$$' -bench . -benchtime 3x ./test

clean:
	rm -rf $(OUT) .make
