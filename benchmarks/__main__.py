"""`make bench`: every benchmark in turn."""

from __future__ import annotations

import logging

from benchmarks import card_panel, sync_api

logging.basicConfig(level=logging.ERROR)
sync_api.run()
card_panel.run()
