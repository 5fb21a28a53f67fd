"""The batch index's refresh: what amoCRM changed is read, and a read that paging made unreliable is read again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend import db
from backend.amocrm import Contact
from backend.models import IndexMark
from backend.sync import index

ACCOUNT = 31000001


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


def contact(amo_id: int, phone: str, updated_at: int) -> Contact:
    return Contact(amo_id, f"К {amo_id}", None, (phone,), (), (), None, updated_at)


class Pages:
    """amoCRM as `changed_since` sees it: each read answers the next prepared list (a read's pages joined)."""

    def __init__(self, *reads: list[Contact]) -> None:
        self.account_id = ACCOUNT
        self.reads = list(reads)
        self.since: list[int] = []

    async def changed_since(self, entity: str, since: int) -> list[Contact]:
        self.since.append(since)
        return self.reads.pop(0)


async def test_an_entity_seen_twice_means_the_pages_shifted_and_the_same_is_read_again(database: None) -> None:
    a, b, c = (
        contact(1, "+7 900 000-00-01", 100),
        contact(2, "+7 900 000-00-02", 101),
        contact(3, "+7 900 000-00-03", 102),
    )
    edited_a = contact(1, "+7 900 000-00-11", 150)
    # A was edited while the pages were read: it moved to the end and pushed C past a page already read
    amo = Pages([a, b, edited_a], [b, c, edited_a])

    read = await index.refresh(amo, "contacts", inn_field=None, id_field=None)  # type: ignore[arg-type]

    assert amo.since == [0, 0] and read == 3
    found = await index.lookup(ACCOUNT, "contacts", ["phone:9000000003", "phone:9000000011", "phone:9000000001"])
    assert found == {"phone:9000000003": 3, "phone:9000000011": 1}, "C is found; A by its new phone only"
    assert (await IndexMark.get(account_id=ACCOUNT, entity="contacts")).refreshed_until == 150


async def test_a_later_refresh_reads_only_from_just_before_the_newest_change_it_saw(database: None) -> None:
    amo = Pages([contact(1, "+7 900 000-00-01", 1_000)], [])
    await index.refresh(amo, "contacts", inn_field=None, id_field=None)  # type: ignore[arg-type]
    await index.refresh(amo, "contacts", inn_field=None, id_field=None)  # type: ignore[arg-type]

    assert amo.since == [0, 1_000 - index.OVERLAP]
