from __future__ import annotations

import time

from tests.api.conftest import World
from tests.factories import BASE_AUTH


async def test_probe(world: World) -> None:
    fields = {f.name: f.id for f in world.fake_account.custom_fields["leads"]}
    print(fields)
    k = world.account.id
    for body in (
        {"key": k, "id_base": "trade", "id_1c": "o1", "p_²": "x"},
        {"key": k, "id_base": "trade", "id_1c": "o2", f"p_{fields['Долг']}": "1e99999"},
        {"key": k, "id_base": "trade", "id_1c": "o3", f"p_{fields['Долг']}": "1e9999999"},
    ):
        t = time.perf_counter()
        r = await world.client.post("/sync/leads", json=body, headers=BASE_AUTH)
        print(r.status_code, r.text[:200], round(time.perf_counter() - t, 2))
