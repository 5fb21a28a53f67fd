"""Encryption of secrets at rest (amoCRM tokens, 1C passwords) with a key derived from AMO1C_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_INFO = b"amo1c: secrets at rest v1"
REMEMBERED_DIGESTS = 4096  # stored secrets whose keyed digest a process keeps to check what is presented


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted: it was tampered with or AMO1C_SECRET_KEY changed."""


class SecretBox:
    """Encrypts and decrypts short text secrets; never logs or shows them."""

    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret_key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self._digest_key = secrets.token_bytes(32)  # this process's own: a digest is of no use outside it
        self._digests: OrderedDict[str, bytes] = OrderedDict()

    def encrypt(self, plaintext: str) -> str:
        """Return the Fernet token (ASCII) for `plaintext`."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a token made by `encrypt`; raises SecretDecryptionError."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretDecryptionError("stored secret cannot be decrypted with this AMO1C_SECRET_KEY") from None

    def matches(self, token: str, candidate: str) -> bool:
        """Whether the secret `token` holds equals `candidate`, compared in constant time; raises
        SecretDecryptionError.

        A sync call checks its base's password on every call: the token's plaintext is decrypted once and only a
        keyed digest of it is kept (never the plaintext), so a later check costs one keyed BLAKE2b hash instead of a
        decryption.
        """
        digest = self._digests.get(token)
        if digest is None:
            digest = self._digest(self.decrypt(token))
            self._digests[token] = digest
            if len(self._digests) > REMEMBERED_DIGESTS:
                self._digests.popitem(last=False)
        return hmac.compare_digest(digest, self._digest(candidate))

    def _digest(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), key=self._digest_key, digest_size=32).digest()

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
