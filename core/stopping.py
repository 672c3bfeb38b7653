"""Stopping background loops: honour a stop request even when a library swallowed it.

A loop that runs until cancelled checks ``stop_if_asked()`` once per pass, or pauses between
passes with ``idle()``. This module imports nothing of the kernel, so any part may use it.
"""

from __future__ import annotations

import asyncio


def stop_if_asked() -> None:
    """Raise CancelledError if this task was asked to stop and something swallowed the request.

    On Python 3.11 ``asyncio.wait_for`` (inside aiosmtplib, panoramisk and others) returns the
    result and drops a cancellation that arrives just as the awaited thing completes: a loop
    would then run on and never stop. The task still counts the request (``cancelling()``),
    so a background loop checks it once per pass.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def idle(seconds: float) -> None:
    """The pause between a background loop's passes, honouring a stop request first."""
    stop_if_asked()
    await asyncio.sleep(seconds)
