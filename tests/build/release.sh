#!/usr/bin/env bash
# The page's release build: `trunk build --release`, with the standard library rebuilt for the
# page (the rust-src component, `./setup.sh install` adds it) without panic messages or their
# formatting, tuned for size: 21 KB less to download (issue 16's transfer budget). A panic then
# stops the wasm at once; the page still says so (src/ui/panic.rs listens for the trap). Only the
# release page is built this way: tests, clippy and `trunk serve` use the standard library as
# shipped, with full panic messages. The toolchain is stable; RUSTC_BOOTSTRAP lets its cargo take
# the unstable -Zbuild-std, as Firefox's build long did, for this one build.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
exec trunk build --release "$@"
