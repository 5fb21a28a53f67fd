"""The sync API's one-query admission (issue 14) answers exactly what the account and base checks it replaces answer,
in every state a call can find its account and base in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from backend import db
from backend.crypto import SecretBox
from backend.models import Account, BaseRequest, EntityKind, EntityLink, LoginThrottle, OneCBase
from backend.sync import links
from backend.sync.access import admit_base, admit_call
from backend.sync.accounts import get_active_account
from backend.sync.approval import REQUEST_LIFETIME
from backend.sync.credentials import Credentials
from backend.sync.throttle import MAX_FAILURES, base_scope

BOX = SecretBox("s" * 48)
RIGHT = Credentials("Обмен1С", "пароль")
WRONG = Credentials("Обмен1С", "не тот")
CLIENT = "203.0.113.7"
Outcome = tuple[str, object]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


async def outcome(work: Callable[[], Awaitable[OneCBase]]) -> Outcome:
    try:
        base = await work()
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return "admitted", (base.id, base.id_base, base.mapping_version)


async def lean(id_base: str, presented: Credentials | None, check: bool = True) -> Outcome:
    async def work() -> OneCBase:
        account, base = await admit_call(1, id_base, BOX, presented, client=CLIENT, check_credentials=check)
        assert account.id == 1 and base.account_id == 1
        return base

    return await outcome(work)


async def checked_one_by_one(id_base: str, presented: Credentials | None, check: bool = True) -> Outcome:
    async def work() -> OneCBase:
        account = await get_active_account(1)
        return await admit_base(account, id_base, BOX, presented, client=CLIENT, check_credentials=check)

    return await outcome(work)


async def base(id_base: str = "trade", **fields: object) -> OneCBase:
    return await OneCBase.create(
        account_id=1, id_base=id_base, web_address="http://1c.test/hs", url_address="http://1c.test",
        param1=RIGHT.login, param2_enc=BOX.encrypt(RIGHT.password), **fields,
    )  # fmt: skip


async def request(id_base: str, base_id: int | None = None, *, age: timedelta = timedelta(0)) -> None:
    await BaseRequest.create(
        account_id=1, id_base=id_base, base_id=base_id, web_address="http://new.test/hs", url_address="http://new.test",
        param1=RIGHT.login, param2_enc=BOX.encrypt(RIGHT.password), requested_at=datetime.now(UTC) - age,
    )  # fmt: skip


async def approved() -> None:
    await base()


async def unknown_account() -> None:
    await Account.filter(id=1).delete()


async def disconnected() -> None:
    await Account.filter(id=1).update(active=False)


async def new_base_awaiting() -> None:
    await request("trade")


async def change_awaiting() -> None:
    await request("trade", (await base(awaiting_change=True)).id)


async def change_expired() -> None:
    await request("trade", (await base(awaiting_change=True)).id, age=REQUEST_LIFETIME + timedelta(hours=1))


async def throttled() -> None:
    await base()
    await LoginThrottle.create(
        scope=base_scope(1, "trade"), client=CLIENT, window_start=datetime.now(UTC), failures=MAX_FAILURES
    )


async def throttle_window_over() -> None:
    await base()
    window_start = datetime.now(UTC) - timedelta(minutes=5)
    await LoginThrottle.create(scope=base_scope(1, "trade"), client=CLIENT, window_start=window_start, failures=50)


async def nothing_linked() -> None:
    return None


STATES = {
    "approved": approved,
    "unknown account": unknown_account,
    "disconnected account": disconnected,
    "no such base": nothing_linked,
    "new base awaiting approval": new_base_awaiting,
    "change awaiting approval": change_awaiting,
    "change request expired": change_expired,
    "client throttled": throttled,
    "throttle window over": throttle_window_over,
}
CALLERS = {"right": RIGHT, "wrong": WRONG, "none": None}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("check", [True, False], ids=["basic", "no auth"])
@pytest.mark.parametrize("state", STATES)
async def test_the_one_query_admission_answers_what_the_separate_checks_answer(
    database: None, state: str, caller: str, check: bool
) -> None:
    await Account.create(id=1, subdomain="shop")
    await STATES[state]()
    presented = CALLERS[caller]
    before = await LoginThrottle.all().values("scope", "client", "window_start", "failures")
    expected = await checked_one_by_one("trade", presented, check)
    await LoginThrottle.all().delete()  # the separate checks may have counted a failure: start from the same state
    for row in before:
        await LoginThrottle.create(**row)
    assert await lean("trade", presented, check) == expected


async def test_a_wrong_password_on_an_approved_base_is_counted_and_ends_in_429_for_that_client_only(
    database: None,
) -> None:
    await Account.create(id=1, subdomain="shop")
    await base()
    for _ in range(MAX_FAILURES):
        assert (await lean("trade", WRONG))[0] == "AuthenticationRequired"
    assert (await lean("trade", RIGHT))[0] == "TooManyAttempts"
    other = await admit_call(1, "trade", BOX, RIGHT, client="198.51.100.1", check_credentials=True)
    assert other[1].id_base == "trade"


async def test_the_links_read_with_the_base_serve_that_calls_first_claim_only(database: None) -> None:
    await Account.create(id=1, subdomain="shop")
    await base()
    stored = await EntityLink.create(base_id=(await base("other")).id, kind=EntityKind.CONTACT, id_1c="x")
    await EntityLink.filter(id=stored.id).update(base_id=(await OneCBase.get(id_base="trade")).id, amo_id=101)
    _, admitted = await admit_call(1, "trade", BOX, RIGHT, client=CLIENT, check_credentials=True, id_1c="x")
    await EntityLink.filter(id=stored.id).update(amo_id=202)  # changed after the call read it
    assert (await links.claim(admitted, EntityKind.CONTACT, "x")).link.amo_id == 101  # what the call read
    assert (await links.claim(admitted, EntityKind.CONTACT, "x")).link.amo_id == 202  # a second look reads again
    _, again = await admit_call(1, "trade", BOX, RIGHT, client=CLIENT, check_credentials=True, id_1c="x")
    same_base_elsewhere = await OneCBase.get(id=again.id)  # equal to the call's base, but not the call's
    assert (await links.claim(same_base_elsewhere, EntityKind.CONTACT, "x")).link.amo_id == 202
    await EntityLink.filter(id=stored.id).update(amo_id=303)
    assert (await links.claim(again, EntityKind.CONTACT, "x")).link.amo_id == 202  # its first claim: what it read
    assert (await links.claim(again, EntityKind.COMPANY, "x")).owned  # a kind it found no row of: claimed anew
    _, third = await admit_call(1, "trade", BOX, RIGHT, client=CLIENT, check_credentials=True, id_1c="y")
    claimed = await links.claim(third, EntityKind.CONTACT, "y")  # read with the base: no row, so claimed anew
    assert claimed.owned and claimed.link.amo_id is None and await EntityLink.filter(id_1c="y").count() == 1
