"""What every process pays at start-up: no heavy module is imported by a command that does not
use it, and nothing expensive runs at import (bench/startup measures the time itself)."""

import subprocess
import sys

from vats.core.accounts.service import _DUMMY_HASH
from vats.core.directory.secrets import _hasher

HEAVY = ["aiogram","matplotlib","miniaudio","numpy","phonenumbers.geocoder","holidays","pydantic","litestar","aiohttp","jinja2"]


def test_a_cli_command_with_every_plugin_loaded_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from vats.bots.cli.main import _plugin_commands\n"
        "from vats.core.kernel import Kernel\n"
        "from vats.core.config import Config\n"
        "_plugin_commands()\n"
        "Kernel(Config.from_env({})).plugins.load_installed()\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_building_the_web_app_without_a_bot_imports_no_aiogram() -> None:
    """`vats serve` builds the app while its PostgreSQL starts; aiogram alone took ~6 s of that
    (pydantic models) when the bot's routes imported it, though no bot runs without a token."""
    code = (
        "import sys\n"
        "from vats.core.kernel import Kernel\n"
        "from vats.core.config import Config\n"
        "from vats.bots.web.app import create_app\n"
        "kernel = Kernel(Config.from_env({}))\n"
        "kernel.plugins.load_installed()\n"
        "create_app(kernel, api_docs_now=False)\n"
        "print([m for m in ('aiogram', 'matplotlib') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_unknown_account_hash_has_the_hashers_parameters() -> None:
    """A sign-in with an unknown e-mail is checked against a fixed hash (not one made at import);
    with other parameters than real hashes it would answer faster and give the e-mail away."""
    assert not _hasher.check_needs_rehash(_DUMMY_HASH)
