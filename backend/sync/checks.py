"""The lines of `amo1c doctor`'s report: ✓ passed, ✗ failed with what to do, – not run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One line of the report: `passed` True (✓), False (✗, with `advice`: what to do, one sentence) or None (–: not
    run, because a check it needs failed); raises nothing."""

    passed: bool | None
    subject: str
    text: str
    advice: str = ""

    def line(self) -> str:
        """The line as printed: mark, subject, what was found and, for a failure, what to do."""
        mark = {True: "✓", False: "✗", None: "–"}[self.passed]
        return f"{mark} {self.subject}: {self.text}" + (f" — {self.advice}" if self.advice else "")


def passed(subject: str, text: str) -> Check:
    """A ✓ line."""
    return Check(True, subject, text)


def failed(subject: str, text: str, advice: str) -> Check:
    """A ✗ line with what to do."""
    return Check(False, subject, text, advice)


def not_run(subject: str, why: str) -> Check:
    """A – line: the check needs one that failed."""
    return Check(None, subject, f"not checked: {why}")


Report = Callable[[Check], None]
"""Receives each line as soon as it is known (the command prints it)."""


def describe(exc: BaseException) -> str:
    """An exception as one short line: its kind and its first words (the caller masks secrets)."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
