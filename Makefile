# Fairshelf developer tasks. "make test" is the whole suite, services
# included: it builds the pinned MinIO server once (cached outside the repo)
# and uses the PostgreSQL at FAIRSHELF_TEST_DATABASE_URL (default: the local
# server at 127.0.0.1:5432, database "test").

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# Packages with goroutines of their own run under the race detector.
RACE_PKGS := ./internal/store/... ./internal/objectstore/... ./internal/object/... ./internal/jobs/... ./internal/render/... ./internal/rendition/... ./internal/server/... ./cmd/...

.PHONY: build run demo test test-race soak lint fmt vet staticcheck bench clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/fairshelf ./cmd/fairshelf

run:
	$(GO) run ./cmd/fairshelf serve

demo:
	$(GO) run ./cmd/fairshelf serve --demo

test:
	FAIRSHELF_TEST_MINIO_BIN="$$(bash scripts/install-minio.sh)" && export FAIRSHELF_TEST_MINIO_BIN && \
	$(GO) test -count=1 -timeout 20m ./... && \
	$(GO) test -count=1 -timeout 20m -race $(RACE_PKGS)

# The lifecycle model test with ten times its sequences (2,000 of 50 steps
# per database, SQLite and PostgreSQL with MinIO): random publishing,
# review, retirement and rep reads checked against a reference model.
soak:
	FAIRSHELF_TEST_MINIO_BIN="$$(bash scripts/install-minio.sh)" && export FAIRSHELF_TEST_MINIO_BIN && \
	FAIRSHELF_MODEL_SEQUENCES=10 $(GO) test -count=1 -timeout 60m -run 'TestLifecycleModel' -v ./internal/server/

# The measurements behind docs/benchmarks.md (PostgreSQL and MinIO needed;
# the 100k-asset runs take a few minutes), which they then rewrite: each
# run's output is kept in $(BENCH_DIR), and scripts/benchdoc renders the
# document from it, putting each figure beside its baseline and target. A
# failed run or a missing figure stops make and leaves the document as it was.
BENCH_DIR ?= artifacts/bench
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -eu -o pipefail -c
bench:
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	FAIRSHELF_TEST_MINIO_BIN="$$(bash scripts/install-minio.sh)" && export FAIRSHELF_TEST_MINIO_BIN && \
	$(GO) test -run '^$$' -bench 'Upload1GiB' -benchtime 3x ./internal/server/ | tee $(BENCH_DIR)/upload.txt && \
	$(GO) test -run '^$$' -bench 'Download64MiB' -benchtime 30x ./internal/server/ | tee $(BENCH_DIR)/download.txt && \
	$(GO) test -run '^$$' -bench LibraryListingHTTP -benchtime 2000x ./internal/server/ | tee $(BENCH_DIR)/listing-http.txt && \
	$(GO) test -run '^$$' -bench LibraryListing -benchtime 300x ./internal/store/ | tee $(BENCH_DIR)/listing-store.txt && \
	$(GO) test -run '^$$' -bench ExpireDue100k -benchtime 1x ./internal/store/ | tee $(BENCH_DIR)/expiry.txt && \
	$(GO) test -run '^$$' -bench ExtractPDF20Pages -benchtime 3s ./internal/extract/ | tee $(BENCH_DIR)/extract.txt && \
	$(GO) test -run '^$$' -bench Check20Pages -benchtime 3s ./internal/checker/ | tee $(BENCH_DIR)/checker.txt && \
	$(GO) test -run '^$$' -bench Can -benchtime 2s ./internal/authz/ | tee $(BENCH_DIR)/authz.txt && \
	$(GO) test -run '^$$' -bench 'RenderPDF20Pages|Compile' -benchtime 5x ./internal/render/ | tee $(BENCH_DIR)/render.txt && \
	$(GO) test -run '^$$' -bench 'FirstPageAfterUpload|WorkbenchOpen' -benchtime 10x ./internal/server/ | tee $(BENCH_DIR)/workbench.txt && \
	$(GO) test -run '^$$' -bench Compare20Pages -benchtime 3s ./internal/domain/ | tee $(BENCH_DIR)/compare.txt
	$(GO) run ./scripts/benchdoc -out docs/benchmarks.md $(BENCH_DIR)/*.txt

lint: fmt vet staticcheck

fmt:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck at a pinned version (installed into GOPATH/bin; quick once
# the module cache holds it).
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	"$$($(GO) env GOPATH)/bin/staticcheck" ./...

clean:
	rm -rf bin
