"""Errors the kernel raises for bad input or missing objects.

Every error names the offending field so that frontends can turn it into a problem-details
body (API) or a clear message with a non-zero exit (CLI). None of them is ever a 5xx.
"""

from __future__ import annotations

from typing import Any


class VatsError(Exception):
    """Base class: a refusal caused by the caller's input, never by a bug."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        """RFC 9457 problem details (without ``instance``; the frontend adds it)."""
        body: dict[str, Any] = {"title": self.title, "status": self.status, "detail": self.message}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(VatsError):
    """A value breaks a directory rule (format, range, reserved number, ...)."""

    status = 422
    title = "Invalid value"


class ConflictError(VatsError):
    """A value collides with an existing object (unique name, e-mail, extension, ...)."""

    status = 409
    title = "Conflict"


class LimitError(VatsError):
    """A tariff limit refuses the change (e.g. the seat maximum)."""

    status = 409
    title = "Limit reached"


class NotFoundError(VatsError):
    """The object does not exist, or belongs to another tenant (indistinguishable on purpose)."""

    status = 404
    title = "Not found"


class ReferencedError(VatsError):
    """Deleting an object that something still references; ``references`` lists them."""

    status = 409
    title = "Still referenced"

    def __init__(self, message: str, *, field: str | None = None, references: list[Any]) -> None:
        super().__init__(message, field=field, references=references)
        self.references = references
