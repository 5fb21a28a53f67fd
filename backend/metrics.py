"""Every Prometheus metric amo1c keeps, and the small functions the clients and handlers call to move them.

The one place the metrics live: a caller records a call in one function call (a counter and a histogram, no I/O),
and GET /metrics (backend.scrape) renders them. Label values come from short fixed sets only — operation names
(sync.operations.operation_label turns anything else into "other"), outcomes and status classes — never an
account, base, name, URL or other customer data, so the number of series stays bounded.

Several workers (`amo1c serve --workers N`) each write their figures to files under PROMETHEUS_MULTIPROC_DIR,
which `serve` creates before the workers start (prometheus_client chooses how to keep values at import); a scrape
adds them up over every worker, the dead ones' counters included.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
# A sync call is tens of milliseconds when amoCRM is quick and up to the 20 s amoCRM timeout (plus retries) when not.
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WAIT_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REGISTRY = CollectorRegistry(auto_describe=True)

SYNC_CALLS = Counter(
    "amo1c_sync_calls", "Calls 1C made to the sync API, by operation and outcome.", ["operation", "outcome"],
    registry=REGISTRY,
)  # fmt: skip
SYNC_CALL_SECONDS = Histogram(
    "amo1c_sync_call_seconds", "Time the sync API took to answer 1C, by operation.", ["operation"],
    buckets=CALL_BUCKETS, registry=REGISTRY,
)  # fmt: skip
AMOCRM_REQUESTS = Counter(
    "amo1c_amocrm_requests", "Requests sent to amoCRM's API (each attempt), by outcome: 2xx, 3xx, 4xx, 429, 5xx, "
    "timeout or error (the connection failed).", ["outcome"], registry=REGISTRY,
)  # fmt: skip
AMOCRM_TOKEN_REFRESHES = Counter(
    "amo1c_amocrm_token_refreshes", "amoCRM token refreshes, by outcome (ok or failed).", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
AMOCRM_BUDGET_WAIT_SECONDS = Histogram(
    "amo1c_amocrm_budget_wait_seconds", "Time a request to amoCRM waited for its account's request budget.",
    buckets=WAIT_BUCKETS, registry=REGISTRY,
)  # fmt: skip
ONEC_CALLS = Counter(
    "amo1c_onec_calls", "Calls amo1c made into 1C, by type and outcome.", ["operation", "outcome"],
    registry=REGISTRY,
)  # fmt: skip
ONEC_CALL_SECONDS = Histogram(
    "amo1c_onec_call_seconds", "Time a call into 1C took, by type.", ["operation"], buckets=CALL_BUCKETS,
    registry=REGISTRY,
)  # fmt: skip
WEBHOOKS = Counter(
    "amo1c_webhooks_received", "Calls amoCRM made on its own, by source (webhook or dp) and outcome.",
    ["source", "outcome"], registry=REGISTRY,
)  # fmt: skip
RECONCILIATIONS = Counter(
    "amo1c_reconciliation_passes", "Reconciliation passes over an account, by outcome (ok or failed).", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
RECONCILIATION_CATCHES = Counter(
    "amo1c_reconciliation_caught", "Changes a reconciliation pass caught that no webhook had announced.",
    registry=REGISTRY,
)  # fmt: skip
# Each worker sets 1 while it runs; "livesum" adds up the living ones (a stopped worker's file is removed).
WORKERS = Gauge(
    "amo1c_workers", "Worker processes serving now.", multiprocess_mode="livesum", registry=REGISTRY
)  # fmt: skip


@contextlib.contextmanager
def multiprocess_dir(enabled: bool) -> Iterator[None]:
    """While serving several workers with metrics on: a fresh private directory (0700) for their figures, named
    in PROMETHEUS_MULTIPROC_DIR for the workers to inherit, removed afterwards (no stale figures from an earlier
    run are ever summed). Call it before the workers start; raises OSError when the directory cannot be made."""
    if not enabled:
        yield
        return
    directory = tempfile.mkdtemp(prefix="amo1c-metrics-")  # mode 0700, empty
    previous = os.environ.get(MULTIPROC_DIR)
    os.environ[MULTIPROC_DIR] = directory
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_DIR, None)
        else:
            os.environ[MULTIPROC_DIR] = previous
        shutil.rmtree(directory, ignore_errors=True)


def sync_call(operation: str, status: int, seconds: float) -> None:
    """Count one answered sync API call under its operation label and the outcome its HTTP status stands for."""
    calls, latency = _sync_series(operation, _sync_outcome(status))
    calls.inc()
    latency.observe(seconds)


# The labelled series of the hot paths, looked up once: `labels()` costs more than the counting itself, and the
# label values are a short fixed set, so these caches stay small.
@functools.cache
def _sync_series(operation: str, outcome: str) -> tuple[Counter, Histogram]:
    return SYNC_CALLS.labels(operation, outcome), SYNC_CALL_SECONDS.labels(operation)


@functools.cache
def _onec_series(operation: str, outcome: str) -> tuple[Counter, Histogram]:
    return ONEC_CALLS.labels(operation, outcome), ONEC_CALL_SECONDS.labels(operation)


@functools.cache
def _amocrm_series(outcome: str) -> Counter:
    return AMOCRM_REQUESTS.labels(outcome)


def _sync_outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403, 429):
        return "refused"
    return "invalid" if status < 500 else "failed"


def amocrm_response(status: int) -> None:
    """Count one answer amoCRM gave, by its status class (429 on its own)."""
    _amocrm_series("429" if status == 429 else f"{min(max(status // 100, 1), 5)}xx").inc()


def amocrm_failure(timed_out: bool) -> None:
    """Count one request to amoCRM that got no answer: it timed out, or the connection failed."""
    _amocrm_series("timeout" if timed_out else "error").inc()


def token_refresh(ok: bool) -> None:
    """Count one refresh of an account's amoCRM tokens, done or failed."""
    AMOCRM_TOKEN_REFRESHES.labels("ok" if ok else "failed").inc()


def budget_wait(seconds: float) -> None:
    """Record how long a request waited for the account's request budget (0 when it went at once)."""
    AMOCRM_BUDGET_WAIT_SECONDS.observe(seconds)


def onec_call(operation: str, outcome: str, seconds: float) -> None:
    """Count one call into 1C under its operation label and outcome (ok or the kind of its error)."""
    calls, latency = _onec_series(operation, outcome)
    calls.inc()
    latency.observe(seconds)


def webhook(source: str, outcome: str) -> None:
    """Count one hook amoCRM called: `source` "webhook" or "dp", `outcome` "accepted", "not_found" or "bad_request"."""
    WEBHOOKS.labels(source, outcome).inc()


def reconciliation(caught: int | None) -> None:
    """Count one reconciliation pass and the changes it caught; None: the pass failed."""
    RECONCILIATIONS.labels("failed" if caught is None else "ok").inc()
    if caught:
        RECONCILIATION_CATCHES.inc(caught)


def worker_started() -> None:
    """Count this process among the serving workers, and forget the live figures of workers that died unnoticed."""
    directory = os.environ.get(MULTIPROC_DIR)
    if directory:
        for pid in _dead_workers(Path(directory)):
            mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    WORKERS.set(1)


def worker_stopped() -> None:
    """Take this process out of the serving workers (its counters stay in the sums)."""
    WORKERS.set(0)
    directory = os.environ.get(MULTIPROC_DIR)
    if directory:
        mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def _dead_workers(directory: Path) -> set[int]:
    """Pids that left live-gauge files in the directory but no longer run (killed without a shutdown)."""
    pids = set()
    for path in directory.glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            pids.add(int(pid))
    return pids


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process has that pid now: our worker is gone
        return False
    return True


@dataclass(frozen=True, eq=False)  # a registry keeps its collectors in a dict: hashed by identity
class OutboxFigures:
    """The outbox as the database holds it at scrape time: intents by state, the oldest pending one's age."""

    counts: Mapping[str, int]
    oldest_pending_seconds: float

    def collect(self) -> Iterator[Metric]:
        """The two gauge families (a registry's collector); raises nothing."""
        intents = GaugeMetricFamily("amo1c_outbox_intents", "Outbox intents by state (delivered and cancelled "
                                    "ones are history and not counted).", labels=["state"])  # fmt: skip
        for state, count in self.counts.items():
            intents.add_metric([state], count)
        yield intents
        yield GaugeMetricFamily(
            "amo1c_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox intent (0: none).",
            value=self.oldest_pending_seconds,
        )  # fmt: skip


def exposition(outbox: OutboxFigures | None) -> bytes:
    """The text a scrape answers: every worker's figures summed (or this process's alone) and the outbox's (None:
    the database could not say)."""
    directory = os.environ.get(MULTIPROC_DIR)
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if outbox is not None:
        scraped = CollectorRegistry(auto_describe=True)
        scraped.register(outbox)
        text += generate_latest(scraped)
    return text
