"""The browser's address bar after a boosted form: a page answered to a POST stays at the page's
own address.

htmx pushes the address a boosted form posted to into the history. When the answer is a page
(a refusal beside a field, a notice, a list re-drawn after a change), that address is the form's
action, e.g. ``/cabinet/settings/groups/<id>/members``: reloading or sharing it later GETs a route
that has no page. A POST answered with a page therefore says ``HX-Push-Url: false`` (the address
stays the page the form was on); a POST answered with a redirect (303) is left alone, so htmx
shows the address it was sent to."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

KEEP_ADDRESS = (b"hx-push-url", b"false")


def boosted_posts_keep_the_address(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        boosted = scope["type"] == ScopeType.HTTP and scope["method"] == "POST" and any(
            name == b"hx-boosted" for name, _ in scope["headers"]
        )
        if not boosted:
            await app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 300:
                headers = list(message.get("headers", []))
                if not any(name.lower() in (b"hx-push-url", b"hx-replace-url") for name, _ in headers):
                    message = {**message, "headers": [*headers, KEEP_ADDRESS]}
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware
