"""Benchmarks of the SDK against side-by-side baselines (raw httpx, naive retry loops)."""
