"""How an amo1c proves to `amo1c doctor` that it is the instance the doctor's settings describe.

The doctor sends a fresh random challenge to AMO1C_PUBLIC_URL's `/instance`; the server answers an HMAC of the
challenge and of its own PUBLIC_URL's origin under a key derived from AMO1C_SECRET_KEY. Only a server holding the same
secret key and serving the same origin (the widget token's `aud`) can answer it: another server that merely answers
200 cannot, a recorded answer is of no use for the next challenge, and the answer reveals nothing about the key (a
keyed hash, under a key used for nothing else).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INSTANCE_PATH = "/instance"
_KEY_INFO = b"amo1c: instance proof v1"
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{22,128}")


def new_challenge() -> str:
    """A fresh random challenge (URL-safe text); raises nothing."""
    return secrets.token_urlsafe(32)


def is_challenge(text: str) -> bool:
    """Whether `text` is shaped like a challenge (22–128 URL-safe characters); raises nothing."""
    return _CHALLENGE.fullmatch(text) is not None


def instance_proof(secret_key: str, public_origin: str, challenge: str) -> str:
    """The answer to `challenge` of the amo1c with this secret key serving this origin (hex); raises nothing."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret_key.encode("utf-8"))
    message = f"{public_origin}\n{challenge}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def proves_instance(answer: str, secret_key: str, public_origin: str, challenge: str) -> bool:
    """Whether `answer` is this instance's proof for `challenge`, compared in constant time; raises nothing."""
    return hmac.compare_digest(answer.encode(), instance_proof(secret_key, public_origin, challenge).encode())
