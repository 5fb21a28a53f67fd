"""amoCRM (Kommo) API v4 client: OAuth tokens, request pacing, retries, typed records and one error tree."""

from __future__ import annotations

from backend.amocrm.budget import LocalRequestBudget, RequestBudget
from backend.amocrm.client import AmoCRMClient, EntityType, NoteTarget
from backend.amocrm.errors import (
    AmoCRMAccountBlocked,
    AmoCRMAuthError,
    AmoCRMBadResponse,
    AmoCRMError,
    AmoCRMPaymentRequired,
    AmoCRMRateLimited,
    AmoCRMRejected,
    AmoCRMUnreachable,
    ValidationIssue,
)
from backend.amocrm.records import (
    AccountInfo,
    Company,
    CompanyDraft,
    Contact,
    ContactDraft,
    CustomField,
    CustomValue,
    Enum,
    FieldValue,
    Lead,
    LeadDraft,
    Pipeline,
    Status,
    User,
    WebhookSubscription,
)
from backend.amocrm.session import RetryPolicy
from backend.amocrm.tokens import (
    MemoryTokenStore,
    OAuthCredentials,
    TokenPair,
    TokenStore,
    exchange_code,
    refresh_tokens,
    utc_now,
)

__all__ = [
    "AccountInfo",
    "AmoCRMAccountBlocked",
    "AmoCRMAuthError",
    "AmoCRMBadResponse",
    "AmoCRMClient",
    "AmoCRMError",
    "AmoCRMPaymentRequired",
    "AmoCRMRateLimited",
    "AmoCRMRejected",
    "AmoCRMUnreachable",
    "Company",
    "CompanyDraft",
    "Contact",
    "ContactDraft",
    "CustomField",
    "CustomValue",
    "EntityType",
    "Enum",
    "FieldValue",
    "Lead",
    "LeadDraft",
    "LocalRequestBudget",
    "MemoryTokenStore",
    "NoteTarget",
    "OAuthCredentials",
    "Pipeline",
    "RequestBudget",
    "RetryPolicy",
    "Status",
    "TokenPair",
    "TokenStore",
    "User",
    "ValidationIssue",
    "WebhookSubscription",
    "exchange_code",
    "refresh_tokens",
    "utc_now",
]
