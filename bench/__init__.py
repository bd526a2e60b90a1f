"""Benchmarks for Tỉnh Số; run with ``make bench`` (never part of the test suite or CI)."""
