#!/bin/sh
# Provision a real Asterisk 22 (and baresip, a real SIP phone for tests) in a Debian sid chroot.
# Idempotent and cached: the root lives in ${VATS_ASTERISK_ROOT:-$HOME/.cache/vats/asterisk-root}
# and is reused while its marker file exists. Needs root (debootstrap, chroot). Prints the root.
# The Debian mirror: VATS_DEBIAN_MIRROR, else the one the host's apt uses (mirror.py beside this).
set -eu
ROOT="${VATS_ASTERISK_ROOT:-$HOME/.cache/vats/asterisk-root}"
MARK="$ROOT/.vats-ready-1"
if [ -f "$MARK" ]; then echo "$ROOT"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "provisioning Asterisk needs root (debootstrap + chroot)" >&2; exit 2; fi
command -v debootstrap >/dev/null 2>&1 || (apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2)
MIRROR="${VATS_DEBIAN_MIRROR:-}"
if [ -z "$MIRROR" ]; then
    MIRROR="$(python3 "$(dirname "$0")/mirror.py")" || exit 2
fi
rm -rf "$ROOT.partial"
mkdir -p "$(dirname "$ROOT")"
echo "debootstrap Debian sid from $MIRROR into $ROOT (about a minute)..." >&2
debootstrap --variant=minbase sid "$ROOT.partial" "$MIRROR" >&2
chroot "$ROOT.partial" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends asterisk asterisk-core-sounds-en-gsm baresip-core' >&2
rm -rf "$ROOT"
mv "$ROOT.partial" "$ROOT"
touch "$MARK"
echo "$ROOT"
