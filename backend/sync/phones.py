"""Phones and e-mails as 1C writes them: several in one string, numbers in any national format."""

from __future__ import annotations

from collections.abc import Iterable


def split_values(raw: str | None) -> tuple[str, ...]:
    """Several phones or emails in one 1C string, separated by commas or semicolons."""
    if not raw:
        return ()
    return tuple(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


def phone_digits(phone: str) -> str:
    """The last 10 digits of a phone: +7 (912) 345-67-89 and 8 912 345 67 89 are the same number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:]


def same_phones(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether some phone of ours is one of theirs (compared by their last 10 digits)."""
    wanted = {phone_digits(phone) for phone in ours if len(phone_digits(phone)) >= 5}
    return any(phone_digits(phone) in wanted for phone in theirs)
