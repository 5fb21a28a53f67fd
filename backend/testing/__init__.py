"""Helpers shared by the test suite and the benchmarks: a throwaway PostgreSQL and `amo1c serve` processes.

They live in the package (like `backend.liveserver` and `backend.fakes`) so that `tests/` and `benchmarks/` use
one implementation, type-checked with the rest; production code never imports them.
"""
