"""Task intents: what a scenario asks the CRM to do once the call is over.

A leaf module (msgspec only): the engine writes intents, call records carry them, and the
hooks announce them, without any of those importing the others.
"""

from __future__ import annotations

import uuid

import msgspec


class TaskIntent(msgspec.Struct, frozen=True, kw_only=True):
    """A task the scenario asks for; the CRM creates it from the call record."""

    kind: str  # "voicemail", "callback", "missed", "failed_forwarding"
    assignee_kind: str  # "employee" or "group"
    assignee_id: uuid.UUID
