"""Benchmarks run by `make bench`; each prints a table. Targets are checked here, never in the test suite."""
