"""`make bench`: every benchmark in turn."""

from __future__ import annotations

import logging

from benchmarks import (
    card_panel,
    hot_path,
    initial_exchange,
    outbox,
    outbox_workers,
    settings_pages,
    sync_api,
    workers,
)

logging.basicConfig(level=logging.ERROR)
sync_api.run()
workers.run()
hot_path.run()
initial_exchange.run()
card_panel.run()
settings_pages.run()
outbox.run()
outbox_workers.run()
