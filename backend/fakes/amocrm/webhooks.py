"""Account webhook subscriptions and the hooks every change of a lead, contact or company raises.

A change raises `add_<noun>` when it creates the entity, otherwise `update_<noun>`, preceded by `status_lead`
when a lead changes status or pipeline (amoCRM sends the update hook for a status change too). The entities one
API call changed go out together, one POST per event and subscription: `leads[status][0]`, `leads[status][1]`…
Subscriptions may name any documented event; the fake raises only these seven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from backend.fakes.amocrm.custom_values import MISSING, NOT_A_CHOICE, error, invalid_type, is_int
from backend.fakes.amocrm.deliveries import Deliverer, Delivery
from backend.fakes.amocrm.hook_forms import account_hook_form, dp_hook_form, hook_entity
from backend.fakes.amocrm.state import Account, Entity, IdSequence

# Where each raised event puts its entities in the form: (group, action). Companies share `contacts`.
HOOK_PLACES = MappingProxyType(
    {
        "add_lead": ("leads", "add"),
        "update_lead": ("leads", "update"),
        "status_lead": ("leads", "status"),
        "add_contact": ("contacts", "add"),
        "update_contact": ("contacts", "update"),
        "add_company": ("contacts", "add"),
        "update_company": ("contacts", "update"),
    }
)
# Every event a subscription may name (Kommo's webhook-events reference).
EVENT_CODES = frozenset(
    {
        *(
            f"{action}_{noun}"
            for action in ("add", "update", "delete", "restore", "responsible", "note")
            for noun in ("lead", "contact", "company")
        ),
        "status_lead",
        "add_task",
        "delete_task",
        "responsible_task",
        "add_talk",
        "update_talk",
        "add_message",
        "add_chat_template_review",
    }
)
_NOUNS = MappingProxyType({"leads": "lead", "contacts": "contact", "companies": "company"})


@dataclass
class Webhook:
    """One subscription of an account: the URL hooks go to and the events it wants."""

    id: int
    account_id: int
    destination: str
    settings: list[str]
    sort: int
    created_by: int
    created_at: int
    updated_at: int
    disabled: bool = False

    def as_json(self) -> dict[str, Any]:
        """Return the subscription in amoCRM's shape."""
        return {
            "id": self.id,
            "destination": self.destination,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "account_id": self.account_id,
            "created_by": self.created_by,
            "sort": self.sort,
            "disabled": self.disabled,
            "settings": list(self.settings),
        }


@dataclass(frozen=True)
class Touched:
    """One entity a change stored; a lead's status and pipeline before the change (None when just created)."""

    entity: Entity
    created: bool
    old_status_id: int | None = None
    old_pipeline_id: int | None = None

    def events(self) -> list[str]:
        """Return the events this change raises, in the order amoCRM sends them."""
        noun = _NOUNS[self.entity.entity_type]
        if self.created:
            return [f"add_{noun}"]
        moved = (self.old_status_id, self.old_pipeline_id) != (self.entity.status_id, self.entity.pipeline_id)
        return ["status_lead", "update_lead"] if noun == "lead" and moved else [f"update_{noun}"]


def subscription_problems(destination: Any, settings: Any, sort: Any = None) -> list[dict[str, str]]:
    """Return the validation errors of a subscription body (empty when it is valid)."""
    problems = []
    if destination is None:
        problems.append(error("FieldMissing", "destination", MISSING))
    elif not isinstance(destination, str) or not _is_url(destination):
        problems.append(invalid_type("destination", "url"))
    if settings is None:
        problems.append(error("FieldMissing", "settings", MISSING))
    elif not isinstance(settings, list) or not settings:
        problems.append(invalid_type("settings", "non-empty array"))
    elif not all(isinstance(code, str) and code in EVENT_CODES for code in settings):
        problems.append(error("NotSupportedChoice", "settings", NOT_A_CHOICE))
    if sort is not None and not is_int(sort):
        problems.append(invalid_type("sort", "int"))
    return problems


def _is_url(text: str) -> bool:
    """Whether a text is an absolute http(s) URL."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class WebhookHub:
    """Owns every account's subscriptions and turns changes into deliveries through its Deliverer."""

    def __init__(self, ids: IdSequence, now: Callable[[], int], deliverer: Deliverer) -> None:
        self.ids = ids
        self.now = now
        self.deliverer = deliverer
        self.subscriptions: dict[int, list[Webhook]] = {}

    def webhooks(self, account_id: int, destination: str | None = None) -> list[Webhook]:
        """Return an account's subscriptions (only the one for `destination` when given), by sort then id."""
        found = [w for w in self.subscriptions.get(account_id, []) if destination in (None, w.destination)]
        return sorted(found, key=lambda w: (w.sort, w.id))

    def subscribe(
        self, account_id: int, destination: str, settings: Sequence[str], user_id: int, sort: int | None = None
    ) -> Webhook:
        """Subscribe a URL (replacing the events of an existing subscription to it); raises ValueError."""
        problems = subscription_problems(destination, list(settings), sort)
        if problems:
            raise ValueError("; ".join(f"{p['path']}: {p['detail']}" for p in problems))
        existing = self.webhooks(account_id, destination)
        if existing:
            webhook = existing[0]
            webhook.settings = list(dict.fromkeys(settings))
            webhook.sort = webhook.sort if sort is None else sort
            webhook.updated_at = self.now()
            webhook.disabled = False
            return webhook
        held = self.subscriptions.setdefault(account_id, [])
        now = self.now()
        webhook = Webhook(
            self.ids.next("webhook"),
            account_id,
            destination,
            list(dict.fromkeys(settings)),
            len(held) + 1 if sort is None else sort,
            user_id,
            now,
            now,
        )
        held.append(webhook)
        return webhook

    def unsubscribe(self, account_id: int, destination: str) -> bool:
        """Remove the subscription of a URL; return whether there was one."""
        held = self.subscriptions.get(account_id, [])
        kept = [w for w in held if w.destination != destination]
        self.subscriptions[account_id] = kept
        return len(kept) != len(held)

    def announce(self, account: Account, touched: Iterable[Touched]) -> list[Delivery]:
        """Queue the hooks a change raises for every subscription wanting them; return the deliveries."""
        items: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for change in touched:
            for event in change.events():
                status_event = event == "status_lead"
                fields = hook_entity(
                    account,
                    change.entity,
                    change.old_status_id if status_event else None,
                    change.old_pipeline_id if status_event else None,
                )
                items.setdefault(event, []).append((change.entity.id, fields))
        queued = []
        for event, entries in items.items():
            group, action = HOOK_PLACES[event]
            form = account_hook_form(account, group, action, [fields for _, fields in entries])
            ids = [entity_id for entity_id, _ in entries]
            for webhook in self.webhooks(account.id):
                if not webhook.disabled and event in webhook.settings:
                    queued.append(self.deliverer.queue(account.id, "webhook", event, webhook.destination, ids, form))
        return queued

    def send_dp_hook(
        self, account: Account, lead: Entity, url: str, widget_settings: Mapping[str, Any] | None = None
    ) -> Delivery:
        """Queue the digital-pipeline action's hook for a lead to `url`; raises ValueError for a bad URL."""
        if not _is_url(url):
            raise ValueError("url must be an absolute http(s) URL")
        form = dp_hook_form(account, lead, self.now(), widget_settings)
        return self.deliverer.queue(account.id, "digital_pipeline", "lead_appeared_in_status", url, [lead.id], form)
