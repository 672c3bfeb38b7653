"""The certificate `vats serve` (and, for the webphone, Asterisk) serves HTTPS with: the
operator's (VATS_TLS_CERT / VATS_TLS_KEY), or a self-signed one made once in the data folder for
a LAN (VATS_TLS=self-signed), where browsers otherwise refuse a webphone the microphone.

A self-signed certificate is remade when it is about to expire or when the names it must cover
changed (a new VATS_TLS_NAMES); people then accept it in the browser once more."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import socket
from pathlib import Path

import msgspec
from vats.core.config import Config

log = logging.getLogger(__name__)

VALIDITY = dt.timedelta(days=825)  # the longest browsers accept for a certificate
RENEW_BEFORE = dt.timedelta(days=30)


class TlsFiles(msgspec.Struct, frozen=True):
    cert: Path
    key: Path
    self_signed: bool


def tls_files(config: Config) -> TlsFiles | None:
    """The certificate and key to serve HTTPS with, or None for plain HTTP. Given files must
    be readable (a missing one is a ValueError naming the setting); a self-signed pair is made
    or renewed here."""
    if config.tls_cert and config.tls_key:
        for name, path in (("VATS_TLS_CERT", config.tls_cert), ("VATS_TLS_KEY", config.tls_key)):
            if not Path(path).is_file():
                raise ValueError(f"{name}: no such file {path}")
        return TlsFiles(cert=Path(config.tls_cert), key=Path(config.tls_key), self_signed=False)
    if config.tls_mode != "self-signed":
        return None
    folder = config.data_dir / "tls"
    names = certificate_names(config)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.is_file() and key.is_file() and _still_good(cert, names)):
        make_self_signed(cert, key, names)
        log.info("made a self-signed certificate for %s in %s", ", ".join(names), folder)
    return TlsFiles(cert=cert, key=key, self_signed=True)


def certificate_names(config: Config) -> list[str]:
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
    if config.host not in ("0.0.0.0", "::", ""):
        names.append(config.host)
    names += config.tls_names
    return list(dict.fromkeys(n.lower() for n in names if n))


def _alt_names(names: list[str]) -> list[object]:
    from cryptography import x509

    alt: list[object] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    return alt


def make_self_signed(cert_path: Path, key_path: Path, names: list[str]) -> None:
    """An EC P-256 key and a certificate for ``names`` (server auth), written owner-only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, names[0]), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vats")]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_alt_names(names)), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(partial, path)


def _still_good(cert_path: Path, names: list[str]) -> bool:
    """Not about to expire, and made for exactly these names."""
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        alt = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    covered = {str(v).lower() for v in alt.get_values_for_type(x509.DNSName)}
    covered |= {str(v) for v in alt.get_values_for_type(x509.IPAddress)}
    wanted = {str(ipaddress.ip_address(n)) if _is_ip(n) else n for n in names}
    fresh = certificate.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    return fresh and covered == wanted


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
