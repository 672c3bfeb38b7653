#!/bin/sh
# Sets everything up and runs `vats serve` (embedded PostgreSQL unless VATS_DATABASE_URL is set).
set -eu
# A relative VATS_DATA_DIR means the caller's folder, not the repository's we change into below.
case "${VATS_DATA_DIR:-}" in
    "" | /*) ;;
    *) VATS_DATA_DIR="$PWD/$VATS_DATA_DIR"; export VATS_DATA_DIR ;;
esac
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec .venv/bin/vats serve "$@"
