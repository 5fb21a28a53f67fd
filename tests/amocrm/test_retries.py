"""The request loop: which failures are retried, how long it waits, and which error each failure becomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.amocrm import (
    AmoCRMAccountBlocked,
    AmoCRMBadResponse,
    AmoCRMClient,
    AmoCRMPaymentRequired,
    AmoCRMRateLimited,
    AmoCRMRejected,
    AmoCRMUnreachable,
    ContactDraft,
    MemoryTokenStore,
    RetryPolicy,
    TokenPair,
)
from tests.amocrm.rig import BASE_URL, CREDENTIALS, CountingBudget, RecordingSleep, Rig

Handler = Callable[[httpx.Request], httpx.Response]


def test_delays_double_from_base_and_are_capped() -> None:
    policy = RetryPolicy(attempts=7, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(6)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_policy_refuses_zero_attempts() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


async def test_429_is_retried_with_backoff_then_succeeds(rig: Rig) -> None:
    rig.fake.fail_next(2, status=429)

    info = await rig.client.account()

    assert info.id == rig.account.id
    assert [r.status for r in rig.api_log()] == [429, 429, 200]
    assert rig.sleep.delays == [0.5, 1.0]
    assert rig.client.calls == 3
    assert rig.budget.acquired[rig.account.id] == 3  # every retry waits for the budget too


async def test_429_forever_is_rate_limited_after_the_bounded_attempts(rig: Rig) -> None:
    rig.fake.fail_next(10, status=429)

    with pytest.raises(AmoCRMRateLimited) as caught:
        await rig.client.account()

    assert caught.value.status == 429
    assert len(rig.api_log()) == 4
    assert rig.sleep.delays == [0.5, 1.0, 2.0]


async def test_429_on_a_create_is_retried_and_creates_once(rig: Rig) -> None:
    rig.fake.fail_next(1, status=429)

    contact_id = await rig.client.create_contact(ContactDraft(name="Иван"))

    assert list(rig.account.contacts) == [contact_id]
    assert [r.status for r in rig.api_log()] == [429, 200]


async def test_503_on_a_get_is_retried(rig: Rig) -> None:
    rig.fake.fail_next(2, status=503)

    assert (await rig.client.account()).subdomain == "demo"
    assert [r.status for r in rig.api_log()] == [503, 503, 200]
    assert rig.sleep.delays == [0.5, 1.0]


async def test_5xx_on_a_get_after_every_attempt_is_unreachable(rig: Rig) -> None:
    rig.fake.fail_next(10, status=502)

    with pytest.raises(AmoCRMUnreachable) as caught:
        await rig.client.users()

    assert caught.value.status == 502
    assert len(rig.api_log()) == 4


async def test_5xx_on_a_patch_is_retried(rig: Rig) -> None:
    contact_id = await rig.client.create_contact(ContactDraft(name="Иван"))
    rig.fake.fail_next(1, status=500, path_prefix="/api/v4/contacts")

    await rig.client.update_contact(contact_id, ContactDraft(name="Иван Петрович"))

    assert rig.account.contacts[contact_id].name == "Иван Петрович"
    assert [r.status for r in rig.api_log() if r.method == "PATCH"] == [500, 200]


async def test_504_after_a_create_was_applied_is_not_retried(rig: Rig) -> None:
    rig.fake.fail_next(1, status=504, path_prefix="/api/v4/contacts", after_apply=True)

    with pytest.raises(AmoCRMUnreachable) as caught:
        await rig.client.create_contact(ContactDraft(name="Иван"))

    assert caught.value.status == 504
    assert len(rig.account.contacts) == 1  # the entity exists; the caller finds it by search
    assert [(r.method, r.status) for r in rig.api_log()] == [("POST", 504)]
    assert rig.sleep.delays == []


async def test_503_on_a_note_is_not_retried(rig: Rig) -> None:
    contact_id = await rig.client.create_contact(ContactDraft(name="Иван"))
    rig.fake.fail_next(1, status=503, path_prefix=f"/api/v4/contacts/{contact_id}/notes")

    with pytest.raises(AmoCRMUnreachable):
        await rig.client.add_note("contacts", contact_id, "Звонок")
    assert rig.account.notes == {}
    assert len([r for r in rig.api_log() if r.path.endswith("/notes")]) == 1


async def test_403_html_is_account_blocked_without_retry(rig: Rig) -> None:
    rig.fake.fail_next(1, status=403)

    with pytest.raises(AmoCRMAccountBlocked) as caught:
        await rig.client.account()

    assert caught.value.status == 403
    assert "403" in str(caught.value)
    assert len(rig.api_log()) == 1
    assert rig.sleep.delays == []


async def test_402_is_payment_required_without_retry(rig: Rig) -> None:
    rig.fake.fail_next(1, status=402)

    with pytest.raises(AmoCRMPaymentRequired) as caught:
        await rig.client.create_contact(ContactDraft(name="Иван"))

    assert caught.value.status == 402
    assert len(rig.api_log()) == 1


async def test_validation_error_is_rejected_with_the_issues_kept(rig: Rig) -> None:
    with pytest.raises(AmoCRMRejected) as caught:
        await rig.client.create_contact(ContactDraft(name="Иван", custom={999: "x"}))

    error = caught.value
    assert error.status == 400
    assert [(i.request_id, i.code, i.path) for i in error.validation_errors] == [
        ("0", "NotSupportedChoice", "custom_fields_values.0.field_id")
    ]
    assert "custom_fields_values.0.field_id" in str(error)
    assert error.detail == "Request validation failed"
    assert len(rig.api_log()) == 1
    assert rig.account.contacts == {}


async def test_404_problem_is_rejected_without_issues(rig: Rig) -> None:
    with pytest.raises(AmoCRMRejected) as caught:
        await rig.client.update_contact(424242, ContactDraft(name="Нет такого"))

    assert caught.value.status == 404
    assert caught.value.validation_errors == []
    assert "424242 not found" in caught.value.detail


async def test_2xx_that_is_not_json_is_a_bad_response(rig: Rig) -> None:
    rig.fake.fail_next(1, status=200, body="<html><body>maintenance</body></html>")

    with pytest.raises(AmoCRMBadResponse) as caught:
        await rig.client.account()
    assert caught.value.status == 200
    assert len(rig.api_log()) == 1


async def test_2xx_json_of_the_wrong_shape_is_a_bad_response(rig: Rig) -> None:
    rig.fake.fail_next(1, status=200, body={"unexpected": True}, content_type="application/hal+json")

    with pytest.raises(AmoCRMBadResponse, match="id"):
        await rig.client.account()


def scripted_client(handler: Handler, sleep: RecordingSleep) -> tuple[httpx.AsyncClient, AmoCRMClient]:
    """Return an HTTP client over a MockTransport and an amoCRM client with a long-lived stored pair."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=httpx.Timeout(0.5))
    pair = TokenPair("access-token", "refresh-token", datetime.now(UTC) + timedelta(days=1))
    client = AmoCRMClient(
        http,
        account_id=1,
        base_url=BASE_URL,
        credentials=CREDENTIALS,
        tokens=MemoryTokenStore({1: pair}),
        budget=CountingBudget(),
        retry=RetryPolicy(sleep=sleep),
    )
    return http, client


async def test_read_timeouts_on_a_get_are_retried_then_unreachable() -> None:
    seen: list[httpx.Request] = []

    def hang(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    sleep = RecordingSleep()
    http, client = scripted_client(hang, sleep)
    async with http:
        with pytest.raises(AmoCRMUnreachable, match="ReadTimeout") as caught:
            await client.get_contact(5)
    assert caught.value.status is None
    assert len(seen) == 4
    assert sleep.delays == [0.5, 1.0, 2.0]
    assert client.calls == 4


async def test_read_timeout_on_a_create_is_not_retried() -> None:
    seen: list[httpx.Request] = []

    def hang(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    sleep = RecordingSleep()
    http, client = scripted_client(hang, sleep)
    async with http:
        with pytest.raises(AmoCRMUnreachable):
            await client.create_contact(ContactDraft(name="Иван"))
    assert len(seen) == 1
    assert sleep.delays == []


async def test_connect_error_on_a_create_is_retried() -> None:
    seen: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"_embedded": {"contacts": [{"id": 77, "request_id": "0"}]}})

    sleep = RecordingSleep()
    http, client = scripted_client(flaky, sleep)
    async with http:
        assert await client.create_contact(ContactDraft(name="Иван")) == 77
    assert len(seen) == 2
    assert sleep.delays == [0.5]


async def test_unsent_error_messages_carry_no_query_or_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http, client = scripted_client(refuse, RecordingSleep())
    async with http:
        with pytest.raises(AmoCRMUnreachable) as caught:
            await client.find_contacts("+79991234567")
    assert "GET /api/v4/contacts" in str(caught.value)
    assert "79991234567" not in str(caught.value)
    assert "access-token" not in str(caught.value)
