"""What the CRM's routes add to the web kit: the viewer (what the signed-in employee may see
in the CRM), provided as the ``viewer`` dependency to every CRM controller, and its files."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from vats.bots.web.kit import TenantDep
from vats.core.errors import NotFoundError
from vats.core.protocols import KernelAPI
from vats.plugins.crm.contacts import Forbidden
from vats.plugins.crm.viewer import Viewer, viewer_for


async def provide_viewer(tx: TenantDep) -> Viewer:
    """Built from the handler's own tenant transaction, so it costs no extra connection."""
    return await viewer_for(tx.conn, tx.kernel, tx.tenant.id, tx.me.employee_id, tx.me.role, tx.tenant.settings)


ViewerDep = NamedDependency[SkipValidation[Viewer]]
"""What a CRM handler writes: ``viewer: ViewerDep``."""

VIEWER: Final = {"viewer": Provide(provide_viewer)}
"""A CRM controller's ``dependencies``: handlers may then name ``viewer: Viewer``."""


def media_file(kernel: KernelAPI, stored: str) -> Path:
    """A call's file, only from inside VATS_MEDIA_DIR, and only if it is still there."""
    root = Path(kernel.config.media_dir).resolve()
    path = Path(stored).resolve()
    for candidate in (path, Path(f"{path}.wav")):  # Asterisk adds the extension to the name it was given
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise NotFoundError("the file is no longer stored", field="file")


def require_listening(viewer: Viewer) -> None:
    if not viewer.may_listen:
        raise Forbidden("your role may not listen to recordings", field="role")
