#!/usr/bin/env bash
# Installs the pinned build and test tools, skipping whatever is already present at the right version.
# Sourced or run by ./run and ./test; safe to run again (seconds when everything is present).
#   scripts/setup.sh            tools to build and serve the app
#   scripts/setup.sh --test     also the browser, driver and Python client used by the tests
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

with_test=0
[[ ${1:-} == --test ]] && with_test=1

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "installing Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [[ $(trunk --version 2>/dev/null) != "trunk $TRUNK_VERSION" ]]; then
  # --locked is required: 0.21.14 does not compile against today's lightningcss/cssparser.
  say "installing trunk $TRUNK_VERSION (about 15 minutes on 2 cores, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [[ $(wasm-bindgen --version 2>/dev/null) != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  # No --locked: the registry mirror lacks one pinned dependency. Must equal the crate in Cargo.lock.
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 7 minutes on 2 cores, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm dev tooling (wasm-opt from binaryen, playwright-core): reinstall only when the lock file changed.
stamp="$ROOT/node_modules/.package-lock.stamp"
if [[ ! -f $stamp ]] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
  say "installing npm dev tools (binaryen, playwright-core)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$stamp"
fi

if ((with_test)); then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  venv="$HOME/.cache/tms-credentials/venv"
  if ! "$venv/bin/python" -c 'import tapipy, pytest' 2>/dev/null; then
    say "installing tapipy and pytest into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/tests/conformance/requirements.txt"
  fi
fi

# Dependencies for --offline builds.
cargo fetch --quiet
