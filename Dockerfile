# syntax=docker/dockerfile:1
#
# Fairshelf container image: one static binary that embeds its migrations,
# policies, templates and static files, on a distroless base with no shell,
# running as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t fairshelf .
#
# Build context: keep data/, .git and local databases out of it with a
# .dockerignore; nothing outside go.mod, go.sum and the Go packages is needed.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0

# Dependencies first, in their own layer: it is rebuilt only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/fairshelf ./cmd/fairshelf \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="fairshelf" \
      org.opencontainers.image.description="Compliance-aware library of pharmaceutical promotional content" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/fairshelf /fairshelf
# The data folder must belong to the nonroot user (65532) so that a fresh
# named volume, which copies this folder's ownership, is writable.
COPY --from=build --chown=65532:65532 /out/data /data

# Embedded defaults (SQLite and local files under /data). Compose or the
# orchestrator sets FAIRSHELF_DATABASE_URL and FAIRSHELF_S3_* for production.
ENV FAIRSHELF_DATA_DIR=/data \
    FAIRSHELF_LISTEN=:8080
VOLUME /data
EXPOSE 8080 9090
USER nonroot:nonroot

# No HEALTHCHECK: distroless has no shell or curl to run one, and the binary
# has no probe subcommand. Compose and Kubernetes probe GET /readyz (ready to
# serve: database and object store reachable) and GET /healthz (process alive).
ENTRYPOINT ["/fairshelf"]
CMD ["serve"]
