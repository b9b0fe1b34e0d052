#!/usr/bin/env bash
# Builds the MinIO server used by the test suite at one pinned version and
# caches the binary outside the repository. Prints the binary's path.
#
# The MinIO community server was archived in April 2026; the pinned commit is
# the last one before the archive. Fairshelf's object-store code only speaks
# generic S3, so any S3-compatible server would do for production.
set -euo pipefail

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
CACHE_ROOT="${FAIRSHELF_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fairshelf}"
BIN_DIR="$CACHE_ROOT/minio-$MINIO_VERSION"
BIN="$BIN_DIR/minio"

if [ ! -x "$BIN" ]; then
	mkdir -p "$BIN_DIR"
	echo "building MinIO server $MINIO_VERSION into $BIN_DIR (about two minutes)" >&2
	GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/minio/minio@$MINIO_VERSION"
fi
echo "$BIN"
