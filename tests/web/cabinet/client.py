"""A cabinet page client without a browser: httpx on the ASGI app, signed in through the real
sign-in form (its CSRF token read from the page), so page tests run fast where no JavaScript is
involved. Browser behaviour (htmx, layout, keyboard) stays in the selenium tests."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar

TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


class CabinetClient:
    def __init__(self, app: Litestar) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://cabinet.test", follow_redirects=False
        )

    async def csrf(self, path: str = "/signin") -> str:
        """The CSRF token a form on ``path`` carries (the cookie comes with the page)."""
        page = await self.http.get(path)
        match = TOKEN.search(page.text)
        assert match, f"no CSRF token on {path}: {page.status_code}"
        return match.group(1)

    async def sign_in(self, email: str, password: str) -> httpx.Response:
        token = await self.csrf()
        return await self.http.post("/signin", data={"email": email, "password": password, "_csrf_token": token})

    async def post_form(self, path: str, data: dict[str, str], *, form_page: str) -> httpx.Response:
        """Post ``data`` as the form on ``form_page`` would (with its CSRF token)."""
        return await self.http.post(path, data={**data, "_csrf_token": await self.csrf(form_page)})

    async def close(self) -> None:
        await self.http.aclose()
