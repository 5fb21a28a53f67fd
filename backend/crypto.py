"""Encryption of secrets at rest (amoCRM tokens, 1C passwords) with a key derived from AMO1C_SECRET_KEY."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_INFO = b"amo1c: secrets at rest v1"


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted: it was tampered with or AMO1C_SECRET_KEY changed."""


class SecretBox:
    """Encrypts and decrypts short text secrets; never logs or shows them."""

    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret_key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        """Return the Fernet token (ASCII) for `plaintext`."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a token made by `encrypt`; raises SecretDecryptionError."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretDecryptionError("stored secret cannot be decrypted with this AMO1C_SECRET_KEY") from None

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
