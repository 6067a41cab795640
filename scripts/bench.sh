#!/usr/bin/env bash
# Prints the app's size and speed figures (not a test: nothing here passes or fails on a number).
#   scripts/bench.sh     release build, then first-load size, page load time and a 24-system run
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test >/dev/null
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
trunk build --offline --release --dist target/bench-dist --public-url ./ >/dev/null 2>&1 ||
  trunk build --offline --release --dist target/bench-dist --public-url ./
cargo build --offline --quiet -p tapis-sim
E2E_DIST="$PWD/target/bench-dist" node scripts/bench.mjs
