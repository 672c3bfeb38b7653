"""The baseline of bench/api: a one-route Litestar app with no middleware and no sign-in,
served exactly as `vats serve` serves the cabinet (the same uvicorn set-up, ``_uvicorn_server``).

    VATS_PORT=8001 python bench/api/bare.py
"""

from __future__ import annotations

import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from litestar import Litestar, get
from vats.bots.cli.main import _uvicorn_server
from vats.core.config import Config


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])


async def serve() -> None:
    server = _uvicorn_server(app, Config.from_env())

    async def announce() -> None:
        while not server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        print("bare litestar is serving", flush=True)

    announcer = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        announcer.cancel()


if __name__ == "__main__":
    asyncio.run(serve())
