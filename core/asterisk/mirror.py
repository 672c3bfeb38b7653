"""Which Debian mirror the Asterisk sandbox is built from: VATS_DEBIAN_MIRROR, else the one the
host's apt already uses (so the sandbox works wherever apt works, behind a proxy or a local
mirror alike, and no mirror's address is written into vats).

apt's sources are read as apt reads them: ``sources.list`` and ``sources.list.d/*.list`` (one
line per source, ``deb [options] URI suite [components]``) and ``sources.list.d/*.sources``
(deb822 stanzas with ``Types``, ``URIs``, ``Suites``, ``Enabled``); files with other names
(e.g. ``*.list.disabled``) are ignored, as apt ignores them. The first binary (``deb``) source
of a Debian suite (a release name or alias, with its -updates/-backports) is taken; security
archives and third-party repositories (their suites are not Debian's) are not.

Standard library only: ``provision-root.sh`` runs this file with the host's python3 when it
is started on its own (``python3 mirror.py`` prints the mirror or explains on stderr).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

SETTING = "VATS_DEBIAN_MIRROR"
APT_DIR = Path("/etc/apt")

# Debian's release names and aliases; a suite is Debian's if its first part is one of them.
DEBIAN_SUITES = frozenset(
    "buzz rex bo hamm slink potato woody sarge etch lenny squeeze wheezy jessie stretch buster bullseye"
    " bookworm trixie forky duke sid stable testing unstable oldstable oldoldstable experimental".split()
)


class NoMirror(LookupError):
    """Neither the setting nor apt's sources name a Debian mirror."""


class Source:
    """One ``deb`` source: where, and which suites."""

    def __init__(self, uri: str, suites: list[str]) -> None:
        self.uri = uri
        self.suites = suites

    def is_debian_archive(self) -> bool:
        for suite in self.suites:
            release, _, pocket = suite.partition("-")
            if release in DEBIAN_SUITES and pocket != "security" and "security" not in self.uri:
                return True
        return False


def _one_line_sources(text: str) -> Iterator[Source]:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):  # deb-src and anything else: not where packages come from
            continue
        line = re.sub(r"\[[^\]]*\]", " ", line)  # [arch=amd64 signed-by=...] options
        parts = line.split()
        if len(parts) >= 3:
            yield Source(parts[1], [parts[2]])


def _deb822_sources(text: str) -> Iterator[Source]:
    stanza: dict[str, str] = {}
    key = ""
    for raw in [*text.splitlines(), ""]:
        if raw.startswith("#"):
            continue
        if not raw.strip():  # a blank line ends a stanza
            if stanza:
                yield from _from_stanza(stanza)
            stanza, key = {}, ""
        elif raw[0] in " \t" and key:  # a continuation line
            stanza[key] += " " + raw.strip()
        elif ":" in raw:
            key, _, value = raw.partition(":")
            key = key.strip().lower()
            stanza[key] = value.strip()


def _from_stanza(stanza: Mapping[str, str]) -> Iterator[Source]:
    if stanza.get("enabled", "yes").lower() in ("no", "false", "0"):
        return
    if "deb" not in stanza.get("types", "").split():
        return
    suites = stanza.get("suites", "").split()
    for uri in stanza.get("uris", "").split():
        yield Source(uri, suites)


def apt_sources(apt_dir: Path = APT_DIR) -> Iterator[Source]:
    """Every binary source apt would use, in apt's reading order."""
    main = apt_dir / "sources.list"
    if main.is_file():
        yield from _one_line_sources(main.read_text(encoding="utf-8", errors="replace"))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if not path.is_file():
                continue
            if path.suffix == ".list":
                yield from _one_line_sources(path.read_text(encoding="utf-8", errors="replace"))
            elif path.suffix == ".sources":
                yield from _deb822_sources(path.read_text(encoding="utf-8", errors="replace"))


def debian_mirror(env: Mapping[str, str] | None = None, apt_dir: Path = APT_DIR) -> str:
    """VATS_DEBIAN_MIRROR, else the first Debian archive among apt's sources."""
    env = os.environ if env is None else env
    if given := env.get(SETTING, "").strip():
        return given
    for source in apt_sources(apt_dir):
        if source.is_debian_archive():
            return source.uri
    raise NoMirror(
        f"no Debian mirror among apt's sources in {apt_dir} (this host may not be Debian); "
        f"set {SETTING} to a Debian mirror's address"
    )


if __name__ == "__main__":
    try:
        print(debian_mirror())
    except NoMirror as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
