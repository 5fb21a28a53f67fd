"""Two fake infobases on one server: each under its own path prefix, with its own down switch and data."""

from __future__ import annotations

import httpx
import pytest

from backend.fakes.onec import FakeOneC
from backend.fakes.onec.publications import Publications
from tests.factories import basic

HANDLER = "/hs/amo1c/handler"
BODY = {"key": 1, "id_base": "b", "type": "get_handlers_version"}


async def test_each_publication_answers_on_its_own_and_goes_down_alone() -> None:
    trade = FakeOneC(login="u", password="p", path=f"/trade{HANDLER}", url_address="http://1c/trade")
    warehouse = FakeOneC(login="u", password="p", path=HANDLER, url_address="http://1c/warehouse")
    server = Publications(trade, {"/warehouse": warehouse})
    auth = basic("u", "p")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server), base_url="http://1c") as http:
        assert (await http.post("/warehouse/_fake/down")).json() == {"down": True}
        down = await http.post(f"/warehouse{HANDLER}", json=BODY, headers=auth)
        up = await http.post(f"/trade{HANDLER}", json=BODY, headers=auth)
        assert (down.status_code, up.status_code) == (503, 200)
        assert [r.fault for r in warehouse.requests] == ["down"] and [r.status for r in trade.requests] == [200]
        assert not trade.down
        assert (await http.post("/warehouse/_fake/up")).json() == {"down": False}
        back = await http.post(f"/warehouse{HANDLER}", json=BODY, headers=auth)
        assert back.status_code == 200
        assert (await http.get("/_fake/state")).status_code == 200  # the default one's control routes


@pytest.mark.parametrize("prefix", ["warehouse", "/a/b", "/x/", "/_fake"])
def test_a_prefix_is_one_path_segment(prefix: str) -> None:
    with pytest.raises(ValueError):
        Publications(FakeOneC(login="u", password="p"), {prefix: FakeOneC(login="u", password="p")})
