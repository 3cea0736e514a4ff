"""``pictory-vimeo connections ...`` against the emulator: what each subcommand does and prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import pictory_vimeo as pv
from pictory_vimeo import emulator
from tests._support import CONNECTION_KEYS
from tests.cli._support import Run

Create = Callable[..., pv.VimeoConnection]


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _get(run: Run, connection_id: str) -> dict[str, Any]:
    done = run("connections", "get", connection_id, "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_list_shows_a_table_of_the_first_page_and_says_how_to_get_more(
    run: Run, create: Create
) -> None:
    """The table has a header and the first page's rows; stderr says to pass --all."""
    made = [create(f"Conn {i}") for i in range(5)]
    done = run("connections", "list")
    assert done.returncode == 0
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "ENABLED", "VERSION", "UPDATED"]
    assert len(rows) == 3  # the emulator's page size
    assert rows[0].startswith(made[0].connection_id)
    assert "Conn 0" in rows[0]
    assert "--all" in done.stderr


def test_list_all_prints_every_page(run: Run, create: Create) -> None:
    """--all lists every connection across pages, once each, and no hint."""
    made = {create(f"Conn {i}").connection_id for i in range(7)}
    done = run("connections", "list", "--all")
    assert done.returncode == 0
    rows = done.stdout.splitlines()[1:]
    assert sorted(row.split()[0] for row in rows) == sorted(made)
    assert "--all" not in done.stderr


def test_list_json_is_valid_json_lines_of_the_api_shape(run: Run, create: Create) -> None:
    """--json prints one JSON object per line, with the API's camelCase fields, no secret."""
    create("First", "--description", "the first")
    create("Second", "--disabled")
    done = run("connections", "list", "--all", "--json")
    items = _json_lines(done.stdout)
    assert [item["name"] for item in items] == ["First", "Second"]
    assert items[0]["description"] == "the first"
    assert items[1]["enabled"] is False
    assert tuple(items[0]) == CONNECTION_KEYS


def test_list_streams_each_page_while_reading_one_ahead(
    run: Run, create: Create, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page one's rows are printed before page three is requested: one page read ahead."""
    for i in range(7):
        create(f"Conn {i}")
    printed_before: list[str] = []
    original = pv.AsyncVimeoConnections.list_page

    async def spy(
        self: pv.AsyncVimeoConnections, *, next_page_key: str | None = None, **options: Any
    ) -> pv.Page[pv.VimeoConnection]:
        if next_page_key is not None:
            printed_before.append(capsys.readouterr().out)
        return await original(self, next_page_key=next_page_key, **options)

    monkeypatch.setattr(pv.AsyncVimeoConnections, "list_page", spy)
    done = run("connections", "list", "--all", "--json")
    assert done.returncode == 0
    assert len(printed_before) == 2
    printed = [item["name"] for text in printed_before for item in _json_lines(text)]
    assert printed[:3] == ["Conn 0", "Conn 1", "Conn 2"]
    everything = printed + [item["name"] for item in _json_lines(done.stdout)]
    assert everything == [f"Conn {i}" for i in range(7)]


def test_list_of_an_empty_account_says_so(run: Run) -> None:
    """No connections: nothing on stdout, a note on stderr, success."""
    done = run("connections", "list")
    assert (done.returncode, done.stdout) == (0, "")
    assert "no connections" in done.stderr


def test_get_prints_details_and_json(run: Run, create: Create) -> None:
    """get shows a labelled block, or the API's JSON with --json."""
    made = create("Marketing", "--description", "videos")
    done = run("connections", "get", made.connection_id)
    assert done.returncode == 0
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["id"] == made.connection_id
    assert lines["name"] == "Marketing"
    assert lines["description"] == "videos"
    assert lines["version"] == "1"
    assert _get(run, made.connection_id)["clientIdentifier"] == "cid"


def test_create_applies_every_field(run: Run, create: Create) -> None:
    """create --description --disabled makes exactly that connection, version 1."""
    made = create("Archive", "--description", "old videos", "--disabled")
    assert (made.name, made.description, made.enabled, made.version) == (
        "Archive",
        "old videos",
        False,
        1,
    )
    assert _get(run, made.connection_id)["enabled"] is False


def test_update_without_version_changes_only_the_given_fields(run: Run, create: Create) -> None:
    """The user never looks the version up: update reads it and writes the change."""
    made = create("Team", "--description", "keep me")
    run("connections", "update", made.connection_id, "--disable")
    done = run("connections", "update", made.connection_id, "--name", "Team B", "--json")
    assert done.returncode == 0, done.stderr
    after = json.loads(done.stdout)
    assert (after["name"], after["description"], after["enabled"], after["version"]) == (
        "Team B",
        "keep me",
        False,
        3,
    )


def test_update_without_version_survives_a_concurrent_writer(
    run: Run, create: Create, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write landing between the read and the update is kept, and the change still applies."""
    made = create("Raced")
    get, update = pv.AsyncVimeoConnections.get, pv.AsyncVimeoConnections.update
    raced: list[bool] = []

    async def get_then_someone_writes(
        self: pv.AsyncVimeoConnections, connection_id: str, **options: Any
    ) -> pv.VimeoConnection:
        current = await get(self, connection_id, **options)
        if not raced:
            raced.append(True)
            await update(self, connection_id, version=current.version, description="theirs")
        return current

    monkeypatch.setattr(pv.AsyncVimeoConnections, "get", get_then_someone_writes)
    done = run("connections", "update", made.connection_id, "--name", "Mine", "--json")
    assert done.returncode == 0, done.stderr
    after = json.loads(done.stdout)
    assert (after["name"], after["description"], after["version"]) == ("Mine", "theirs", 3)


def test_update_with_the_current_version_applies(run: Run, create: Create) -> None:
    """--version N with the stored version updates it to N + 1."""
    made = create("Pinned")
    done = run("connections", "update", made.connection_id, "--enable", "--version", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == 2


def test_update_that_changes_nothing_writes_nothing(run: Run, create: Create) -> None:
    """Asking for what is already there leaves the version alone and says so."""
    made = create("Same")
    done = run("connections", "update", made.connection_id, "--enable", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["version"] == 1
    assert "nothing was changed" in done.stderr


def test_update_rotates_secrets_from_the_environment(
    run: Run, create: Create, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--rotate-secrets sends the new secret and token, and bumps the version."""
    made = create("Rotate")
    sent: list[dict[str, Any]] = []
    update = pv.AsyncVimeoConnections.update

    async def spy(
        self: pv.AsyncVimeoConnections, connection_id: str, **fields: Any
    ) -> pv.VimeoConnection:
        sent.append(fields)
        return await update(self, connection_id, **fields)

    monkeypatch.setattr(pv.AsyncVimeoConnections, "update", spy)
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", "new-secret")
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "new-token")
    done = run("connections", "update", made.connection_id, "--rotate-secrets")
    assert done.returncode == 0, done.stderr
    assert sent[-1]["client_secret"] == "new-secret"
    assert sent[-1]["access_token"] == "new-token"
    assert _get(run, made.connection_id)["version"] == 2


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ([], "nothing to change"),
        (["--enable", "--disable"], "not allowed with"),
        (["--name", "x", "--secrets-stdin"], "--rotate-secrets"),
    ],
)
def test_update_usage_errors_exit_2(run: Run, flags: list[str], says: str) -> None:
    """An update that cannot mean anything is refused as a usage error."""
    done = run("connections", "update", "20251222155613307xv0nodhitf9cd0f", *flags)
    assert done.returncode == 2
    assert says in done.stderr


def test_delete_with_yes_deletes(run: Run, create: Create) -> None:
    """--yes deletes without asking and names what went."""
    made = create("Doomed")
    done = run("connections", "delete", made.connection_id, "--yes")
    assert done.returncode == 0
    assert "Doomed" in done.stdout
    assert run("connections", "get", made.connection_id).returncode == 1


def test_delete_refuses_without_a_terminal_or_yes(
    run: Run, create: Create, cli_served: emulator.RunningEmulator
) -> None:
    """No terminal to ask on and no --yes: exit 2, say --yes, send nothing."""
    made = create("Kept")
    before = cli_served.emulator.stats()["requests"]
    done = run("connections", "delete", made.connection_id)
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert cli_served.emulator.stats()["requests"] == before
    assert run("connections", "get", made.connection_id).returncode == 0


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("yes\n", True), ("n\n", False)])
def test_delete_asks_on_a_terminal(
    run: Run, create: Create, answer: str, deleted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal it shows the name, asks, and deletes only on yes."""
    made = create("Asked")
    monkeypatch.setattr("builtins.input", lambda: answer.strip())
    done = run("connections", "delete", made.connection_id, tty=True)
    assert "Asked" in done.stderr
    assert "[y/N]" in done.stderr
    assert done.returncode == (0 if deleted else 1)
    assert run("connections", "get", made.connection_id).returncode == (1 if deleted else 0)


def test_delete_at_end_of_input_on_a_terminal_deletes_nothing(run: Run, create: Create) -> None:
    """End of input at the prompt counts as no."""
    made = create("Eof")
    done = run("connections", "delete", made.connection_id, tty=True, stdin="")
    assert done.returncode == 1
    assert "not deleted" in done.stderr
    assert run("connections", "get", made.connection_id).returncode == 0


def test_delete_of_a_missing_connection_is_not_an_error(run: Run) -> None:
    """Deleting what is not there succeeds, as the API does, and says nothing was there."""
    done = run("connections", "delete", "20251222155613307xv0nodhitf9cd0f", "--yes")
    assert done.returncode == 0
    assert "nothing to delete" in done.stderr


def test_delete_against_a_wrong_base_url_is_an_error(run: Run, create: Create) -> None:
    """A server that answers 404 for the route too must not pass for 'already gone'."""
    made = create("Kept")
    good = run("connections", "get", made.connection_id).args[1]
    done = run("connections", "delete", made.connection_id, "--yes", base_url=f"{good}/not-api")
    assert done.returncode == 1
    assert "nothing to delete" not in done.stderr
    assert run("connections", "get", made.connection_id).returncode == 0


def test_control_characters_from_the_server_are_escaped(run: Run, create: Create) -> None:
    """A description carrying a newline or an escape sequence cannot drive the terminal."""
    made = create("Tricky", "--description", "line1\nline2\x1b[2J")
    shown = run("connections", "get", made.connection_id)
    assert shown.returncode == 0
    assert "\x1b" not in shown.stdout
    assert "line1\\nline2\\x1b[2J" in shown.stdout
    as_json = run("connections", "get", made.connection_id, "--json")
    assert json.loads(as_json.stdout)["description"] == "line1\nline2\x1b[2J"


def test_global_options_may_follow_the_command(run: Run, create: Create) -> None:
    """``connections list --base-url URL`` works like ``--base-url URL connections list``."""
    made = create("Anywhere")
    url = run("connections", "get", made.connection_id).args[1]
    after = run("connections", "list", "--json", "--base-url", url, "--timeout", "5", base_url="")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["name"] == "Anywhere"
    # An option given before the command is not reset by the command's own parser.
    before = run("--base-url", url, "connections", "list", "--max-retries", "0", base_url="")
    assert before.returncode == 0, before.stderr
    assert "Anywhere" in before.stdout
