#!/bin/sh
# Creates .venv with Python 3.11+ and installs vats with its test tools; reinstalls only when
# pyproject.toml or setup.py changed. Sourced by serve.sh and test.sh.
set -eu
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            PYTHON="$candidate"
            break
        fi
    done
fi
if [ -z "$PYTHON" ]; then
    echo "vats needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.vats-installed"
want="$(cat pyproject.toml setup.py | cksum)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # Not --quiet: the first install takes minutes, and a silent terminal looks like a hang.
    echo "== installing vats and its dependencies into .venv (the first time: about 3-4 minutes)"
    echo "== 1/2: pip"
    .venv/bin/python -m pip install --quiet --upgrade pip
    echo "== 2/2: vats and its dependencies (pip lists each package)"
    .venv/bin/python -m pip install --progress-bar on -e '.[test]'
    echo "$want" > "$stamp"
    echo "== installed"
fi
