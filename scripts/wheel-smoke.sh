#!/bin/sh
# Builds the wheel a user would install (`pip install vats`), installs it into a fresh venv in a
# folder outside the checkout, and runs vats from there: --version, db migrate and tenant create
# on a fresh data dir (embedded PostgreSQL, the wheel's migrations), asterisk render, plugins. The editable install the
# tests use cannot see a module or data file missing from the wheel; this can.
# Called by scripts/test.sh; runs on its own too: sh scripts/wheel-smoke.sh
set -eu
cd "$(dirname "$0")/.."
python="$(pwd)/.venv/bin/python"
[ -x "$python" ] || python="${PYTHON:-python3}"

work="$(mktemp -d "${TMPDIR:-/tmp}/vats-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT INT TERM
fail() {
    echo "wheel smoke: $*" >&2
    exit 1
}

# Build from a copy of the checkout's files (tracked and new, not ignored ones): a build inside
# the checkout would leave build/ behind, whose stale files later wheels would carry.
mkdir "$work/src"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar -c --ignore-failed-read --null -T - 2>/dev/null |
        tar -x -C "$work/src"
else
    tar -c --exclude=./.venv --exclude=./build --exclude='*.egg-info' . | tar -x -C "$work/src"
fi
(cd "$work/src" && "$python" -m pip wheel --quiet --no-deps . -w "$work/dist") >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "the wheel did not build"; }
# (pip's own notes about index locations this machine lacks are not the build's warnings)
if grep -i "warn" "$work/build.log" | grep -v "^WARNING: Location '" >&2; then
    fail "building the wheel printed warnings (above)"
fi
wheel="$(ls "$work"/dist/vats-*.whl)"
# Every file of the three folders ships (as vats/<folder>/...): modules and data alike.
(cd "$work/src" && find core plugins bots -type f ! -name '*.py[co]' ! -path '*/__pycache__/*') | sort >"$work/want"
"$python" -c 'import sys, zipfile; print("\n".join(n[5:] for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("vats/")))' \
    "$wheel" | sort >"$work/have"
missing="$(comm -23 "$work/want" "$work/have")"
[ -z "$missing" ] || fail "files missing from the wheel: $missing"

# A bare venv filled by the checkout's pip (no ensurepip), without byte-compiling: both only
# cost time here, and the dependencies come from the registries (pip's cache) as for a user.
"$python" -m venv --without-pip "$work/venv"
"$python" -m pip --python "$work/venv/bin/python" install --quiet --no-compile "$wheel" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "the wheel did not install"; }

# Run from outside the checkout with only the wheel's vats importable and a fresh data dir.
cd "$work"
export VATS_DATA_DIR="$work/data"
unset VATS_DATABASE_URL VATS_PLUGINS VATS_ASTERISK_CONF_DIR VATS_AMI_URL VATS_TELEGRAM_TOKEN PYTHONPATH || true

where="$("$work/venv/bin/python" -c 'import vats.core.asterisk as m; print(m.__file__)')"
case "$where" in
"$work/venv/"*) ;;
*) fail "vats was imported from $where, not from the installed wheel" ;;
esac

# vats ARGS... > OUT: its stderr (where it names the database it opens) shown only if it fails.
vats() {
    "$work/venv/bin/vats" "$@" 2>"$work/stderr.log" || { cat "$work/stderr.log" >&2; fail "vats $* failed"; }
}

version="$(vats --version)"
[ "$version" = "vats $("$work/venv/bin/python" -c 'from importlib.metadata import version; print(version("vats"))')" ] ||
    fail "vats --version printed: $version"

# A fresh data dir: the embedded PostgreSQL is created and migrated (the wheel's SQL files).
vats db migrate >/dev/null
vats tenant create --name "Проверка колеса" --admin-email admin@wheel.example >"$work/tenant.json"
grep -q '"tenant_id"' "$work/tenant.json" || fail "vats tenant create printed: $(cat "$work/tenant.json")"

vats asterisk render --out "$work/asterisk" >/dev/null
for file in asterisk.conf extensions.conf pjsip.conf manager.conf; do
    [ -s "$work/asterisk/$file" ] || fail "vats asterisk render wrote no $file"
done

vats plugins >"$work/plugins.txt"
for plugin in audit crm crm_webhook ivr numbering_ru queue telegram; do
    grep -qw "$plugin" "$work/plugins.txt" || fail "vats plugins does not list $plugin: $(cat "$work/plugins.txt")"
done

# Billing's PDFs from the installed wheel: fpdf2, num2words and the DejaVu font of matplotlib's wheel.
"$work/venv/bin/python" - >"$work/pdf.log" 2>&1 <<'PY' || { cat "$work/pdf.log" >&2; fail "no invoice PDF"; }
import datetime as dt

from vats.plugins.billing.documents import pdf

party = pdf.Party(name="ООО «Проверка»", inn="7707083893", kpp="773601001", address="Москва")
bank = pdf.Bank(bank_name="Банк", bik="044525225", account="4" * 20, corr_account="3" * 20)
made = pdf.invoice(number=1, issued_on=dt.date(2026, 11, 29), created=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
                   seller=party, bank=bank, buyer=party, lines=[pdf.Line(name="Пополнение", amount_kop=150000)],
                   vat_pct=22)
assert made.startswith(b"%PDF") and b"DejaVuSans" in made, made[:200]
PY

echo "wheel smoke: $(basename "$wheel") installs and runs ($version; db migrate, tenant create, asterisk render, plugins, an invoice PDF)"
