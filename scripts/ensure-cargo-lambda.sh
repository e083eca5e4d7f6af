#!/usr/bin/env bash
# Makes sure `cargo lambda` (PyPI's cargo-lambda: a prebuilt binary that brings Zig for the arm64
# cross builds) is installed: the Lambda tests run a real function binary under
# `cargo lambda watch`, and `make lambdas` builds the deployable artifacts with it.
set -euo pipefail
say() { echo "ensure-cargo-lambda: $*" >&2; }
if cargo lambda --version >/dev/null 2>&1; then exit 0; fi
python=$(command -v python3 || command -v python || true)
[ -n "$python" ] || { say "python3 is missing: install it, then pip install cargo-lambda"; exit 1; }
say "installing cargo-lambda with pip"
"$python" -m pip install -q cargo-lambda >&2 || "$python" -m pip install -q --break-system-packages cargo-lambda >&2
# pip may put it where PATH does not look (pyenv shims need a rehash, --user installs ~/.local/bin).
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
cargo lambda --version >/dev/null 2>&1 || { say "cargo-lambda installed but not on PATH (try ~/.local/bin)"; exit 1; }
