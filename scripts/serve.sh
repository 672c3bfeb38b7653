#!/bin/sh
# Sets everything up and runs `vats serve` (embedded PostgreSQL unless VATS_DATABASE_URL is set).
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec .venv/bin/vats serve "$@"
