"""Invitation e-mail through a real SMTP server (aiosmtpd), the dev inbox from the command
line, and the offline API docs."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import msgspec
import pytest_asyncio
from aiosmtpd.controller import Controller
from vats.bots.web.testing import ApiClients
from vats.core.config import Config
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest_asyncio.fixture
async def smtp_server() -> AsyncIterator[tuple[int, Inbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


async def test_invitation_goes_through_a_real_smtp_server(vats_config: Config, smtp_server: tuple[int, Inbox]) -> None:
    port, inbox = smtp_server
    config = msgspec.structs.replace(
        vats_config, smtp_url=f"smtp://127.0.0.1:{port}", mail_from="pbx@vats.example", public_url="https://pbx.example"
    )
    kernel = await Kernel(config).start()
    api = ApiClients(kernel)
    try:
        created = await kernel.directory.create_tenant(name="Mail Co", admin_email="admin@mail.example")
        admin = await api.as_employee(created.tenant_id, created.admin_id)
        r = await admin.post("/api/employees", json={"full_name": "Почтовый", "email": "post@mail.example"})
        assert r.status_code == 201
        for _ in range(50):
            if inbox.messages:
                break
            await asyncio.sleep(0.05)
        message = inbox.messages[0]
        assert message["To"] == "post@mail.example" and message["From"] == "pbx@vats.example"
        body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        link = re.search(r"https://pbx\.example/invite\?token=([\w-]+)", body)
        assert link, body
        accepted = await api.client().post(
            "/api/invitations/accept", json={"token": link.group(1), "password": "post-Passw0rd"}
        )
        assert accepted.status_code == 204
        await api.login("post@mail.example", "post-Passw0rd")
        assert kernel.db is not None
        async with kernel.db.system() as conn:
            assert await conn.fetchval("SELECT count(*) FROM dev_mail") == 0  # sent, not kept
    finally:
        await api.close()
        await kernel.stop()


async def test_vats_mail_list_shows_the_dev_inbox(
    vats_api: ApiClients, vats_database_url: str, vats_tenant: TenantCreated
) -> None:
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    await admin.post("/api/employees", json={"full_name": "Инбокс", "email": "inbox@test.example"})
    env = {**os.environ, "VATS_DATABASE_URL": vats_database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vats.bots.cli",
        "mail",
        "list",
        "--to",
        "inbox@test.example",
        "--json",
        env=env,
        stdout=subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    messages = [json.loads(line) for line in out.decode().splitlines()]
    assert len(messages) == 1 and "/invite?token=" in messages[0]["text"]


async def test_docs_page_works_offline(vats_api: ApiClients) -> None:
    client = vats_api.client()
    page = await client.get("/schema")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert not re.search(r"https?://", page.text.split("<body>")[0])
    for url in urls:
        assert (await client.get(url)).status_code == 200, url
    # Litestar writes OpenAPI 3.1, which Swagger UI reads from version 5 on (4.x shows
    # "Unable to render this definition"): check the bundle we serve is new enough.
    spec = (await client.get("/schema/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    bundle = (await client.get("/schema/assets/swagger-ui-bundle.js")).text
    versions = {int(v) for v in re.findall(r'"([0-9]+)\.[0-9]+\.[0-9]+"', bundle[:2_000_000])}
    assert 5 in versions, "the served Swagger UI cannot read OpenAPI 3.1"


async def test_every_operation_has_an_id_tags_and_a_summary(vats_api: ApiClients) -> None:
    spec = (await vats_api.client().get("/schema/openapi.json")).json()
    ids = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op.get("operationId") and op.get("tags") and op.get("summary"), f"{method} {path}"
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids))
    login_schema = spec["components"]["schemas"]["LoginIn"]
    assert login_schema["properties"]["email"]["examples"]


async def test_every_request_body_has_an_example_the_api_accepts(vats_api: ApiClients) -> None:
    import jsonschema_rs

    spec = (await vats_api.client().get("/schema/openapi.json")).json()
    components = spec["components"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody")
            if body is None:
                continue
            if "application/json" not in body["content"]:
                continue  # uploads (multipart) carry a file, not an example value
            media = body["content"]["application/json"]
            assert media.get("examples"), f"{method.upper()} {path} has no request example"
            schema = {**media["schema"], "components": components}
            validator = jsonschema_rs.validator_for(schema)
            for example in media["examples"].values():
                validator.validate(example["value"])  # raises with the offending field
                checked += 1
    assert checked >= 30
