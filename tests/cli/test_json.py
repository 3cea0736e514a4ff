"""``--json``: results with the same keys whatever the command, and errors as one JSON object."""

from __future__ import annotations

import json

import pytest

from tests._support import CONNECTION_KEYS
from tests.cli._support import Run

ERROR_KEYS = ["type", "status", "code", "message", "requestId"]
MISSING = "20250101000000000aaaaaaaaaaaaaaa"


def _objects(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_create_get_update_and_list_print_the_same_keys(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create answer lacks type and dates, yet the keys are those of get, list and update."""
    monkeypatch.setenv("PICTORY_VIMEO_CLIENT_SECRET", "json-secret")
    monkeypatch.setenv("PICTORY_VIMEO_ACCESS_TOKEN", "json-token")
    created = run("connections", "create", "--name", "Same Keys", "--client-id", "c", "--json")
    made = _objects(created.stdout)[0]["connectionId"]
    assert isinstance(made, str)
    printed = {
        "create": _objects(created.stdout),
        "get": _objects(run("connections", "get", made, "--json").stdout),
        "update": _objects(run("connections", "update", made, "--disable", "--json").stdout),
        "list": _objects(run("connections", "list", "--json").stdout),
    }
    for command, objects in printed.items():
        assert objects, command
        assert all(tuple(o) == CONNECTION_KEYS for o in objects), command
    assert printed["create"][0]["createdDate"] is None
    assert printed["get"][0]["type"] == "VIMEO"


@pytest.mark.parametrize(
    ("argv", "kind", "status", "exit_code"),
    [
        (("connections", "get", MISSING, "--json"), "NotFoundError", 404, 1),
        (("connections", "get", "..", "--json"), "ValidationError", None, 2),
        (("connections", "update", MISSING, "--json"), "UsageError", None, 2),
    ],
    ids=["not-found", "invalid-id", "nothing-to-change"],
)
def test_errors_with_json_are_one_json_object_on_stderr(
    run: Run, argv: tuple[str, ...], kind: str, status: int | None, exit_code: int
) -> None:
    """Each failure is one JSON object with the same five keys; stdout stays empty."""
    done = run(*argv)
    assert done.returncode == exit_code
    assert done.stdout == ""
    (only,) = _objects(done.stderr)
    error = only["error"]
    assert isinstance(error, dict)
    assert list(error) == ERROR_KEYS
    assert (error["type"], error["status"]) == (kind, status)
    assert isinstance(error["message"], str)
    assert error["message"]
    if status == 404:
        assert error["code"] == "NOT_FOUND"
        assert error["requestId"]
        assert MISSING in error["message"]


def test_without_json_errors_stay_a_readable_line(run: Run) -> None:
    """The default stays one human line starting with ``error:``."""
    done = run("connections", "get", MISSING)
    assert done.returncode == 1
    assert done.stderr.startswith("error: 404 Not Found")


def test_plain_http_off_loopback_needs_the_flag(run: Run) -> None:
    """A plain-http base URL off loopback is refused, naming --allow-insecure-http."""
    done = run("connections", "list", "--base-url", "http://api.pictory.invalid", "--json")
    assert done.returncode == 2
    (only,) = _objects(done.stderr)
    error = only["error"]
    assert isinstance(error, dict)
    assert error["type"] == "ValidationError"
    assert "--allow-insecure-http" in str(error["message"])
