#!/usr/bin/env bash
# Every check and test, in order of cost. Called by `./setup.sh test` (which installs the tools first)
# and so by CI. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy, native and wasm32"
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --all-targets --quiet --target wasm32-unknown-unknown -- -D warnings
cargo clippy --quiet --no-default-features --lib --bins -- -D warnings

step "native tests: model, properties, view logic"
cargo test --quiet

step "in release: robustness (a million random reducer messages, a simulated day under chaos), strong reads (histories under faults checked for linearizability), lessons at three paces over 20 seeds, fleets of 1,000 and 10,000 servers"
cargo test --release --quiet --test robustness --test strong --test lesson_paces --test scale --test runner --test overload --test autoscale

step "browser tests in headless Chromium (wasm-pack)"
CHROMEDRIVER="$(command -v chromedriver)" wasm-pack test --headless --chrome --mode no-install -- --test browser

step "release build of the page (trunk, the standard library rebuilt for size)"
tests/build/release.sh

step "transfer size of dist/ (gzip), against its budget"
node tests/budget.mjs

step "end-to-end tests of the built page under a sub-path"
node --test tests/e2e/page.test.mjs tests/e2e/learn.test.mjs tests/e2e/layout.test.mjs
