"""The sandbox's Debian mirror comes from the setting, else from the host's apt sources."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from vats.core.asterisk.mirror import NoMirror, debian_mirror

MIRROR_PY = Path(__file__).resolve().parents[2] / "core" / "asterisk" / "mirror.py"


def apt_dir(tmp_path: Path, sources_list: str = "", **parts: str) -> Path:
    """An /etc/apt look-alike: sources.list and files in sources.list.d (name=text)."""
    root = tmp_path / "apt"
    (root / "sources.list.d").mkdir(parents=True)
    (root / "sources.list").write_text(textwrap.dedent(sources_list))
    for name, text in parts.items():
        (root / "sources.list.d" / name.replace("__", ".")).write_text(textwrap.dedent(text))
    return root


DEB822_WITH_SECURITY_FIRST = """\
    Types: deb
    URIs: http://security.mirror.test/debian-security
    Suites: trixie-security
    Components: main

    Types: deb deb-src
    # a comment between fields
    URIs: http://mirror.test/debian
    Suites: trixie trixie-updates
    Components: main
    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
    """


def test_a_deb822_file_gives_its_debian_archive_not_the_security_one(tmp_path: Path) -> None:
    apt = apt_dir(tmp_path, debian__sources=DEB822_WITH_SECURITY_FIRST)
    assert debian_mirror({}, apt) == "http://mirror.test/debian"


def test_a_one_line_source_with_options_is_read_and_deb_src_and_comments_are_not(tmp_path: Path) -> None:
    apt = apt_dir(
        tmp_path,
        """\
        # deb http://commented.test/debian bookworm main
        deb-src http://source-only.test/debian bookworm main
        deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://one-line.test/debian bookworm main
        """,
    )
    assert debian_mirror({}, apt) == "http://one-line.test/debian"


def test_third_party_disabled_and_misnamed_sources_are_passed_over(tmp_path: Path) -> None:
    apt = apt_dir(
        tmp_path,
        a_vendor__list="deb https://vendor.test/apt cloud-sdk-bookworm main\n",
        b_nodejs__sources="Types: deb\nURIs: https://node.test/node_20.x\nSuites: nodistro\nComponents: main\n",
        c_off__sources="Enabled: no\nTypes: deb\nURIs: http://switched-off.test/debian\nSuites: sid\n",
        d_old__list__disabled="deb http://renamed-away.test/debian sid main\n",
        e_debian__sources="Types: deb\nURIs: http://the-one.test/debian\nSuites: sid\nComponents: main\n",
    )
    assert debian_mirror({}, apt) == "http://the-one.test/debian"


def test_the_setting_wins_over_apt(tmp_path: Path) -> None:
    apt = apt_dir(tmp_path, debian__sources=DEB822_WITH_SECURITY_FIRST)
    assert debian_mirror({"VATS_DEBIAN_MIRROR": "http://chosen.test/debian"}, apt) == "http://chosen.test/debian"


def test_a_host_without_a_debian_source_is_told_to_set_the_mirror(tmp_path: Path) -> None:
    apt = apt_dir(tmp_path, "deb http://archive.ubuntu.test/ubuntu noble main\n")
    with pytest.raises(NoMirror, match="VATS_DEBIAN_MIRROR"):
        debian_mirror({}, apt)


def test_provision_root_sh_can_run_the_discovery_on_its_own_with_the_hosts_python() -> None:
    """provision-root.sh started by hand runs mirror.py as a plain script (no vats import)."""
    env = {**os.environ, "VATS_DEBIAN_MIRROR": "http://chosen.test/debian", "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, "-I", str(MIRROR_PY)], env=env, capture_output=True, text=True, cwd="/", check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "http://chosen.test/debian"), done.stderr


def test_no_mirror_address_is_written_in_the_provisioning_code() -> None:
    code = (MIRROR_PY.parent / "provision-root.sh").read_text() + MIRROR_PY.read_text()
    assert "http://" not in code and "https://" not in code


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.mark.parametrize("given", ["http://chosen.test/debian", None])
def test_provision_root_sh_hands_debootstrap_the_mirror(tmp_path: Path, given: str | None) -> None:
    """The script with debootstrap, chroot and id replaced by recorders: nothing is downloaded."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "debootstrap-args"
    stub(bin_dir, "id", "echo 0")
    stub(bin_dir, "debootstrap", f'echo "$@" > {calls}; mkdir -p "$3"')
    stub(bin_dir, "chroot", "exit 0")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VATS_ASTERISK_ROOT": str(tmp_path / "root")}
    env.pop("VATS_DEBIAN_MIRROR", None)
    if given is not None:
        env["VATS_DEBIAN_MIRROR"] = given
    done = subprocess.run(
        ["sh", str(MIRROR_PY.parent / "provision-root.sh")], env=env, capture_output=True, text=True, check=False
    )
    try:
        expected = given or debian_mirror({})
    except NoMirror:  # a host whose apt has no Debian source: the script says so and stops
        assert done.returncode == 2 and "VATS_DEBIAN_MIRROR" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert calls.read_text().split() == ["--variant=minbase", "sid", str(tmp_path / "root.partial"), expected]
    assert (tmp_path / "root" / ".vats-ready-1").exists()
