"""Checking what 1C names in amoCRM against the account: correspondence rows of every kind, values of every type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from backend.amocrm import CustomField
from backend.amocrm.records import Enum
from backend.fakes.amocrm import FakeAmoCRM
from backend.models import MappingKind
from backend.settings import Settings
from backend.sync.domain import Domain
from backend.sync.errors import InvalidInput
from backend.sync.mapping import MappingRow
from backend.sync.values import DATES, NUMERIC, check_rows, convert
from tests.factories import install_account

FIELD_TYPES = sorted({*NUMERIC, *DATES, "checkbox", "select", "multiselect", "text", "url"})


async def test_employee_rows_are_checked_against_the_accounts_users(
    amo_app: Starlette, fake_amocrm: FakeAmoCRM, settings: Settings
) -> None:
    account = await install_account(fake_amocrm, settings)
    services: Domain = amo_app.state.domain
    amo = services.amocrm.for_account(account)
    user_id = fake_amocrm.account(account.id).admin_id
    field_id = fake_amocrm.account(account.id).custom_fields["contacts"][0].id
    known = MappingRow(user_id, "Менеджер", key="Менеджер")
    await check_rows(amo, services.field_directory, MappingKind.USER, [known])
    with pytest.raises(InvalidInput) as refused:  # a field id is no user id
        await check_rows(
            amo, services.field_directory, MappingKind.USER, [known, MappingRow(field_id, "Склад", key="p_5")]
        )
    assert refused.value.field == "p_5" and "нет пользователя" in str(refused.value)


@pytest.mark.parametrize("kind", FIELD_TYPES)
@settings(max_examples=200, deadline=None, database=None)
@given(text=st.one_of(st.text(), st.from_regex(r"\A[-+]?[0-9.,]{0,6}[eE][-+]?[0-9]{1,25}\Z")))
def test_converting_any_text_to_any_field_type_raises_only_invalid_input(kind: str, text: str) -> None:
    definition = CustomField(7, "Поле", None, kind, "leads", (Enum(1, "Да", None),))
    try:
        convert(definition, text, "p_7")
    except InvalidInput as exc:
        assert exc.field == "p_7"
