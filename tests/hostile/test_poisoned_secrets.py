"""A secret that cannot be encoded is refused as input and poisons nothing.

A lone surrogate has no UTF-8 form: it can be neither sent nor URL-escaped. Passed with
``validate=False`` it used to reach the session's scrubber, after which every error of
that client and its parent escaped as a raw ``UnicodeEncodeError`` holding the secret.
"""

from __future__ import annotations

from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo._redact import Scrubber
from tests._support import MakeClient

POISON = "bad\ud800secret"
FIELDS: dict[str, Any] = {"name": "Poison", "client_identifier": "cid"}


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["client_secret", "access_token"])
async def test_an_unencodable_secret_is_refused_and_remembered_nowhere(
    make_client: MakeClient, field: str
) -> None:
    """``ValidationError`` naming the field, no context; later errors stay typed."""
    client = make_client()
    secrets: dict[str, Any] = {
        "client_secret": "good-secret-value",
        "access_token": "good-token-value",
    }
    secrets[field] = POISON
    with pytest.raises(pv.ValidationError, match=field) as caught:
        await client.with_options(validate=False).vimeo_connections.create(**FIELDS, **secrets)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    poisoned: dict[str, Any] = {field: POISON}
    with pytest.raises(pv.ValidationError, match=field):
        await client.vimeo_connections.update(
            "20251222155613307xv0nodhitf9cd0f", version=1, **poisoned
        )
    # The parent and a sibling (sharing the session) still raise typed errors.
    for conns in (client.vimeo_connections, client.with_options(timeout=5).vimeo_connections):
        with pytest.raises(pv.NotFoundError):
            await conns.get("20251222155613307xv0nodhitf9cd0f")


@pytest.mark.parametrize("secret", [POISON, "\udcff" * 8, "x\udce9" * 3, "ok-\ud83d-\ude00"])
def test_the_scrubber_never_raises(secret: str) -> None:
    """Every form of a secret with lone surrogates is computed, and each is masked."""
    scrub = Scrubber([secret, "pictai_plain_key"])
    assert scrub.text(f"echo {secret} and pictai_plain_key") == "echo ********** and **********"
    assert "**********" in scrub.line(f"x {secret!r} y", 200)
    assert scrub.data({secret: [secret]}) == {"**********": ["**********"]}
