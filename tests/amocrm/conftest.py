"""Fixtures of the amoCRM client tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.amocrm.rig import Rig, open_rig


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """A fresh fake amoCRM account with an authorized client; no rate limit, retries never really sleep."""
    async with open_rig() as built:
        yield built
