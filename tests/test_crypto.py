from __future__ import annotations

import pytest

from backend.crypto import SecretBox, SecretDecryptionError


def test_secret_box_round_trips_unicode_without_storing_plaintext() -> None:
    box = SecretBox("a" * 40)
    token = box.encrypt("пароль-1С")
    assert "пароль" not in token and "1С" not in token
    assert box.decrypt(token) == "пароль-1С"
    assert box.encrypt("same") != box.encrypt("same")  # random IV: equal secrets do not look equal


def test_secret_box_refuses_tokens_of_another_key_or_tampered_ones() -> None:
    token = SecretBox("a" * 40).encrypt("secret")
    with pytest.raises(SecretDecryptionError):
        SecretBox("b" * 40).decrypt(token)
    with pytest.raises(SecretDecryptionError):
        SecretBox("a" * 40).decrypt(token[:-4] + "AAAA")
    with pytest.raises(SecretDecryptionError):
        SecretBox("a" * 40).decrypt("not a token ☃")


def test_secret_box_never_shows_its_key() -> None:
    assert "a" * 10 not in repr(SecretBox("a" * 40))


def test_secret_box_checks_a_presented_secret_against_a_token_and_remembers_no_plaintext() -> None:
    box = SecretBox("a" * 40)
    token = box.encrypt("пароль-1С")
    assert box.matches(token, "пароль-1С") and box.matches(token, "пароль-1С")  # the second time from its digest
    assert not box.matches(token, "пароль-1c") and not box.matches(token, "")
    assert "пароль-1С" not in repr(vars(box)) and "пароль-1С".encode() not in b"".join(box._digests.values())
    assert not SecretBox("a" * 40).matches(token, "wrong")  # another process's box: a digest of its own
    with pytest.raises(SecretDecryptionError):
        SecretBox("b" * 40).matches(token, "пароль-1С")
