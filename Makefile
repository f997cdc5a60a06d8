# DuckDB's Arrow interface needs the duckdb_arrow build tag in every build and
# test; `go test ./...` without it does not compile the store.
GO        ?= go
TAGS      := duckdb_arrow
GOFLAGS_T := -tags $(TAGS)
STATICCHECK_VERSION := v0.8.2

.PHONY: build test test-browser bench demo eval lint fuzz clean

build:
	$(GO) build $(GOFLAGS_T) -o bin/cutover ./cmd/cutover

# The command tests simulate and ingest hours of traffic for each scenario,
# so the default limit of 10 minutes per package is too close on two cores.
test:
	$(GO) test $(GOFLAGS_T) -timeout 20m ./...

# The headless-browser test of the HTML report. Chromium (Debian's chromium
# package) loads REPORT_DIR/report.html with the network blocked, and the
# test checks the console, every section, the charts and the totals against
# query report_totals on REPORT_DB, and writes a full-page screenshot to
# SCREENSHOT. Without a report in demo/report it runs make demo first.
# Where unshare may create a network namespace, the compiled test runs in
# one with only the loopback interface, so nothing can leave the machine.
REPORT_DIR ?= demo/report
REPORT_DB  ?= demo/cutover.duckdb
SCREENSHOT ?= docs/report.jpg
BROWSER_TEST_ARGS = -test.count=1 -report $(REPORT_DIR) -db $(REPORT_DB) -cutover bin/cutover -screenshot $(SCREENSHOT)
test-browser: build
	@if [ "$(REPORT_DIR)" = demo/report ] && [ ! -f demo/report/report.html ]; then $(MAKE) demo; fi
	$(GO) test -tags browser -c -o bin/browsertest.test ./internal/browsertest
	@if unshare --net true 2>/dev/null && command -v ip >/dev/null; then \
		echo "browser test in a network namespace with only the loopback interface"; \
		cd internal/browsertest && unshare --net sh -c 'ip link set lo up && exec ../../bin/browsertest.test $(BROWSER_TEST_ARGS)'; \
	else \
		echo "browser test without a network namespace: unshare --net or ip is not available"; \
		cd internal/browsertest && ../../bin/browsertest.test $(BROWSER_TEST_ARGS); \
	fi

# The ingest benchmark: at least 1 M simulated ALB access lines in gzip
# objects, loaded by cutover and by DuckDB's read_csv, and inflated alone.
bench: build
	$(GO) run $(GOFLAGS_T) ./internal/bench -bin bin/cutover -dir .bench -runs 3

# A whole migration on a loopback AWS account, on a simulated clock:
# preflight, the first step, the gate's halt and rollback, the trust store
# fix, the steps to 100 %, the decommission, and the report in demo/report.
# The demo folder belongs to the Makefile, so it goes first, also when an
# older version wrote it; cutover demo itself only empties a folder it wrote.
demo: build
	rm -rf demo
	bin/cutover demo --dir demo

# How often analyze reaches the right verdict: every simulator scenario for
# SEEDS seeds of 6 simulated hours, judged every 5 minutes, written to
# docs/decision-quality.md. About 20 minutes on two cores for 200 seeds.
SEEDS ?= 200
eval:
	$(GO) run ./internal/eval -seeds $(SEEDS) -out docs/decision-quality.md

lint:
	$(GO) vet $(GOFLAGS_T) ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags $(TAGS) ./...

# Each parser's fuzz test for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./ingest/albaccess -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/albconn -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/nlbtls -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/nginx -run '^$$' -fuzz FuzzAccessRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/nginx -run '^$$' -fuzz FuzzErrorRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/nginx -run '^$$' -fuzz FuzzDecodeObject -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/envoy -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/haproxy -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/identity -run '^$$' -fuzz FuzzCanonicalDN -fuzztime $(FUZZTIME)
	$(GO) test ./ingest/identity -run '^$$' -fuzz FuzzCanonicalSerial -fuzztime $(FUZZTIME)
	$(GO) test ./analyze/preflight -run '^$$' -fuzz FuzzParseBundle -fuzztime $(FUZZTIME)

clean:
	rm -rf bin .bench demo
