"""Shared fixtures: every async test runs under asyncio and under trio, in a clean environment."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run each ``@pytest.mark.anyio`` test once per backend."""
    return str(request.param)


#: Settings a developer may have exported; none of them may leak into a test.
PICTORY_ENVIRONMENT = (
    "PICTORY_API_KEY",
    "PICTORY_BASE_URL",
    "PICTORY_VIMEO_CLIENT_SECRET",
    "PICTORY_VIMEO_ACCESS_TOKEN",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own Pictory settings and secrets out of every test."""
    for name in PICTORY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
