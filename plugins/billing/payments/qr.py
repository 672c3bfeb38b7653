"""The SBP QR code of a payment as an SVG image (segno: pure Python, no image library), for the
cabinet to show inline and for API clients (``GET /api/billing/payments/{id}/qr.svg``)."""

from __future__ import annotations

import io

import segno


def qr_svg(payload: str, *, scale: int = 5) -> str:
    """The QR code of ``payload`` (the gateway's SBP link), error correction M, as SVG text."""
    out = io.BytesIO()
    segno.make(payload, error="m").save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, title="QR-код для оплаты через СБП"
    )
    return out.getvalue().decode()
