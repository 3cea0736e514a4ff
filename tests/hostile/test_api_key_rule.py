"""One API-key rule: what the SDK refuses as a key, the emulator answers ``401`` to.

The emulator used to accept keys with non-ASCII characters (sent as raw header bytes)
that the SDK refuses before sending; both now apply ``_rules.api_key_problem``.
"""

from __future__ import annotations

import httpx
import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from pictory_vimeo._rules import api_key_problem

PATH = "/pictoryapis/v1/vimeo-connections"
KEYS = [
    "pictai_plain_key",
    "pictai_ünïcode",
    "pictai_\u202eevil",
    "pictai_with space",
    "pictai_tab\tkey",
    "pictai_\x7fdel",
    "pictai_!#$%&'*+-.^_`|~",
]


@pytest.mark.anyio
@pytest.mark.parametrize("key", KEYS)
async def test_the_sdk_and_the_emulator_agree_on_every_key(
    served: emulator.RunningEmulator, key: str
) -> None:
    """Refused by the SDK (``ValidationError`` naming api_key) exactly when the rule says,
    and then the emulator answers 401; accepted by both otherwise.
    """
    refused_by_sdk = api_key_problem(key) is not None
    if refused_by_sdk:
        with pytest.raises(pv.ValidationError, match="api_key"):
            pv.AsyncPictoryClient(key, served.base_url)
    else:
        async with pv.AsyncPictoryClient(key, served.base_url):
            pass
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        raw = await http.get(PATH, headers={b"Authorization": key.encode("utf-8")})
    assert (raw.status_code == 401) is refused_by_sdk
