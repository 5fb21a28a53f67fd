"""AmoCRMClient: the amoCRM API v4 calls amo1c makes, for one account, returning typed records."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, get_args

import httpx

from backend.amocrm import parsing
from backend.amocrm.bodies import lead_body, note_body, party_body
from backend.amocrm.budget import RequestBudget
from backend.amocrm.errors import AmoCRMBadResponse
from backend.amocrm.records import (
    AccountInfo,
    Company,
    CompanyDraft,
    Contact,
    ContactDraft,
    CustomField,
    Lead,
    LeadDraft,
    Pipeline,
    User,
    WebhookSubscription,
)
from backend.amocrm.session import DEFAULT_RETRY, ApiSession, RetryPolicy
from backend.amocrm.tokens import OAuthCredentials, TokenStore, WallClock, utc_now

EntityType = Literal["contacts", "companies", "leads"]
NoteTarget = Literal["leads", "contacts", "companies"]
Draft = ContactDraft | CompanyDraft | LeadDraft
MAX_PAGE_SIZE = 250  # amoCRM's ceiling for `limit`
MAX_PAGES = 1000  # a runaway `_links.next` chain stops here
T = TypeVar("T")


class AmoCRMClient:
    """Owns one account's API calls (pacing, tokens and retries through its session); raises only AmoCRMError.

    Searches return one page of at most 250 matches; lists of users and custom fields follow every page.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_id: int,
        base_url: str,
        credentials: OAuthCredentials,
        tokens: TokenStore,
        budget: RequestBudget,
        retry: RetryPolicy = DEFAULT_RETRY,
        clock: WallClock = utc_now,
    ) -> None:
        self.account_id = account_id  # the amoCRM account this client speaks for
        self._session = ApiSession(
            http,
            account_id=account_id,
            base_url=base_url,
            credentials=credentials,
            tokens=tokens,
            budget=budget,
            retry=retry,
            clock=clock,
        )

    @property
    def calls(self) -> int:
        """How many HTTP requests this client sent to the API, retries included and OAuth not; raises nothing."""
        return self._session.calls

    async def account(self) -> AccountInfo:
        """Return the account of the token; raises AmoCRMError."""
        return parsing.account(await self._get("/api/v4/account"))

    async def users(self) -> list[User]:
        """Return every user of the account (all pages); raises AmoCRMError."""
        return await self._collect("/api/v4/users", {"limit": MAX_PAGE_SIZE}, "users", parsing.user)

    async def pipelines(self) -> list[Pipeline]:
        """Return every lead pipeline with its statuses; raises AmoCRMError."""
        data = await self._get("/api/v4/leads/pipelines")
        return [parsing.pipeline(p) for p in parsing.embedded(parsing.obj(data, "pipelines"), "pipelines")]

    async def custom_fields(self, entity: EntityType) -> list[CustomField]:
        """Return every custom field definition of an entity type, following `_links.next`; raises AmoCRMError."""
        path = f"/api/v4/{_checked(entity, EntityType)}/custom_fields"
        return await self._collect(path, {}, "custom_fields", parsing.custom_field)

    async def create_custom_field(self, entity: EntityType, name: str) -> CustomField:
        """Define a text custom field on an entity type and return it; raises AmoCRMError (no 5xx retry)."""
        path = f"/api/v4/{_checked(entity, EntityType)}/custom_fields"
        data = await self._session.request("POST", path, body=[{"name": name, "type": "text"}])
        created = parsing.embedded(parsing.obj(data, "custom_fields"), "custom_fields")
        if len(created) != 1:
            raise AmoCRMBadResponse(f"amoCRM answered {len(created)} fields for one created")
        return parsing.custom_field(created[0])

    async def subscribe_webhook(self, destination: str, events: Sequence[str]) -> None:
        """Subscribe the account's webhooks for `events` to `destination` (amoCRM keeps one subscription per
        destination: subscribing again replaces its events); raises AmoCRMError."""
        body = {"destination": destination, "settings": list(events)}
        await self._session.request("POST", "/api/v4/webhooks", body=body)

    async def webhook(self, destination: str) -> WebhookSubscription | None:
        """The account's subscription to `destination` (None when amoCRM has none); needs an administrator's token;
        raises AmoCRMError."""
        data = await self._get("/api/v4/webhooks", {"filter[destination]": destination})
        if data is None:
            return None
        found = [parsing.webhook(item) for item in parsing.embedded(parsing.obj(data, "webhooks"), "webhooks")]
        return next((item for item in found if item.destination == destination), None)

    async def renew_tokens(self) -> None:
        """Spend the stored refresh token on a new pair now, under the token store's refresh lock, the new pair
        saved before anything uses it (what every refresh does); raises AmoCRMAuthError when amoCRM refuses it
        (nothing is saved) and AmoCRMUnreachable when it cannot be asked (the stored pair stays as it was)."""
        await self._session.renew_tokens()

    async def changed_since(self, entity: EntityType, since: int) -> list[Contact] | list[Company] | list[Lead]:
        """Every contact, company or lead changed at or after the unix time `since`, oldest change first (all pages,
        within the request budget); `since` 0 reads them all, by id: amoCRM pages by offset, and an entity edited
        while the pages are read moves to the end of an `updated_at` order, pushing another past a page already
        read — in id order an edit moves nothing. Raises AmoCRMError."""
        params: dict[str, str | int] = (
            {"filter[updated_at][from]": since, "order[updated_at]": "asc", "limit": MAX_PAGE_SIZE}
            if since > 0
            else {"order[id]": "asc", "limit": MAX_PAGE_SIZE}
        )
        path = f"/api/v4/{_checked(entity, EntityType)}"
        if entity == "contacts":
            return await self._collect(path, params, entity, parsing.contact)
        if entity == "companies":
            return await self._collect(path, params, entity, parsing.company)
        return await self._collect(path, {**params, "with": "contacts"}, entity, parsing.lead)

    async def by_id(self, entity: EntityType, ids: Sequence[int]) -> list[Any]:
        """The contacts, companies or leads (with their contacts) with these ids that exist, 250 a request; raises
        AmoCRMError."""
        parse = _PARSERS[_checked(entity, EntityType)]
        extra: dict[str, str | int] = {"with": "contacts"} if entity == "leads" else {}
        found: list[Any] = []
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ids[start : start + MAX_PAGE_SIZE]
            params: dict[str, str | int] = {f"filter[id][{n}]": int(i) for n, i in enumerate(chunk)}
            path = f"/api/v4/{entity}"
            found.extend(await self._collect(path, {**params, **extra, "limit": MAX_PAGE_SIZE}, entity, parse))
        return found

    async def create_batch(self, entity: EntityType, drafts: Sequence[Draft]) -> list[int]:
        """Create contacts, companies or leads (linked as their drafts say) in one request (amoCRM takes up to 250,
        recommends 50) and return their ids in the drafts' order; not retried after a 5xx or timeout (it may have
        been applied). Raises AmoCRMError."""
        body = [{**_body(draft), "request_id": str(n)} for n, draft in enumerate(drafts)]
        data = await self._session.request("POST", f"/api/v4/{_checked(entity, EntityType)}", body=body)
        return _created_ids(data, entity, len(drafts))

    async def update_batch(self, entity: EntityType, changes: Sequence[tuple[int, Draft]]) -> None:
        """Write each draft to its contact, company or lead in one request (PATCH: retried as it is idempotent);
        raises AmoCRMError."""
        body = [{**_body(draft), "id": int(entity_id)} for entity_id, draft in changes]
        if body:
            await self._session.request("PATCH", f"/api/v4/{_checked(entity, EntityType)}", body=body)

    async def add_notes(self, entity: NoteTarget, notes: Sequence[tuple[int, str]]) -> list[int]:
        """Add a text note to each (entity id, text) in one request and return the notes' ids in order; not retried
        after a 5xx or timeout. Raises AmoCRMError."""
        body = [
            {"entity_id": int(entity_id), **note_body(text)[0], "request_id": str(n)}
            for n, (entity_id, text) in enumerate(notes)
        ]
        data = await self._session.request("POST", f"/api/v4/{_checked(entity, NoteTarget)}/notes", body=body)
        return _created_ids(data, "notes", len(notes))

    async def find_contacts(self, query: str) -> list[Contact]:
        """Return contacts matching a search string (none: empty list); raises AmoCRMError."""
        return await self._search("contacts", query, parsing.contact)

    async def get_contact(self, contact_id: int) -> Contact | None:
        """Return one contact, or None when amoCRM has no such contact; raises AmoCRMError."""
        data = await self._get(f"/api/v4/contacts/{int(contact_id)}")
        return None if data is None else parsing.contact(data)

    async def create_contact(self, draft: ContactDraft, request_id: str | None = None) -> int:
        """Create a contact and return its id; not retried after a 5xx or timeout. Raises AmoCRMError."""
        return await self._create("contacts", party_body(draft), request_id)

    async def update_contact(self, contact_id: int, draft: ContactDraft) -> None:
        """Write the draft's fields to a contact (nothing is sent for an empty draft); raises AmoCRMError."""
        await self._update("contacts", contact_id, party_body(draft))

    async def find_companies(self, query: str) -> list[Company]:
        """Return companies matching a search string (none: empty list); raises AmoCRMError."""
        return await self._search("companies", query, parsing.company)

    async def get_company(self, company_id: int) -> Company | None:
        """Return one company, or None when amoCRM has no such company; raises AmoCRMError."""
        data = await self._get(f"/api/v4/companies/{int(company_id)}")
        return None if data is None else parsing.company(data)

    async def create_company(self, draft: CompanyDraft, request_id: str | None = None) -> int:
        """Create a company and return its id; not retried after a 5xx or timeout. Raises AmoCRMError."""
        return await self._create("companies", party_body(draft), request_id)

    async def update_company(self, company_id: int, draft: CompanyDraft) -> None:
        """Write the draft's fields to a company (nothing is sent for an empty draft); raises AmoCRMError."""
        await self._update("companies", company_id, party_body(draft))

    async def get_lead(self, lead_id: int) -> Lead | None:
        """Return one lead with its contacts, or None when amoCRM has no such lead; raises AmoCRMError."""
        data = await self._get(f"/api/v4/leads/{int(lead_id)}", {"with": "contacts"})
        return None if data is None else parsing.lead(data)

    async def find_leads(self, query: str) -> list[Lead]:
        """Return leads (with their contacts) matching a search string (none: empty list); raises AmoCRMError."""
        return await self._search("leads", query, parsing.lead, {"with": "contacts"})

    async def create_lead(self, draft: LeadDraft, request_id: str | None = None) -> int:
        """Create a lead (linked as the draft says) and return its id; raises AmoCRMError (no 5xx retry)."""
        return await self._create("leads", lead_body(draft), request_id)

    async def update_lead(self, lead_id: int, draft: LeadDraft) -> None:
        """Write the draft's fields and links to a lead (nothing is sent for an empty draft); raises AmoCRMError."""
        await self._update("leads", lead_id, lead_body(draft))

    async def add_note(self, entity: NoteTarget, entity_id: int, text: str) -> int:
        """Add a text note to a lead, contact or company and return its id; raises AmoCRMError (no 5xx retry)."""
        path = f"/api/v4/{_checked(entity, NoteTarget)}/{int(entity_id)}/notes"
        return parsing.created_id(await self._session.request("POST", path, body=note_body(text)), "notes")

    async def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET a path; the JSON, or None for 204."""
        return await self._session.request("GET", path, params=params)

    async def _search(
        self,
        entity: EntityType,
        query: str,
        parse: Callable[[Any], T],
        extra: Mapping[str, str] | None = None,
    ) -> list[T]:
        """GET one page of an entity list filtered by `query`; 204 means no match."""
        params: dict[str, str | int] = {"query": query, "limit": MAX_PAGE_SIZE, **(extra or {})}
        data = await self._get(f"/api/v4/{entity}", params)
        if data is None:
            return []
        return [parse(item) for item in parsing.embedded(parsing.obj(data, entity), entity)]

    async def _collect(
        self, path: str, params: Mapping[str, str | int], key: str, parse: Callable[[parsing.Json], T]
    ) -> list[T]:
        """GET a list and every page after it by `_links.next`; 204 ends the list."""
        found: list[T] = []
        # A `_links.next` href carries its own query; passing params with it (even {}) would replace that query.
        target: str = path
        query: Mapping[str, str | int] | None = params
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            data = await self._get(target, query)
            if data is None:
                break
            page = parsing.obj(data, key)
            found.extend(parse(item) for item in parsing.embedded(page, key))
            href = parsing.next_href(page)
            if href is None or href in seen:
                break
            seen.add(href)
            target, query = href, None
        return found

    async def _create(self, entity: EntityType, element: dict[str, Any], request_id: str | None) -> int:
        """POST one element as a batch of one and return the created id."""
        if request_id is not None:
            element = {**element, "request_id": request_id}
        data = await self._session.request("POST", f"/api/v4/{entity}", body=[element])
        return parsing.created_id(data, entity)

    async def _update(self, entity: EntityType, entity_id: int, body: dict[str, Any]) -> None:
        """PATCH one entity with a non-empty body; an answer that is not JSON raises AmoCRMBadResponse."""
        if not body:
            return
        data = await self._session.request("PATCH", f"/api/v4/{entity}/{int(entity_id)}", body=body)
        if data is not None:
            parsing.obj(data, f"{entity} update answer")


_PARSERS: dict[str, Callable[[parsing.Json], Any]] = {
    "contacts": parsing.contact,
    "companies": parsing.company,
    "leads": parsing.lead,
}


def _body(draft: Draft) -> dict[str, Any]:
    return lead_body(draft) if isinstance(draft, LeadDraft) else party_body(draft)


def _created_ids(data: Any, key: str, count: int) -> list[int]:
    """The ids a batch create answered, in the order of its `request_id`s 0…count-1; raises AmoCRMBadResponse."""
    created = {
        str(item.get("request_id")): parsing.req_int(item, "id")
        for item in parsing.embedded(parsing.obj(data, "create answer"), key)
    }
    try:
        return [created[str(n)] for n in range(count)]
    except KeyError:
        raise AmoCRMBadResponse(f"amoCRM answered {len(created)} {key} for {count} created") from None


def _checked(value: str, allowed: Any) -> str:
    """Return value when it is one of a Literal's options; raises ValueError (a caller bug) otherwise."""
    if value not in get_args(allowed):
        raise ValueError(f"expected one of {', '.join(get_args(allowed))}, got {value!r}")
    return value
