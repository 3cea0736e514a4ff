"""The emulator's latency jitter: a random extra delay per request, reproducible by seed."""

from __future__ import annotations

import argparse

import pytest

from pictory_vimeo import emulator
from pictory_vimeo.emulator._faults import FaultInjector, faults_from_json


def _delays(injector: FaultInjector, count: int) -> list[float]:
    return [injector.request_seen() for _ in range(count)]


def test_jitter_spreads_each_delay_over_its_range() -> None:
    """latency 10 ms and jitter 70 ms: every delay in [10, 80] ms, and they differ."""
    faults = emulator.Faults(latency_ms=10, latency_jitter_ms=70)
    delays = _delays(FaultInjector(faults, seed=7), 500)
    assert all(0.010 <= delay <= 0.080 for delay in delays)
    assert min(delays) < 0.015
    assert max(delays) > 0.075
    assert len(set(delays)) > 400


def test_jitter_is_reproducible_by_seed_and_draws_nothing_when_off() -> None:
    """One seed, one sequence; with no jitter the fault sequence is what it always was."""
    jittery = emulator.Faults(latency_jitter_ms=5, error_rate=0.5)
    first, second = (_delays(FaultInjector(jittery, seed=3), 50) for _ in range(2))
    assert first == second

    def errors(faults: emulator.Faults) -> list[int | None]:
        injector = FaultInjector(faults, seed=11)
        outcomes = []
        for _ in range(50):
            injector.request_seen()
            error = injector.injected_error()
            outcomes.append(None if error is None else error.status)
        return outcomes

    plain = emulator.Faults(latency_ms=3, error_rate=0.5)
    assert errors(plain) == errors(emulator.Faults(error_rate=0.5))
    assert _delays(FaultInjector(plain, seed=1), 3) == [0.003] * 3


def test_jitter_is_validated_like_latency_and_has_a_serve_flag() -> None:
    """A negative or non-finite jitter is refused; the control route and a serve flag set it."""
    for bad in (-1, float("nan"), True):
        with pytest.raises(ValueError, match="latency_jitter_ms"):
            emulator.Faults(latency_jitter_ms=bad)
    assert emulator.Faults().to_json()["latencyJitterMs"] == 0.0
    patched = faults_from_json(emulator.Faults(), {"latencyJitterMs": 20})
    assert patched == emulator.Faults(latency_jitter_ms=20)
    parser = argparse.ArgumentParser()
    emulator.add_serve_arguments(parser)
    assert parser.parse_args([]).latency_jitter_ms == 0.0
    assert parser.parse_args(["--latency-jitter-ms", "70"]).latency_jitter_ms == 70.0
