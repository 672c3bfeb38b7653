#!/bin/sh
# Sets everything up and runs the whole test suite: lint, types, tests, benchmark smoke runs.
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
# mypy checks the import package `vats` (core/, plugins/, bots/ under their installed names) through
# a folder of links, so that `from vats.core ...` resolves to the real, typed modules.
mkdir -p .mypy-src/vats
for folder in core plugins bots; do ln -sfn "../../$folder" ".mypy-src/vats/$folder"; done
MYPYPATH=.mypy-src .venv/bin/mypy -p vats
echo "== wheel (built, installed outside the checkout, run)"
sh scripts/wheel-smoke.sh
echo "== benchmarks (smoke)"
for bench in bench/*/run.py; do
    [ -e "$bench" ] || continue
    .venv/bin/python "$bench" --smoke
done
echo "== chromium (the web cabinet's browser tests)"
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
echo "== pytest"
# Two worker processes, a whole test file per worker (module fixtures stay in one process); each
# worker has its own PostgreSQL, Asterisk and browser. VATS_TEST_WORKERS=0 runs in one process.
# The 30 slowest tests are listed at the end, to see where CI's time goes.
exec .venv/bin/pytest -n "${VATS_TEST_WORKERS:-2}" --dist loadfile --durations=30 "$@"
