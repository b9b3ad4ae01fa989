# Stratus: `make synth` sets up and synthesizes; `make test` runs every quality gate.
# Choose environments with ENV=dev|staging|prod (comma-separated; default: all) and another config
# folder with CONFIG_DIR=path.
ENV        ?=
CONFIG_DIR ?=
OUT        ?= cdk.out

# pipefail: a synth piped through $(QUIET) still fails the target when the synth fails.
SHELL       := bash
.SHELLFLAGS := -o pipefail -ec

# Only the pinned CLI (package-lock.json, installed by deps) can read this library's cloud
# assembly (npm's `latest` tag is a broken major), so make runs it from node_modules itself: it
# never fetches another, and it skips the second Node process `npx` starts (about a second of CPU
# for each synth).
CDK     := node_modules/.bin/cdk
CONTEXT := $(if $(ENV),-c env=$(ENV)) $(if $(CONFIG_DIR),-c configDir=$(CONFIG_DIR))
# A synth writes into a staging folder of its own first and replaces its output only when it
# succeeded, so a bad config (or any failed synth) leaves the previous assembly in place.
staging = .make/stage-$(subst /,_,$(1))

# The Go app's jsii runtime (a Node child process) prints an 11-line banner when Node is past
# jsii's support window; the variable silences it only for the major versions it lists (so the
# old `=1` silenced nothing). Node 20 still runs everything here (deps checks for 20 or newer);
# the CDK CLI prints no such banner itself.
# Asked once per make test: its lanes are sub-makes, which inherit both answers (exported).
ifndef NODE_MAJOR
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
endif
export NODE_MAJOR
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= $(NODE_MAJOR)

# The CLI asks for a top-level stack id after every synth (the stages hold every stack but the
# pipeline's); and its success line names the staging folder, so it is told where the result
# goes. (jsii's "waitid: no child processes" shutdown noise is silenced in app.go itself.)
quiet = sed -u -e '/^Supply a stack id (.*) to display its template\.$$/d' -e 's|$(abspath $(call staging,$(1)))|$(abspath $(1))|'

# The project's Go tools (tools/gates, diagram, cost) run up to ten times in one make test, and
# `go run` checks the build cache again at every run (about 0.3 s and 0.4 CPU-seconds). Each make
# that runs a tool builds it once, as `go run -exec cp` does (go keeps that executable in its build
# cache, so nothing is linked when nothing changed), and runs the copy: .make/bin/<tool>. The
# sub-makes of make test (TOOLS_BUILT=1) use the copies their parent built.
tool  = .make/bin/$(1)
GATES = $(call tool,gates)
built = $(if $(TOOLS_BUILT),,$(1))
.make/bin/%: FORCE
	@mkdir -p $(@D) && go run -exec cp ./tools/$* $@.$$$$ && mv $@.$$$$ $@
FORCE:

# stage synthesizes with validation into the staging folder of <out> and stamps it; place then
# moves it into <out>: $(call stage,<out>,<context>), $(call place,<out>). Each is one shell line,
# so `make test` can run two stages side by side.
stage = rm -rf $(call staging,$(1)) && mkdir -p .make && \
	echo 'CDK_VALIDATION=true $(CDK) synth --quiet --output $(call staging,$(1))$(if $(strip $(2)), $(strip $(2)))   \# then moved to $(1)' && \
	CDK_VALIDATION=true $(CDK) synth --quiet --output $(call staging,$(1)) $(2) 2>&1 | $(call quiet,$(1)) && \
	$(GATES) -stamp $(call staging,$(1))
# When the new stamp equals the one in place and the folder in place still holds what that stamp
# recorded (the same files, byte for byte, but for jsii's temporary folder in creation traces), the
# old folder stays with its file times, so Go's test cache still knows the assembly the tests read.
place = if cmp -s $(call staging,$(1))/stratus-stamp.json $(1)/stratus-stamp.json && $(GATES) -fresh $(1) 2>/dev/null; \
	then rm -rf $(call staging,$(1)); \
	else rm -rf $(1) && mkdir -p $(dir $(1)) && mv $(call staging,$(1)) $(1); fi

# make test runs several syntheses and test binaries at once, more than the two cores of a small
# machine: their jsii kernels run single-threaded (internal/jsiidirect), which takes about 8 % less
# CPU and time in all than V8's background threads contending for the same cores. A lone
# `make synth` keeps them (it is faster with them).
ifneq ($(filter test checks unit assemblies,$(MAKECMDGOALS)),)
export STRATUS_JSII_SINGLE_THREADED ?= 1
endif

# cfn-lint's verdict on a template depends only on the template and cfn-lint's version: make keeps
# it by content in .make/cfn-lint/<version> (internal/gates), so a test or gate re-lints only the
# templates that changed. Asked once per make run that lints, and only then, of the Python that
# runs cfn-lint (tools/cfnlint-version: 0.4 s, where `cfn-lint --version` takes 2 s before
# anything else can start).
ifneq ($(filter test unit gates,$(MAKECMDGOALS)),)
ifndef CFNLINT_VERSION
CFNLINT_VERSION := $(shell sh tools/cfnlint-version | tr -c 'A-Za-z0-9.\n' '-')
endif
export CFNLINT_VERSION
endif
lintcache = $(if $(CFNLINT_VERSION),STRATUS_CFNLINT_CACHE=$(CURDIR)/.make/cfn-lint/$(CFNLINT_VERSION) )

# seeds writes into what synth replaces: one at a time (make test synthesizes both in one process).
.NOTPARALLEL:

.PHONY: FORCE synth seeds assemblies checks test vet unit python node sample gates lint bench clean deps diagram cost

synth: deps $(GATES)
	@$(call stage,$(OUT),$(CONTEXT))
	@$(call place,$(OUT))

# make test's synth of config/ and config/examples: both staged by one process of the app
# (assemble, below), then placed, so the gates read exactly what this run made.
# When nothing a synthesis reads has changed since make test last made both (internal/inputs: the
# working tree but the app-level tests, Go test files and docs; the frontend folders; the Node and
# Go versions; CDK_ and JSII_ variables) and both still hold what make stamped, they are kept: the
# synthesis would write the same. The key is taken before the synthesis, so an edit during it
# counts as a change next time. A subset (ENV, CONFIG_DIR) is never kept. The app is built once
# (.make/stratus), instead of by cdk.json's `go run .`, as `go run -exec cp` builds it: go keeps
# that executable in its build cache (go build links again), so the app-level tests that run the
# app (the config error tests) build it the same way and find it there instead of linking it a
# second time. (Copied beside, then renamed: a make running the old binary keeps it.)
# checks hands over the key it took (KEY=…, empty when the inputs cannot be named).
KEPT := .make/assemblies.kept
test: deps checks

assemblies: deps $(call built,$(GATES))
	@key=$(if $(filter command line,$(origin KEY)),$(KEY),$$($(if $(ENV)$(CONFIG_DIR),true,$(GATES) -inputs config,config/examples))); \
	if [ -n "$$key" ] && $(GATES) -kept $(KEPT) -key $$key $(ASSEMBLIES); then exit 0; fi; \
	rm -f $(KEPT); \
	go run -exec cp . .make/stratus.new && mv .make/stratus.new .make/stratus || exit 1; \
	$(if $(ENV),$(stage-both),$(assemble)) && \
	$(call place,$(OUT)) && $(call place,$(OUT)/examples) && \
	{ [ -z "$$key" ] || $(GATES) -record $(KEPT) -key $$key $(ASSEMBLIES); }

# assemble synthesizes config/ (or CONFIG_DIR) and config/examples with validation in one process
# of the app (`stratus assemble`, app.go): one Node start, one load of aws-cdk-lib and one start
# of the built-in validator instead of a `cdk synth` for each, about 13 CPU-seconds less. Then the
# pinned CLI reads the first assembly (2-3 CPU-seconds), as `cdk synth` does once the app has
# written it; the second, written by the same binary, is left to the gates. Both are stamped.
# stage-both, for a subset of environments (ENV), runs `cdk synth` for each side by side instead.
assemble = rm -rf $(call staging,$(OUT)) $(call staging,$(OUT)/examples) && mkdir -p .make && \
	$(call shown,CDK_VALIDATION=true .make/stratus assemble $(or $(CONFIG_DIR),config)=$(call staging,$(OUT)) config/examples=$(call staging,$(OUT)/examples)) && \
	$(call shown,$(CDK) synth --quiet --app $(call staging,$(OUT))) 2>&1 | $(call quiet,$(OUT)) && \
	$(GATES) -stamp $(call staging,$(OUT)) && $(GATES) -stamp $(call staging,$(OUT)/examples)
stage-both = ( $(call stage,$(OUT),$(CONTEXT) --app .make/stratus) ) & app=$$!; \
	( $(call stage,$(OUT)/examples,-c configDir=config/examples --app .make/stratus) ) & seeds=$$!; \
	status=0; wait $$app || status=1; wait $$seeds || status=1; [ $$status = 0 ]

# checks: everything make test runs, in three lanes side by side (two cores stay busy):
#   1. the validated syntheses of config/ and config/examples (assemblies), then the gates and the
#      diagram and cost checks, which read them;
#   2. the unit tests (unit SHARE=1): the app-level tests read lane 1's assemblies
#      instead of synthesizing config/ and config/examples a second time, and wait for them while
#      PENDING exists (it says "failed" when the synthesis failed; at most 8 minutes). go test decides on its cached
#      results before the assemblies are placed, so those tests are also keyed by the synthesis's
#      inputs key (a fresh value when there is none);
#   3. lint, the Python handlers' tests, go vet and the sample service's tests (printed when the
#      others are done). go vet is no prerequisite of the unit tests here, so the test binaries
#      are built and started at once; it runs after the Python tests, by when lane 1 has compiled
#      the app's packages, which vet then reads from go's build cache instead of compiling them a
#      second time side by side.
# A subset (ENV, CONFIG_DIR) runs them one after the other, the tests synthesizing their own
# configs, and checks no diagram or cost (the committed ones cover all shipped configs).
# PENDING lives outside the module: go test re-checks the files a test opened inside it.
# shown prints a command, then runs it (as make would, for a recipe line of its own).
shown = echo '$(1)' && $(1)
PENDING := $(or $(TMPDIR),/tmp)/stratus-$(shell printf '%s' '$(CURDIR)' | cksum | cut -d' ' -f1).pending
checks: deps $(GATES) $(if $(strip $(ENV)$(CONFIG_DIR)),,$(call tool,diagram) $(call tool,cost))
ifeq ($(strip $(ENV)$(CONFIG_DIR)),)
	@key=$$($(GATES) -inputs config,config/examples); \
	mkdir -p .make && rm -f $(PENDING) && touch $(PENDING); \
	{ { $(MAKE) --no-print-directory assemblies KEY="$$key" TOOLS_BUILT=1 && rm -f $(PENDING); } || { echo failed > $(PENDING); exit 1; }; \
	  $(call shown,$(lintcache)$(GATES) $(OUT)) && \
	  $(call shown,$(call tool,diagram) -check $(ASSEMBLIES)) && \
	  $(call shown,$(call tool,cost) -check $(ASSEMBLIES)); } & synth=$$!; \
	$(MAKE) --no-print-directory lint python node vet sample > .make/handlers.log 2>&1 & handlers=$$!; \
	status=0; $(MAKE) --no-print-directory unit SHARE=1 SHARE_KEY="$${key:-unkept-$$(date +%s%N)}" || status=1; \
	wait $$synth || status=1; wait $$handlers || status=1; cat .make/handlers.log; exit $$status
else
	@$(MAKE) --no-print-directory lint assemblies unit python node sample TOOLS_BUILT=1
	$(lintcache)$(GATES) $(OUT)
	@echo 'diagram and cost not checked: the committed outputs cover all shipped configs'
endif

deps: node_modules/.installed .make/go-modules
	@[ "$(NODE_MAJOR)" -ge 20 ] 2>/dev/null || { echo "Node.js 20 or newer is required (found: $$(node --version 2>&1))"; exit 1; }

# npm ci installs the pinned CLI. Its init templates ship *.go files; the empty go.mod makes
# node_modules its own module so `go test ./...` does not try to compile them.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	printf 'module node_modules_ignored\n' > node_modules/go.mod
	touch $@

.make/go-modules: go.mod go.sum
	go mod download
	mkdir -p .make && touch $@

# gofmt, and every relative link of the docs (README, docs/, the sample) names a file inside this
# repository. The Go files are found with find, not git: the pipeline's source has no .git.
lint:
	@files=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './.make/*' -not -path './cdk.out/*') && [ -n "$$files" ] || { echo "lint: no Go files found"; exit 1; }; \
	  out=$$(gofmt -l $$files) || exit 1; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@status=0; for f in README.md docs/*.md docs/*/*.md runbooks/*.md runbooks/*/*.md sample/service/*.md; do \
	  for link in $$(grep -o ']([^)#]*' "$$f" | cut -c3- | grep -v '^[a-z]*:'); do \
	    target=$$(realpath -m "$$(dirname "$$f")/$$link"); \
	    case "$$target" in \
	      "$(CURDIR)"/*) [ -e "$$target" ] || { echo "$$f: link $$link: no such file"; status=1; } ;; \
	      *) echo "$$f: link $$link points outside the repository"; status=1 ;; \
	    esac; \
	  done; \
	done; exit $$status

vet: deps
	go vet ./...

# go test shows a passing package's output only with -v; the log keeps it, so make prints each
# package's verdict and the mutation suite's tally, and everything when a test fails.
# Within make test (SHARE=1, from checks), the app-level tests read the assembly that run
# synthesizes from config/ and config/examples; a plain `go test ./...` or `make unit`
# synthesizes its own. The test binaries are linked without DWARF (-w): a run links about 45 of
# them, a second less each; stack traces keep their file and line. go test's own vet pass is off:
# unit runs the whole of go vet (a superset of its analyzers) over the same packages first, or,
# within make test, lane 3 runs it beside the tests.
# go test links every test binary it runs, even when no package in it changed (about 2.5
# CPU-seconds for one that imports aws-cdk-lib); tools/linkcache, run as go's -toolexec, keeps
# each package's last link in .make/links and restores it while its inputs are the same.
share = $(if $(SHARE),STRATUS_SHARED_ASSEMBLY=$(OUT) STRATUS_SHARED_ASSEMBLY_PENDING=$(PENDING) STRATUS_SHARED_ASSEMBLY_KEY=$(SHARE_KEY) )
gotest = go test -vet=off -ldflags=-w -toolexec="$(CURDIR)/.make/linkcache -dir $(CURDIR)/.make/links"
unit: deps $(if $(SHARE),,vet) .make/linkcache
	@echo '$(share)$(lintcache)CDK_VALIDATION=false $(gotest) -v ./...'
	@mkdir -p .make && $(share)$(lintcache)CDK_VALIDATION=false $(gotest) -v ./... > .make/unit.log 2>&1 || { cat .make/unit.log; exit 1; }
	@grep -E '^(ok|FAIL|\?) |^mutants: ' .make/unit.log

.make/linkcache: $(wildcard tools/linkcache/*.go) go.mod
	go build -o $@ ./tools/linkcache

# The Lambda handlers are Python, deployed from their folders with no build step: the database
# users function and the secret rotations. Their unit tests use in-memory fakes of the AWS APIs
# and the machine's python3 (no packages needed).
python:
	cd constructs/database/users && python3 -B -m unittest -q
	cd constructs/rotation && python3 -B -m unittest discover -q -s tests -t tests
	cd constructs/apigateway && python3 -B -m unittest discover -q -s tests -t tests
	cd constructs/transitgateway/peering && python3 -B -m unittest -q
	cd constructs/capacity/scaler && python3 -B -m unittest -q

# The RDS for PostgreSQL users function is Node.js, for the Amazon CA certificates its Lambda
# runtime ships (constructs/database/instanceusers): its tests speak the wire protocol to a local
# PostgreSQL (initdb and postgres on the PATH; they are skipped, and say so, without one).
node:
	cd constructs/database/instanceusers && node --test

# The sample service is a module of its own (its image builds from its folder alone).
sample:
	cd sample/service && go vet ./... && go test ./...

# The seed variants (config/examples) are shipped configs too: synthesized with validation into
# $(OUT)/examples, where the gates check them with everything else.
seeds: deps $(GATES)
	@$(call stage,$(OUT)/examples,-c configDir=config/examples)
	@$(call place,$(OUT)/examples)

# cdk-nag reports, cfn-lint over every template, and the built-in validation reports of what this
# run synthesized: gates reads no assembly that changed after make stamped it.
gates: synth seeds $(GATES)
	$(lintcache)$(GATES) $(OUT)

# The architecture diagrams (docs/diagrams, the README's prod diagram) and the monthly cost estimate
# (docs/cost.md, the README's summary) are generated from the synthesized assemblies, offline:
# `make diagram cost` after `make synth` (the seed examples are synthesized when missing).
# make test fails when a committed output is stale.
ASSEMBLIES = $(OUT) $(OUT)/examples

diagram cost: %: $(call tool,%)
	@[ -e $(OUT)/manifest.json ] || { echo "$(OUT): no cloud assembly; run make synth first"; exit 1; }
	@[ -e $(OUT)/examples/manifest.json ] || $(MAKE) --no-print-directory seeds
	$(call tool,$@) $(ASSEMBLIES)

bench: deps
	CDK_VALIDATION=false go test -run '^$$' -bench . -benchtime 5x -timeout 60m ./test

clean:
	rm -rf $(OUT) .make
