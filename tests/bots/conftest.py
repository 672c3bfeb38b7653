"""The CRM tests' company and API clients, for the bot tests."""

from tests.plugins.crm.conftest import clients, company  # noqa: F401
