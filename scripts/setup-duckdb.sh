#!/usr/bin/env bash
# Provision DuckDB 1.5.5 (header, shared library, extensions) into DUCKDB_HOME.
#
# Order (idempotent; safe to re-run):
#   1. DUCKDB_HOME already complete            -> nothing to do
#   2. DUCKDB_PREBUILT=<archive> given          -> verify <archive>.sha256, unpack
#   3. otherwise                                -> build the official source release (about 30 min on 2 cores)
#   4. extensions not built in (postgres_scanner, mysql_scanner, httpfs, fts) from PyPI `duckdb-extension-<name>==1.5.5`
#
# Prints the DUCKDB_HOME it filled on the last line.
set -euo pipefail

DUCKDB_VERSION=1.5.5
PLATFORM=linux_amd64
DUCKDB_HOME="${DUCKDB_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-data-analyst/duckdb-$DUCKDB_VERSION}"
EXT_DIR="$DUCKDB_HOME/extensions/v$DUCKDB_VERSION/$PLATFORM"
BUILD_DIR="${DUCKDB_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-data-analyst/duckdb-$DUCKDB_VERSION-build}"
# PyPI package name -> DuckDB's canonical extension name.
EXTENSIONS=("postgres:postgres_scanner" "mysql:mysql_scanner" "httpfs:httpfs" "fts:fts")

log() { printf '[setup-duckdb] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

library_ready() { [ -f "$DUCKDB_HOME/include/duckdb.h" ] && [ -f "$DUCKDB_HOME/lib/libduckdb.so" ]; }

extensions_ready() {
    local pair
    for pair in "${EXTENSIONS[@]}"; do
        [ -f "$EXT_DIR/${pair#*:}.duckdb_extension" ] || return 1
    done
}

python_bin() { command -v python3 || command -v python || die "python3 is needed (apt-get install python3 python3-venv)"; }

install_prebuilt() {
    local archive="$1"
    [ -f "$archive" ] || die "DUCKDB_PREBUILT=$archive does not exist"
    [ -f "$archive.sha256" ] || die "checksum file $archive.sha256 is missing; refusing an unverified archive"
    log "verifying $(basename "$archive")"
    local expected actual
    expected=$(awk '{print $1; exit}' "$archive.sha256")
    actual=$(sha256sum "$archive" | awk '{print $1}')
    [ "$expected" = "$actual" ] || die "SHA-256 mismatch for $archive (expected $expected, got $actual)"
    local tmp
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    tar -xf "$archive" -C "$tmp"
    local root
    root=$(dirname "$(find "$tmp" -name duckdb.h -path '*/include/*' | head -n 1)")
    root=$(dirname "$root")
    [ -f "$root/lib/libduckdb.so" ] || die "archive $archive has no lib/libduckdb.so"
    mkdir -p "$DUCKDB_HOME/include" "$DUCKDB_HOME/lib"
    cp "$root/include/duckdb.h" "$DUCKDB_HOME/include/duckdb.h.tmp"
    cp "$root/lib/libduckdb.so" "$DUCKDB_HOME/lib/libduckdb.so.tmp"
    mv "$DUCKDB_HOME/lib/libduckdb.so.tmp" "$DUCKDB_HOME/lib/libduckdb.so"
    # The header goes last: its presence is what marks the library as complete.
    mv "$DUCKDB_HOME/include/duckdb.h.tmp" "$DUCKDB_HOME/include/duckdb.h"
    log "unpacked prebuilt DuckDB $DUCKDB_VERSION into $DUCKDB_HOME"
}

build_from_source() {
    log "no prebuilt archive: building DuckDB $DUCKDB_VERSION from the official source release."
    log "this takes about 27 minutes on 2 cores; the build dir $BUILD_DIR is kept, so an interrupted build resumes."
    mkdir -p "$BUILD_DIR"
    local py venv
    py=$(python_bin)
    venv="$BUILD_DIR/venv"
    if [ ! -x "$venv/bin/pip" ]; then
        "$py" -m venv "$venv" || die "could not create a venv (apt-get install python3-venv)"
    fi
    "$venv/bin/pip" install --quiet scikit-build-core setuptools_scm pybind11 cmake ninja
    if [ ! -d "$BUILD_DIR/src/external/duckdb" ]; then
        rm -rf "$BUILD_DIR/sdist" && mkdir -p "$BUILD_DIR/sdist"
        (cd "$BUILD_DIR/sdist" && "$venv/bin/pip" download --no-deps --no-binary :all: --no-build-isolation \
            "duckdb==$DUCKDB_VERSION" -d .)
        local tarball
        tarball=$(ls "$BUILD_DIR"/sdist/duckdb-*.tar.gz | head -n 1)
        rm -rf "$BUILD_DIR/src.tmp" && mkdir -p "$BUILD_DIR/src.tmp"
        tar -xzf "$tarball" -C "$BUILD_DIR/src.tmp" --strip-components=1
        mv "$BUILD_DIR/src.tmp" "$BUILD_DIR/src"
    fi
    local src="$BUILD_DIR/src/external/duckdb"
    [ -f "$src/CMakeLists.txt" ] || die "the sdist has no external/duckdb/CMakeLists.txt"
    mkdir -p "$BUILD_DIR/cmake"
    PATH="$venv/bin:$PATH" cmake -S "$src" -B "$BUILD_DIR/cmake" -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DOVERRIDE_GIT_DESCRIBE="v$DUCKDB_VERSION" \
        -DBUILD_EXTENSIONS="parquet;json;core_functions;icu" \
        -DBUILD_SHELL=0 -DBUILD_UNITTESTS=0 -DENABLE_SANITIZER=0 -DENABLE_UBSAN=0
    PATH="$venv/bin:$PATH" ninja -C "$BUILD_DIR/cmake" -j "$(nproc)" duckdb
    local lib
    lib=$(find "$BUILD_DIR/cmake/src" -maxdepth 1 -name 'libduckdb.so' | head -n 1)
    [ -n "$lib" ] || die "the build produced no libduckdb.so"
    mkdir -p "$DUCKDB_HOME/include" "$DUCKDB_HOME/lib"
    cp -L "$lib" "$DUCKDB_HOME/lib/libduckdb.so.tmp"
    strip --strip-unneeded "$DUCKDB_HOME/lib/libduckdb.so.tmp" 2>/dev/null || true
    mv "$DUCKDB_HOME/lib/libduckdb.so.tmp" "$DUCKDB_HOME/lib/libduckdb.so"
    cp "$src/src/include/duckdb.h" "$DUCKDB_HOME/include/duckdb.h.tmp"
    mv "$DUCKDB_HOME/include/duckdb.h.tmp" "$DUCKDB_HOME/include/duckdb.h"
    log "built DuckDB $DUCKDB_VERSION into $DUCKDB_HOME"
}

install_extensions() {
    mkdir -p "$EXT_DIR"
    local py tmp pair pkg name file
    py=$(python_bin)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    for pair in "${EXTENSIONS[@]}"; do
        pkg="${pair%%:*}"; name="${pair#*:}"
        [ -f "$EXT_DIR/$name.duckdb_extension" ] && continue
        log "fetching extension $name from PyPI (duckdb-extension-$pkg==$DUCKDB_VERSION)"
        "$py" -m pip download --quiet --no-deps --only-binary :all: --dest "$tmp/$pkg" \
            "duckdb-extension-$pkg==$DUCKDB_VERSION" || die "could not download duckdb-extension-$pkg==$DUCKDB_VERSION"
        (cd "$tmp/$pkg" && "$py" -m zipfile -e ./*.whl unpacked)
        file=$(find "$tmp/$pkg/unpacked" -name '*.duckdb_extension' | head -n 1)
        [ -n "$file" ] || die "duckdb-extension-$pkg has no .duckdb_extension file"
        cp "$file" "$EXT_DIR/$name.duckdb_extension.tmp"
        mv "$EXT_DIR/$name.duckdb_extension.tmp" "$EXT_DIR/$name.duckdb_extension"
    done
}

if library_ready && extensions_ready; then
    echo "$DUCKDB_HOME"
    exit 0
fi
if ! library_ready; then
    if [ -n "${DUCKDB_PREBUILT:-}" ]; then
        install_prebuilt "$DUCKDB_PREBUILT"
    else
        build_from_source
    fi
fi
install_extensions
library_ready && extensions_ready || die "DUCKDB_HOME $DUCKDB_HOME is still incomplete"
log "DuckDB $DUCKDB_VERSION ready in $DUCKDB_HOME"
echo "$DUCKDB_HOME"
