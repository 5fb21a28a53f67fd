"""OAuth: code exchange, refreshing before expiry and after a 401, single-flight refreshes, refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.amocrm import (
    AmoCRMAuthError,
    AmoCRMUnreachable,
    MemoryTokenStore,
    TokenPair,
    exchange_code,
    refresh_tokens,
)
from tests.amocrm.rig import BASE_URL, CREDENTIALS, Latency, Rig, open_rig
from tests.fakes.amocrm_helpers import CLIENT_SECRET


async def test_exchange_code_returns_a_working_pair(rig: Rig) -> None:
    before = datetime.now(UTC)
    pair = await exchange_code(rig.http, BASE_URL, CREDENTIALS, rig.fake.issue_code(rig.account.id))

    assert before + timedelta(seconds=86400) <= pair.expires_at <= datetime.now(UTC) + timedelta(seconds=86400)
    assert pair.access_token != pair.refresh_token
    await rig.store_pair(pair)
    assert (await rig.client.account()).id == rig.account.id
    assert rig.account.code_grants == 2  # the rig's own exchange and this one


async def test_exchange_code_sends_the_json_grant(rig: Rig) -> None:
    code = rig.fake.issue_code(rig.account.id)
    await exchange_code(rig.http, BASE_URL, CREDENTIALS, code)

    grant = rig.oauth_log()[-1]
    assert grant.method == "POST"
    assert grant.status == 200
    assert grant.body == {
        "client_id": CREDENTIALS.client_id,
        "client_secret": CREDENTIALS.client_secret,
        "redirect_uri": CREDENTIALS.redirect_uri,
        "grant_type": "authorization_code",
        "code": code,
    }


async def test_exchange_of_a_bad_code_is_an_auth_error_with_amocrm_hint(rig: Rig) -> None:
    with pytest.raises(AmoCRMAuthError) as caught:
        await exchange_code(rig.http, BASE_URL, CREDENTIALS, "def50200-not-a-code")

    assert caught.value.status == 400
    assert "Cannot decrypt the authorization code" in str(caught.value)
    assert "def50200-not-a-code" not in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


async def test_exchange_of_a_used_code_is_an_auth_error(rig: Rig) -> None:
    code = rig.fake.issue_code(rig.account.id)
    await exchange_code(rig.http, BASE_URL, CREDENTIALS, code)

    with pytest.raises(AmoCRMAuthError, match="revoked"):
        await exchange_code(rig.http, BASE_URL, CREDENTIALS, code)


async def test_exchange_when_oauth_answers_502_is_unreachable(rig: Rig) -> None:
    rig.fake.fail_next(1, status=502, path_prefix="/oauth2")

    with pytest.raises(AmoCRMUnreachable) as caught:
        await exchange_code(rig.http, BASE_URL, CREDENTIALS, rig.fake.issue_code(rig.account.id))
    assert caught.value.status == 502


async def test_pair_and_credentials_reprs_hide_secrets(rig: Rig) -> None:
    pair = await rig.pair()

    assert pair.access_token not in repr(pair)
    assert pair.refresh_token not in repr(pair)
    assert CLIENT_SECRET not in repr(CREDENTIALS)


def test_pair_refuses_a_naive_expiry() -> None:
    with pytest.raises(ValueError, match="aware"):
        TokenPair("a", "r", datetime(2026, 1, 1))


async def test_token_close_to_expiry_is_refreshed_before_the_call(rig: Rig) -> None:
    old = await rig.expire_locally(within=timedelta(minutes=4))

    await rig.client.account()

    assert rig.account.refresh_grants == 1
    assert [r.path for r in rig.fake.requests[-2:]] == ["/oauth2/access_token", "/api/v4/account"]
    assert rig.fake.requests[-1].status == 200
    new = await rig.pair()
    assert rig.store.saved == [new]
    assert new.access_token != old.access_token
    assert new.expires_at > datetime.now(UTC) + timedelta(hours=23)


async def test_token_valid_for_more_than_five_minutes_is_used_as_is(rig: Rig) -> None:
    await rig.expire_locally(within=timedelta(minutes=6))

    await rig.client.account()

    assert rig.account.refresh_grants == 0
    assert rig.store.saved == []


async def test_401_refreshes_once_and_retries_the_call(rig: Rig) -> None:
    old = await rig.pair()
    rig.fake.expire_tokens(rig.account.id)

    info = await rig.client.account()

    assert info.id == rig.account.id
    assert [(r.path, r.status) for r in rig.fake.requests[-3:]] == [
        ("/api/v4/account", 401),
        ("/oauth2/access_token", 200),
        ("/api/v4/account", 200),
    ]
    assert rig.account.refresh_grants == 1
    assert rig.fake.requests[-2].body["refresh_token"] == old.refresh_token
    assert (await rig.pair()).access_token != old.access_token
    assert rig.client.calls == 2
    assert rig.budget.acquired[rig.account.id] == 2


async def test_401_again_after_the_refresh_is_an_auth_error(rig: Rig) -> None:
    rig.fake.fail_next(2, status=401, path_prefix="/api/v4/account")

    with pytest.raises(AmoCRMAuthError, match="переустановить") as caught:
        await rig.client.account()

    assert caught.value.status == 401
    assert rig.account.refresh_grants == 1
    assert len(rig.api_log()) == 2
    assert rig.sleep.delays == []


@pytest.mark.parametrize("how", ["revoked at amoCRM (401)", "expired locally"])
async def test_twenty_concurrent_calls_with_an_expired_token_make_one_refresh(how: str) -> None:
    async with open_rig(wrap=Latency) as rig:
        if how == "expired locally":
            await rig.expire_locally()
        else:
            rig.fake.expire_tokens(rig.account.id)

        results = await asyncio.gather(*(rig.client.account() for _ in range(20)))

        assert [r.id for r in results] == [rig.account.id] * 20
        assert rig.account.refresh_grants == 1
        assert rig.account.refresh_attempts == 1
        assert len(rig.store.saved) == 1
        unauthorized = [r for r in rig.api_log() if r.status == 401]
        if how == "expired locally":
            assert unauthorized == []
        else:
            assert len(unauthorized) > 1  # the tasks really overlapped before the refresh


async def test_revoked_refresh_token_is_an_auth_error_and_nothing_is_saved(rig: Rig) -> None:
    stale = await rig.pair()
    await refresh_tokens(rig.http, BASE_URL, CREDENTIALS, stale.refresh_token)  # spent elsewhere

    with pytest.raises(AmoCRMAuthError) as caught:
        await rig.client.account()

    message = str(caught.value)
    assert "Token has been revoked" in message
    assert "переустановить" in message
    assert stale.refresh_token not in message
    assert stale.access_token not in message
    assert rig.store.saved == []
    assert await rig.pair() == stale


async def test_refresh_failing_with_5xx_is_unreachable_and_keeps_the_pair(rig: Rig) -> None:
    stale = await rig.expire_locally()
    rig.fake.fail_next(1, status=503, path_prefix="/oauth2")

    with pytest.raises(AmoCRMUnreachable) as caught:
        await rig.client.account()

    assert caught.value.status == 503
    assert rig.store.saved == []
    assert await rig.pair() == stale
    assert rig.account.refresh_grants == 0
    assert rig.api_log() == []
    # The refresh token was not spent, so the next call still recovers.
    await rig.client.account()
    assert rig.account.refresh_grants == 1


async def test_refresh_failing_to_connect_is_unreachable_and_keeps_the_pair() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    stale = TokenPair("access", "refresh", datetime.now(UTC))
    store = MemoryTokenStore({7: stale})
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse), timeout=1.0) as http:
        with pytest.raises(AmoCRMUnreachable, match="ConnectError"):
            await refresh_tokens(http, BASE_URL, CREDENTIALS, "refresh")
    assert await store.load(7) == stale


async def test_no_stored_tokens_is_an_auth_error(rig: Rig) -> None:
    client = rig.new_client(tokens=MemoryTokenStore())

    with pytest.raises(AmoCRMAuthError, match=str(rig.account.id)):
        await client.account()
    assert rig.api_log() == []


async def test_memory_store_keeps_one_lock_per_account() -> None:
    store = MemoryTokenStore()

    assert store.refresh_lock(1) is store.refresh_lock(1)
    assert store.refresh_lock(1) is not store.refresh_lock(2)
    async with store.refresh_lock(1):
        assert store.refresh_lock(1).locked()
        assert not store.refresh_lock(2).locked()
