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
die() { printf '[setup] %s\n' "$*" >&2; exit 1; }

# apt needs root; use sudo when not root (CI and the project's machines run as root).
SUDO=
if ((EUID != 0)); then
  command -v sudo >/dev/null || die "not root and no sudo: install chromium, chromium-driver and python3-venv by hand"
  SUDO=sudo
fi
apt_install() {
  say "installing $* (apt)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

command -v rustup >/dev/null || die "rustup is missing: install Rust with rustup (https://rustup.rs) first"
command -v node >/dev/null || die "Node.js is missing: install Node.js 20 or newer with npm"
node_major=$(node -p 'process.versions.node.split(".")[0]')
# node --test --test-concurrency and the dev tools need Node 20.
((node_major >= 20)) || die "Node.js $(node --version) is too old: the tests and tools need Node.js 20 or newer"

with_test=0
[[ ${1:-} == --test ]] && with_test=1

for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || { say "installing rustup component $component"; rustup component add "$component"; }
done

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

# npm dev tooling (wasm-opt from binaryen, terser, playwright-core): reinstall only when the lock file changed.
stamp="$ROOT/node_modules/.package-lock.stamp"
if [[ ! -f $stamp ]] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
  say "installing npm dev tools (binaryen, terser, playwright-core)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$stamp"
fi

if ((with_test)); then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
  fi
  # The e2e tests' TLS + HTTP/2 front for the simulator makes its test certificate with it.
  command -v openssl >/dev/null || apt_install openssl
  venv="$HOME/.cache/tms-credentials/venv"
  requirements="$ROOT/tests/conformance/requirements.txt"
  # Reinstall when the pins change, like the npm tools above.
  if ! "$venv/bin/python" -c 'import tapipy, pytest' 2>/dev/null || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    say "installing tapipy and pytest into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
  fi
fi

# Dependencies for --offline builds.
cargo fetch --quiet
