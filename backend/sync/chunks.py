"""Batch writes to amoCRM in chunks, with what a failed chunk means for its items: a refusal (4xx) of a whole chunk
is tried item by item, so only the items at fault fail; an ambiguous failure (a 5xx, a timeout) fails the chunk's
items, or, for a write that may safely be sent again, is retried in halves; a create that fails ambiguously first
recognises what amoCRM did create (create_all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from backend.amocrm.errors import AmoCRMBadResponse, AmoCRMError, AmoCRMRejected, AmoCRMUnreachable
from backend.sync.errors import SyncError

WRITE_CHUNK = 50  # amoCRM takes up to 250 entities a write and recommends 50
T = TypeVar("T")


async def write_in_chunks(
    items: list[T],
    write: Callable[[list[T]], Awaitable[None]],
    failed: dict[int, str],
    position: Callable[[T], int],
    *,
    resend: bool = False,
) -> None:
    """Write in chunks of WRITE_CHUNK, recording each failed item's error (amoCRM's words) in `failed` by its
    position; raises nothing of amoCRM's.

    A chunk amoCRM refuses as a whole is written item by item. One it fails ambiguously fails its items when the
    write must not be sent twice; with `resend` (an idempotent write, such as a PATCH) it is sent again in halves,
    down to single items.
    """
    for start in range(0, len(items), WRITE_CHUNK):
        chunk = items[start : start + WRITE_CHUNK]
        try:
            await write(chunk)
        except AmoCRMError as exc:
            if len(chunk) > 1 and resend and ambiguous(exc):
                half = len(chunk) // 2
                for part in (chunk[:half], chunk[half:]):
                    await write_in_chunks(part, write, failed, position, resend=resend)
                continue
            if len(chunk) == 1 or ambiguous(exc):
                for item in chunk:
                    failed[position(item)] = str(exc)
                continue
            for item in chunk:
                try:
                    await write([item])
                except (AmoCRMError, SyncError) as single:
                    failed[position(item)] = str(single)
        except SyncError as exc:  # a write that names 1C's field at fault (sync.leads.linking_errors_as_input)
            for item in chunk:
                failed[position(item)] = str(exc)


class Created(Protocol):
    """An item a batch creates: where it stands in the batch, and its entity once known."""

    position: int
    amo_id: int | None


C = TypeVar("C", bound=Created)


async def create_all(
    items: list[C],
    create: Callable[[list[C]], Awaitable[list[int]]],
    recognise: Callable[[list[C]], Awaitable[None]] | None,
    failed: dict[int, str],
) -> None:
    """Create `items` 50 a request (`create` answers their ids in order), setting each one's `amo_id`. When a
    request fails ambiguously (a 5xx, a timeout) amoCRM may have created some or all: `recognise` finds those by
    their 1C id (setting their `amo_id`) before anything is sent again, and the rest is retried in halves. Without
    `recognise` (no field of 1C ids to tell them by) the items fail and 1C repeats them."""

    async def write(chunk: list[C]) -> None:
        try:
            ids = await create(chunk)
        except AmoCRMError as exc:
            if not ambiguous(exc) or recognise is None:
                raise
            await recognise(chunk)
            rest = [item for item in chunk if item.amo_id is None]
            if rest and len(chunk) > 1:
                half = len(rest) // 2 or 1
                for part in (rest[:half], rest[half:]):
                    if part:
                        await write_in_chunks(part, write, failed, lambda item: item.position)
            elif rest:
                raise
            return
        for item, amo_id in zip(chunk, ids, strict=True):
            item.amo_id = amo_id

    await write_in_chunks(items, write, failed, lambda item: item.position)


def ambiguous(exc: AmoCRMError) -> bool:
    """Whether amoCRM may have applied a write it answered with this error (a 5xx, a timeout, a broken answer)."""
    if isinstance(exc, AmoCRMUnreachable | AmoCRMBadResponse):  # a 2xx amo1c cannot read was applied
        return True
    return isinstance(exc, AmoCRMRejected) and exc.status is not None and exc.status >= 500
