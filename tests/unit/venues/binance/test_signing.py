"""Signing as Binance documents it: HMAC-SHA256 (hex) and Ed25519 (base64)."""

from __future__ import annotations

import base64
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot4.errors import VenueError
from bot4.venues.binance import Secret, Signer, sign_ed25519, sign_hmac
from bot4.venues.binance._signing import encode_params

# The worked example of Binance's spot API docs ("SIGNED endpoint examples for POST
# /api/v3/order", HMAC): the key pair and the payload are Binance's published sample values.
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
# The same docs' second example: a non-ASCII symbol, percent-encoded before signing.
DOC_UNICODE_PAYLOAD = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
    "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
DOC_UNICODE_SIGNATURE = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_sign_hmac_matches_binances_worked_example() -> None:
    assert sign_hmac(DOC_SECRET, DOC_PAYLOAD) == DOC_SIGNATURE


def test_encoding_then_signing_matches_the_unicode_example() -> None:
    params = [
        ("symbol", "１２３４５６"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
        ("recvWindow", "5000"),
        ("timestamp", "1499827319559"),
    ]
    payload = encode_params(params)
    assert payload == DOC_UNICODE_PAYLOAD
    assert Signer(Secret(DOC_SECRET)).signature(payload) == DOC_UNICODE_SIGNATURE


def test_signer_hmac_is_the_same_signature_every_time() -> None:
    signer = Signer(Secret(DOC_SECRET))
    assert signer.kind == "hmac"
    assert signer.signature(DOC_PAYLOAD) == DOC_SIGNATURE
    assert signer.signature(DOC_PAYLOAD) == DOC_SIGNATURE  # the prepared key is not consumed
    assert DOC_SECRET not in repr(signer)


def test_sign_ed25519_verifies_with_the_public_key() -> None:
    key = Ed25519PrivateKey.generate()
    sig = sign_ed25519(_pem(key), DOC_PAYLOAD)
    key.public_key().verify(base64.b64decode(sig), DOC_PAYLOAD.encode())  # raises if wrong
    assert sign_ed25519(_pem(key).encode(), DOC_PAYLOAD) == sig  # deterministic, bytes or str


def test_signer_ed25519_percent_encodes_the_base64() -> None:
    key = Ed25519PrivateKey.generate()
    signer = Signer(Secret(_pem(key)))
    assert signer.kind == "ed25519"
    param = signer.signature(DOC_PAYLOAD)
    assert not set("+/=") & set(param)
    key.public_key().verify(base64.b64decode(unquote(param)), DOC_PAYLOAD.encode())


def test_a_bad_or_foreign_pem_is_refused_without_showing_it() -> None:
    bad = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    with pytest.raises(VenueError) as err:
        sign_ed25519(bad, "x")
    assert "not a key" not in str(err.value)
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(VenueError, match="not Ed25519"):
        Signer(Secret(ec.decode()))
