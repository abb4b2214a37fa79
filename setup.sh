#!/usr/bin/env bash
# ClusterScope set-up and tasks. Every tool comes from a package registry (crates.io, Debian, npm),
# pinned, and is installed only when missing or at the wrong version, so a second run installs nothing.
#
#   ./setup.sh serve   install what is missing, then `trunk serve` on http://127.0.0.1:8080/
#   ./setup.sh test    install what is missing, then run every check and test
#   ./setup.sh install only install
#   ./setup.sh build   install, then the release build of the page into dist/ (tests/build/release.sh)
#   ./setup.sh bench   simulated requests per second, native and wasm, every strategy; the core
#                      against a bare event loop and SimPy (PyPI); then the page's frame benchmark
#                      beside its plain-JS floor, and time to first diagram, in headless Chromium
set -euo pipefail
cd "$(dirname "$0")"

TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132.0.0
PLAYWRIGHT_VERSION=1.65.0
TERSER_VERSION=5.51.2
SIMPY_VERSION=4.1.2
# wasm-bindgen-cli must equal the wasm-bindgen that Cargo.lock resolved.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)

TOOLS="$PWD/.tools"
export PATH="$TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
has_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    say "adding rustfmt and clippy"; rustup component add rustfmt clippy
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown
  fi
  if ! rustup component list --installed | grep -q '^rust-src'; then
    say "adding rust-src (the release page rebuilds the standard library for size)"
    rustup component add rust-src
  fi
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    # Not --locked: the CLI's own lockfile names a crate version the registry here lacks.
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install --quiet --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if ! has_version trunk "$TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION"; cargo install --quiet --locked trunk --version "$TRUNK_VERSION"
  fi
  if ! has_version wasm-pack "$WASM_PACK_VERSION"; then
    say "installing wasm-pack $WASM_PACK_VERSION"
    cargo install --quiet --locked wasm-pack --version "$WASM_PACK_VERSION"
  fi
  local npm_want="binaryen@$BINARYEN_VERSION playwright-core@$PLAYWRIGHT_VERSION terser@$TERSER_VERSION"
  if [ "$(cat "$TOOLS/.installed" 2>/dev/null)" != "$npm_want" ]; then
    say "installing $npm_want from npm into .tools/"
    mkdir -p "$TOOLS"
    # shellcheck disable=SC2086
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" $npm_want
    echo "$npm_want" >"$TOOLS/.installed"
  fi
  if [ ! -f target/.fetched ] || [ Cargo.lock -nt target/.fetched ]; then
    # Trunk runs cargo offline (Trunk.toml), so the crates must be here first.
    say "fetching crates"; cargo fetch --quiet && mkdir -p target && touch target/.fetched
  fi
}

build() { tests/build/release.sh; }

bench() {
  if ! rustup target list --installed | grep -qx wasm32-wasip1; then
    say "adding the wasm32-wasip1 target (the wasm benchmark runs the runner under Node's WASI)"
    rustup target add wasm32-wasip1
  fi
  if ! "$TOOLS/py/bin/python" -c "import simpy; assert simpy.__version__ == '$SIMPY_VERSION'" 2>/dev/null; then
    say "installing SimPy $SIMPY_VERSION from PyPI into .tools/py (the core's peer)"
    python3 -m venv "$TOOLS/py" && "$TOOLS/py/bin/pip" install --quiet "simpy==$SIMPY_VERSION"
  fi
  if ! perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9]' && ! command -v valgrind >/dev/null; then
    say "installing Debian's valgrind (this machine's perf has no instruction counter)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  fi
  cargo build --quiet --release --bin clusterscope-sim
  cargo build --quiet --release --no-default-features --target wasm32-wasip1 --bin clusterscope-sim
  mkdir -p target/bench && rustc -O --edition 2024 tests/bench/bare.rs -o target/bench/bare
  node tests/bench/compare.mjs "$@"
  python3 tests/bench/core.py
  tests/build/release.sh
  # The floor for time to first diagram: a minimal Yew page, same release settings.
  cargo fetch --quiet --manifest-path tests/bench/yew-floor/Cargo.toml
  (cd tests/bench/yew-floor && CARGO_TARGET_DIR="$PWD/../../../target/yew-floor" \
    trunk build --release --dist ../../../target/bench/yew-floor)
  node tests/bench/frames.mjs
}

case "${1:-}" in
  install) install ;;
  serve) install; trunk serve --address 127.0.0.1 --port "${PORT:-8080}" ;;
  build) install; build ;;
  bench) shift; install; bench "$@" ;;
  test) install; exec bash tests/run-all.sh ;;
  *) echo "usage: $0 serve|test|build|bench|install" >&2; exit 2 ;;
esac
