"""Benchmarks of PERFORMANCE.md: each measures a baseline in the same run and reports the ratio."""
