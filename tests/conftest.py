"""Shared test settings. The fixtures themselves come from ``vats.core.testing`` (a pytest
plugin installed with vats), exactly as plugin authors get them."""

import os

from hypothesis import HealthCheck, settings

# Bounded in CI, a little more thorough on a developer's machine.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
