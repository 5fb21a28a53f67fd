from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.migrations.autodetector import MigrationAutodetector

from backend import db
from backend.models import (
    Account,
    BaseRequest,
    EntityKind,
    EntityLink,
    EventName,
    EventRule,
    FieldMapping,
    HandlerPackage,
    MappingKind,
    OneCBase,
    ProcessedEvent,
    UsedWidgetToken,
)

MIGRATIONS = 13  # 0013: the sync log entry's request id


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


async def make_base(account_id: int = 31000001, id_base: str = "base-1") -> OneCBase:
    account, _ = await Account.get_or_create(id=account_id, defaults={"subdomain": f"acc{account_id}"})
    return await OneCBase.create(
        account=account,
        id_base=id_base,
        web_address="http://1c/hs",
        url_address="http://1c",
        param1="u",
        param2_enc="x",
    )


async def test_migrations_leave_nothing_pending(database_url: str) -> None:
    assert await db.pending_migrations(database_url) == []


async def test_migrations_apply_to_an_empty_database(empty_database_url: str) -> None:
    assert len(await db.pending_migrations(empty_database_url)) == MIGRATIONS
    await db.apply_migrations(empty_database_url)
    assert await db.pending_migrations(empty_database_url) == []


@pytest.mark.postgres
async def test_postgres_keeps_amocrm_account_ids_as_given_bigints(postgres_database_url: str) -> None:
    await db.open_database(postgres_database_url)
    try:
        rows = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT table_name, column_name, data_type, column_default FROM information_schema.columns"
            " WHERE (table_name, column_name) IN (('account', 'id'), ('request_budget', 'account_id'),"
            " ('request_budget', 'next_start'), ('sync_log', 'request_summary'))"
        )
    finally:
        await db.close_database()
    columns = {(row["table_name"], row["column_name"]): (row["data_type"], row["column_default"]) for row in rows}
    assert columns == {
        ("account", "id"): ("bigint", None),  # amoCRM's id, never a sequence's
        ("request_budget", "account_id"): ("bigint", None),
        ("request_budget", "next_start"): ("timestamp with time zone", None),
        ("sync_log", "request_summary"): ("jsonb", None),
    }


async def test_models_match_the_committed_migrations() -> None:
    config = db.tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config)
    try:
        writers = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
    finally:
        await Tortoise.close_connections()
    assert writers == [], "models changed without a migration: run `tortoise makemigrations -n <what>`"


async def test_account_keeps_amocrm_account_id(database: None) -> None:
    await Account.create(id=29_876_543, subdomain="shop")
    assert (await Account.get(subdomain="shop")).id == 29_876_543


async def test_database_rejects_a_duplicate_link(database: None) -> None:
    base = await make_base()
    await EntityLink.create(base=base, kind=EntityKind.CONTACT, amo_id=1, id_1c="c-1")
    with pytest.raises(IntegrityError):
        await EntityLink.create(base=base, kind=EntityKind.CONTACT, amo_id=2, id_1c="c-1")
    # the same 1C id of another kind, or in another base, is another object
    await EntityLink.create(base=base, kind=EntityKind.COMPANY, amo_id=3, id_1c="c-1")
    await EntityLink.create(base=await make_base(id_base="base-2"), kind=EntityKind.CONTACT, amo_id=4, id_1c="c-1")
    assert await EntityLink.all().count() == 3


async def test_database_rejects_a_base_linked_twice_to_one_account(database: None) -> None:
    await make_base()
    with pytest.raises(IntegrityError):
        await make_base()
    await make_base(account_id=31000002)  # another account may use the same id_base


async def test_database_rejects_duplicate_rows_per_base(database: None) -> None:
    base = await make_base()
    await FieldMapping.create(base=base, kind=MappingKind.CONTACT, amo_field_id=10, onec_field="ИНН")
    with pytest.raises(IntegrityError):
        await FieldMapping.create(base=base, kind=MappingKind.CONTACT, amo_field_id=10, onec_field="КПП")
    await HandlerPackage.create(base=base, version=1, handlers_json="{}")
    with pytest.raises(IntegrityError):
        await HandlerPackage.create(base=base, version=1, handlers_json="[]")
    await ProcessedEvent.create(base=base, fingerprint="f" * 64, event_name=EventName.PAYMENT)
    with pytest.raises(IntegrityError):
        await ProcessedEvent.create(base=base, fingerprint="f" * 64, event_name=EventName.PAYMENT)
    account = await Account.get(id=base.account_id)
    await EventRule.create(account=account, event_name=EventName.PAYMENT, pipeline_id=1, status_id=2)
    with pytest.raises(IntegrityError):
        await EventRule.create(account=account, event_name=EventName.PAYMENT, pipeline_id=1, status_id=3)


async def test_database_rejects_a_widget_token_id_used_twice(database: None) -> None:
    from datetime import UTC, datetime

    await UsedWidgetToken.create(jti="jti-1", expires_at=datetime.now(UTC))
    with pytest.raises(IntegrityError):
        await UsedWidgetToken.create(jti="jti-1", expires_at=datetime.now(UTC))


async def test_deleting_an_account_removes_its_bases_and_links(database: None) -> None:
    base = await make_base()
    await EntityLink.create(base=base, kind=EntityKind.LEAD, amo_id=1, id_1c="o-1")
    await Account.filter(id=base.account_id).delete()
    assert await OneCBase.all().count() == 0
    assert await EntityLink.all().count() == 0


ONE_ACCOUNT_AND_BASE = (
    "INSERT INTO account (id, subdomain, base_domain, name, active, installed_at, updated_at) "
    "VALUES (1, 'a', 'amocrm.ru', '', TRUE, '2026-01-01', '2026-01-01');"
    "INSERT INTO onec_base (id, account_id, id_base, web_address, url_address, param1, param2_enc, created_at,"
    " updated_at) VALUES (1, 1, 'b', 'http://x', 'http://x', 'u', 'p', '2026-01-01', '2026-01-01');"
)


async def migrated_with(url: str, target: str, script: str) -> None:
    """Migrate to `target`, run `script` there, then apply the rest and open the database."""
    from tortoise.migrations.api import migrate

    await migrate(config=db.tortoise_config(url), target=target)
    await Tortoise.get_connection("default").execute_script(script)
    await Tortoise.close_connections()
    await db.apply_migrations(url)
    await db.open_database(url)


async def test_migration_0002_keeps_existing_packages_and_their_uniqueness(empty_database_url: str) -> None:
    package_row = (
        "INSERT INTO handler_package (base_id, version, handlers, created_at)"
        " VALUES (1, 1, '{\"модуль\": \"текст\"}', '2026-01-01');"
    )
    await migrated_with(empty_database_url, "models.0001_initial", ONE_ACCOUNT_AND_BASE + package_row)
    try:
        package = await HandlerPackage.get(base_id=1, version=1)
        assert package.handlers == {"модуль": "текст"}
        with pytest.raises(IntegrityError):
            await HandlerPackage.create(base_id=1, version=1, handlers_json="1")
    finally:
        await db.close_database()


async def test_migration_0006_keeps_bases_linked_before_it_approved(empty_database_url: str) -> None:
    await migrated_with(empty_database_url, "models.0005_sync_log_indexes", ONE_ACCOUNT_AND_BASE)
    try:
        base = await OneCBase.get(id=1)
        assert base.awaiting_change is False
        assert not await BaseRequest.filter(account_id=1).exists()
        assert (await Account.get(id=1)).installation == 1
    finally:
        await db.close_database()


async def test_migration_0007_marks_events_processed_before_it_as_the_old_fingerprint_scheme(
    empty_database_url: str,
) -> None:
    event_row = (
        "INSERT INTO processed_event (base_id, fingerprint, event_name, amo_id, created_at)"
        " VALUES (1, 'old-print', 'payment', 5, '2026-01-01');"
    )
    await migrated_with(empty_database_url, "models.0006_trust", ONE_ACCOUNT_AND_BASE + event_row)
    try:
        assert (await ProcessedEvent.get(fingerprint="old-print")).scheme == 1
        new = await ProcessedEvent.create(base_id=1, fingerprint="new-print", event_name=EventName.PAYMENT)
        assert (await ProcessedEvent.get(id=new.id)).scheme == 2
        with pytest.raises(IntegrityError):
            await ProcessedEvent.create(base_id=1, fingerprint="old-print", event_name=EventName.PAYMENT)
    finally:
        await db.close_database()


async def test_database_rejects_a_second_trigger_of_one_place(database: None) -> None:
    from backend.models import Trigger, TriggerKind

    base = await make_base()
    await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=1, status_id=2)
    with pytest.raises(IntegrityError):
        await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=1, status_id=2)
    await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=1, status_id=3)  # another stage
    await Trigger.create(base=base, kind=TriggerKind.DEAL_CHANGED)
    with pytest.raises(IntegrityError):  # the "changed" kinds have no place: one per base
        await Trigger.create(base=base, kind=TriggerKind.DEAL_CHANGED, enabled=False)
    await Trigger.create(base=await make_base(id_base="base-2"), kind=TriggerKind.DEAL_CHANGED)
