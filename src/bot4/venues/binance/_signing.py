"""Request signing as Binance documents it for SIGNED endpoints: HMAC-SHA256 or Ed25519.

The payload is the exact query string (or form body) sent, `timestamp` and `recvWindow`
included; HMAC gives a hex digest, Ed25519 a base64 signature (which must be percent-encoded in
the query: it can hold `+`, `/` and `=`). A `Signer` is built once per key: the HMAC key is
prepared once and copied per request, the Ed25519 key is parsed from its PEM once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from bot4.errors import VenueError
from bot4.venues.binance._secret import Secret

__all__ = ["Signer", "encode_params", "sign_ed25519", "sign_hmac"]


def sign_hmac(secret: str, payload: str) -> str:
    """HMAC-SHA256 of `payload` keyed by the API secret, as lowercase hex."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _ed25519_key(private_key_pem: str | bytes) -> Ed25519PrivateKey:
    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # The PEM itself never goes into the message: it is the secret.
        raise VenueError(f"not a usable PEM private key ({type(exc).__name__})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise VenueError(f"the PEM key is {type(key).__name__}, not Ed25519")
    return key


def sign_ed25519(private_key_pem: str | bytes, payload: str) -> str:
    """Ed25519 signature of `payload` with an unencrypted PKCS#8 PEM private key, as base64."""
    return base64.b64encode(_ed25519_key(private_key_pem).sign(payload.encode())).decode()


def encode_params(params: list[tuple[str, str]]) -> str:
    """`k=v&k=v` in the given order, values percent-encoded (the payload that is signed)."""
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params)


class Signer:
    """Signs payloads with one API secret: Ed25519 when it is a PEM key, HMAC otherwise."""

    __slots__ = ("_ed25519", "_hmac", "kind")

    def __init__(self, secret: Secret) -> None:
        value = secret.reveal()
        self._ed25519: Ed25519PrivateKey | None = None
        self._hmac: hmac.HMAC | None = None
        if value.lstrip().startswith("-----BEGIN"):
            self._ed25519 = _ed25519_key(value)
            self.kind = "ed25519"
        else:
            self._hmac = hmac.new(value.encode(), digestmod=hashlib.sha256)
            self.kind = "hmac"

    def signature(self, payload: str) -> str:
        """The `signature` parameter's value for `payload`, ready to append to a query."""
        mac = self._hmac
        if mac is not None:
            h = mac.copy()
            h.update(payload.encode())
            return h.hexdigest()
        key = self._ed25519
        if key is None:
            raise VenueError("no signing key")  # pragma: no cover - __init__ sets one of the two
        return quote(base64.b64encode(key.sign(payload.encode())).decode(), safe="")

    def __repr__(self) -> str:
        return f"Signer({self.kind}, key=***)"
