"""Property-based API fuzzing with schemathesis over the OpenAPI spec, against a real
`vats serve` process: no 5xx, no status code the document does not list for the operation,
and no answer (success or problem details) that breaks its schema. Bounded for CI."""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.serve import serving

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
OPERATOR = "fuzz-operator-token-0123456789"


def fuzz(base: str, header: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SCHEMATHESIS, "run", f"{base}/schema/openapi.json",
            "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--header", header, "--max-examples", os.environ.get("VATS_FUZZ_EXAMPLES", "5"),
            "--no-shrink", "--seed", "20261122", "--request-timeout", "10", *extra,
        ],
        capture_output=True, text=True, timeout=600, cwd=cwd,
    )  # fmt: skip


# The whole API twice (every route x 5 examples) is the one test that needs more than the suite's
# 300 s per test on a loaded machine; each schemathesis run is bounded at 600 s itself.
@pytest.mark.timeout(1300)
def test_api_survives_fuzzing(vats_database_url: str, tmp_path: Path) -> None:
    # VATS_AGI_PORT=0: no call router, whose fixed port would clash with other runs on the machine.
    env = {"VATS_OPERATOR_TOKEN": OPERATOR, "VATS_AGI_PORT": "0"}
    with serving(tmp_path, database_url=vats_database_url, env=env) as served:
        login = served.admin_login()
        assert login, "vats serve printed no demo password"
        base = served.base_url
        request = urllib.request.Request(
            f"{base}/api/auth/login", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"email": login[0], "password": login[1]}).encode(),
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.load(response)["access_token"]
        # The admin's token for the cabinet (routes that would end the session are left out) ...
        cabinet = fuzz(
            base,
            f"Authorization: Bearer {token}",
            "--exclude-path-regex",
            "^/api/(auth/logout|me/password|operator/)",
            cwd=tmp_path,
        )
        assert cabinet.returncode == 0, cabinet.stdout[-6000:]
        assert re.search(r"\d+ generated, \d+ passed", cabinet.stdout), cabinet.stdout[-2000:]
        # ... and the operator's token for the operator API.
        operator = fuzz(
            base, f"Authorization: Bearer {OPERATOR}", "--include-path-regex", "^/api/operator/", cwd=tmp_path
        )
        assert operator.returncode == 0, operator.stdout[-6000:]
        log = served.output
        print(f"server logged {len(log)} lines, {sum(map(len, log))} characters")
        print("".join(log[-40:]))
