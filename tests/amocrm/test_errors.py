"""amoCRM echoing our tokens back in an error answer: the raised error's message, detail and validation issues
keep neither the access token (a JWT) nor the refresh token; amoCRM's own words stay."""

from __future__ import annotations

import pytest

from backend.amocrm import AmoCRMAuthError, AmoCRMError, AmoCRMRejected, AmoCRMUnreachable
from tests.amocrm.rig import Rig


def leaked(error: AmoCRMError, *secrets: str) -> list[str]:
    """Return the secrets (or their first 12 characters) found in anything the error carries."""
    issues = getattr(error, "validation_errors", [])
    text = " ".join([str(error), error.detail, *(f"{i.path} {i.code} {i.detail}" for i in issues)])
    return [secret for secret in secrets if secret[:12] in text]


async def test_a_rejection_echoing_the_bearer_token_is_masked(rig: Rig) -> None:
    pair = await rig.pair()
    rig.fake.fail_next(
        status=400,
        path_prefix="/api/v4/account",
        body={
            "title": "Bad Request",
            "detail": f"Request with Authorization: Bearer {pair.access_token} is malformed",
            "validation-errors": [
                {"request_id": "0", "errors": [{"code": "NotSupported", "path": "name", "detail": pair.access_token}]}
            ],
        },
    )
    with pytest.raises(AmoCRMRejected) as caught:
        await rig.client.account()
    assert leaked(caught.value, pair.access_token) == []
    assert "Authorization: Bearer *** is malformed" in caught.value.detail
    assert "name: NotSupported" in str(caught.value)


async def test_a_server_error_page_echoing_the_bearer_token_is_masked(rig: Rig) -> None:
    pair = await rig.pair()
    page = f"<html><body><h1>502 Bad Gateway</h1><p>authorization: bearer {pair.access_token}</p></body></html>"
    rig.fake.fail_next(10, status=502, path_prefix="/api/v4/account", body={"hint": page})
    with pytest.raises(AmoCRMUnreachable) as caught:
        await rig.client.account()
    assert leaked(caught.value, pair.access_token) == []


async def test_a_refused_refresh_echoing_the_refresh_token_is_masked(rig: Rig) -> None:
    pair = await rig.expire_locally()
    hint = f"Refresh token {pair.refresh_token} has been revoked"
    rig.fake.fail_next(status=400, path_prefix="/oauth2/access_token", body={"title": "Bad Request", "hint": hint})
    with pytest.raises(AmoCRMAuthError) as caught:
        await rig.client.account()
    assert leaked(caught.value, pair.refresh_token, pair.access_token) == []
    assert "Refresh token *** has been revoked" in str(caught.value)
