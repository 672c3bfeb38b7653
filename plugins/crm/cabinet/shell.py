"""The cabinet's shell as the CRM's pages use it: the one place that names the cabinet's
rendering and language helpers, so the CRM depends on them through this module alone."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template
from vats.bots.web.cabinet.pages import language, page
from vats.bots.web.cabinet.session import redirect, safe_next
from vats.bots.web.cabinet.texts import problem_text, texts

__all__ = ["language", "page_in_shell", "problem_text", "redirect", "safe_next", "texts"]


async def page_in_shell(
    request: Request[Any, Any, Any], template: str, code: int = 200, /, **context: Any
) -> Template:
    """``template`` (a path under the CRM's template folder, e.g. ``crm/contacts.html``) inside the shell."""
    rendered = await page(request, "base.html", code, **context)
    rendered.template_name = template
    return rendered
