"""The records and names the screens and the sync API read, as the domain hands them out.

Surfaces (ui/, api/, oauth) take these from here, never from `backend.models`: what they may read is what sync/
gives them, and a renamed table or column changes sync/ alone.
"""

from __future__ import annotations

from backend.models import Account as Account
from backend.models import BaseRequest as BaseRequest
from backend.models import Direction as Direction
from backend.models import EntityKind as EntityKind
from backend.models import EntityLink as EntityLink
from backend.models import EventName as EventName
from backend.models import EventRule as EventRule
from backend.models import FieldMapping as MappingRow
from backend.models import HandlerPackage as HandlerPackage
from backend.models import Intent as Intent
from backend.models import IntentAttempt as IntentAttempt
from backend.models import IntentKind as IntentKind
from backend.models import IntentState as IntentState
from backend.models import MappingKind as MappingKind
from backend.models import OneCBase as Base
from backend.models import Outcome as Outcome
from backend.models import Subscription as Subscription
from backend.models import SyncLogEntry as LogEntry
from backend.models import Trigger as Trigger
from backend.models import TriggerKind as TriggerKind
from backend.onec import Document as Document

__all__ = [
    "Account",
    "Base",
    "BaseRequest",
    "Direction",
    "Document",
    "EntityKind",
    "EntityLink",
    "EventName",
    "EventRule",
    "HandlerPackage",
    "Intent",
    "IntentAttempt",
    "IntentKind",
    "IntentState",
    "LogEntry",
    "MappingKind",
    "MappingRow",
    "Outcome",
    "Subscription",
    "Trigger",
    "TriggerKind",
]
