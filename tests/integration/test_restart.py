"""Durability: the emulator as its own process on a SQLite file, killed with SIGKILL and
started again on the same file, still holds exactly what it answered 2xx for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pictory_vimeo as pv
from tests._support import EmulatorProcess, Pool

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_everything_answered_survives_kill_9_and_page_keys_stay_valid(
    tmp_path: Path, api_key: str, sdk_transport: Pool
) -> None:
    """Creates, updates and deletes answered 2xx are all there after SIGKILL and a restart."""
    db = tmp_path / "db.sqlite"
    log = tmp_path / "emulator.log"

    async with EmulatorProcess(db, log, page_size=2) as server:
        async with pv.AsyncPictoryClient(
            api_key, server.base_url, max_retries=0, transport=sdk_transport
        ) as client:
            conns = client.vimeo_connections
            made = [
                await conns.create(
                    name=f"Durable {index}",
                    client_identifier=f"cid-{index}",
                    client_secret="durable-secret",
                    access_token="durable-token",  # not "token": every repr of a model
                    # names its access_token field, which the leak guard would flag
                    description=f"made {index}" if index % 2 else None,
                    enabled=index != 3,
                )
                for index in range(5)
            ]
            updated = await conns.update(
                made[0].connection_id, version=1, name="Durable Zero", enabled=False
            )
            updated = await conns.update(made[0].connection_id, version=2, description="twice")
            await conns.delete(made[1].connection_id)
            answered = [updated] + [await conns.get(c.connection_id) for c in made[2:]]
            first_page = await conns.list_page()
            assert first_page.next_page_key is not None
            rest_before = await conns.list_page(next_page_key=first_page.next_page_key)
            # The last answered write, immediately before the kill.
            last = await conns.update(made[4].connection_id, version=1, description="last")
            answered[-1] = last
        await server.kill()

    async with (
        EmulatorProcess(db, log, page_size=2) as server,
        pv.AsyncPictoryClient(
            api_key, server.base_url, max_retries=0, transport=sdk_transport
        ) as client,
    ):
        conns = client.vimeo_connections
        assert [await conns.get(c.connection_id) for c in answered] == answered
        with pytest.raises(pv.NotFoundError):
            await conns.get(made[1].connection_id)
        assert [c async for c in conns.list()] == answered
        resumed = await conns.list_page(next_page_key=first_page.next_page_key)
        assert [c.connection_id for c in resumed.items] == [
            c.connection_id for c in rest_before.items
        ]
        assert resumed.items[-1] == last
        # Writes carry on from the stored versions; names stay taken.
        again = await conns.update(updated.connection_id, version=3, enabled=True)
        assert again.version == 4
        with pytest.raises(pv.DuplicateNameError):
            await conns.create(
                name="Durable 2", client_identifier="c", client_secret="s", access_token="t"
            )
