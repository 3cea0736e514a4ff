"""What ``--help`` says: a description and examples for the command and each subcommand.

Kept apart from the parser's structure so the words can be read (and changed) in one place.
The examples use placeholders (``ID``) where a real connection's id goes: take one from
``pictory-vimeo connections list``.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Final

from .._config import API_KEY_ENV, BASE_URL_ENV
from ._secrets import ACCESS_TOKEN_ENV, CLIENT_SECRET_ENV

__all__ = ["DESCRIPTIONS", "EXAMPLES", "SUMMARIES", "HelpFormatter"]

_ENV: Final = f"${API_KEY_ENV} and ${BASE_URL_ENV}"

#: The one-line summary shown in the parent's list of subcommands.
SUMMARIES: Final = {
    "connections": "list, get, create, update or delete connections",
    "serve": "run the local emulator of the API",
    "demo": "show the SDK at work against a local emulator",
    "list": "list connections (the first page, or --all)",
    "get": "show one connection",
    "create": "create a connection",
    "update": "change some fields of a connection",
    "delete": "delete a connection (asks first)",
}

DESCRIPTIONS: Final = {
    "": (
        "Manage Pictory Vimeo connections, run the local emulator, or the demo. "
        f"The API key and base URL come from {_ENV} (or --api-key, --base-url). "
        "Global options (--json, --base-url, --api-key, --timeout, --max-retries, "
        "--allow-insecure-http, --debug) go before or after the command. "
        "Exit status: 0 success, 1 the API or the network failed, 2 usage or input errors "
        "(a bare 'pictory-vimeo' prints this help and exits 2), 130 interrupted."
    ),
    "connections": (
        "List, read, create, change and delete the Vimeo connections of the account "
        f"whose key is in ${API_KEY_ENV}. With --json, results are JSON objects (one per "
        "line) and errors one JSON object on stderr."
    ),
    "list": (
        "List connections as a table: the first page, or with --all every page, printed as "
        "it arrives. With --json, one JSON object per line."
    ),
    "get": "Show one connection by its id (case-sensitive; see 'connections list').",
    "create": (
        "Create a connection. Its name must be unique in the account. Secrets are never "
        "arguments: the client secret and access token are read from --secrets-stdin (two "
        f"lines), else ${CLIENT_SECRET_ENV} and ${ACCESS_TOKEN_ENV}, else asked for without "
        "echo on a terminal."
    ),
    "update": (
        "Change only the given fields. Without --version the latest version is read and "
        "the change is retried if someone else writes in between; with --version N it "
        "applies only if the connection is still at version N. --rotate-secrets sets a new "
        "client secret and access token, read as for create."
    ),
    "delete": (
        "Delete a connection for good. It asks first on a terminal; consider "
        "'update ID --disable' if it may be needed again. Deleting what is already gone "
        "succeeds."
    ),
    "serve": (
        "Run the local emulator of the API over HTTP (loopback only by default), with "
        "optional injected faults. It prints its URL and the two export lines to paste "
        "into another terminal; Ctrl-C stops it."
    ),
    "demo": (
        "Start the emulator in process on a free loopback port and walk the SDK's whole "
        "story against it: concurrent creates, listing across pages, concurrent "
        "optimistic updates, a stale version refused, injected faults survived, everything "
        "deleted. It exits 0 only if every check passed. Needs nothing configured."
    ),
}

#: Shown after the options, as typed at a shell. ``ID`` is a connection's id.
EXAMPLES: Final = {
    "": """\
examples:
  pictory-vimeo serve                          # the local emulator, in one terminal
  pictory-vimeo connections list               # in another, after its export lines
  pictory-vimeo connections get ID --json
  pictory-vimeo demo
  pictory-vimeo COMMAND --help                 # more on one command""",
    "connections": """\
examples (ID is a connection's id, from 'connections list'):
  pictory-vimeo connections list --all --json
  pictory-vimeo connections get ID
  pictory-vimeo connections create --name Marketing --client-id abc123
  pictory-vimeo connections update ID --disable
  pictory-vimeo connections delete ID --yes""",
    "list": """\
examples:
  pictory-vimeo connections list
  pictory-vimeo connections list --all --json > connections.jsonl""",
    "get": """\
examples (ID is a connection's id, from 'connections list'):
  pictory-vimeo connections get ID
  pictory-vimeo connections get ID --json""",
    "create": f"""\
examples:
  {CLIENT_SECRET_ENV}=… {ACCESS_TOKEN_ENV}=… \\
    pictory-vimeo connections create --name Marketing --client-id abc123
  printf '%s\\n%s\\n' "$SECRET" "$TOKEN" | \\
    pictory-vimeo connections create --name Ads --client-id x --secrets-stdin --json""",
    "update": """\
examples (ID is a connection's id, from 'connections list'):
  pictory-vimeo connections update ID --name "Marketing EU" --enable
  pictory-vimeo connections update ID --clear-description
  pictory-vimeo connections update ID --description "Main" --version 3
  pictory-vimeo connections update ID --rotate-secrets --secrets-stdin < secrets.txt""",
    "delete": """\
examples (ID is a connection's id, from 'connections list'):
  pictory-vimeo connections delete ID          # shows it and asks first
  pictory-vimeo connections delete ID --yes    # in scripts""",
    "serve": """\
examples:
  pictory-vimeo serve                          # in memory, on 127.0.0.1:8080
  pictory-vimeo serve --port 0 --db pictory.sqlite
  pictory-vimeo serve --error-rate 0.2 --drop-after-commit-rate 0.1 --latency-ms 30""",
    "demo": """\
examples:
  pictory-vimeo demo
  pictory-vimeo demo --connections 200 --seed 1
  pictory-vimeo demo --base-url https://api.pictory.ai   # read-only, with $PICTORY_API_KEY""",
}


class HelpFormatter(argparse.HelpFormatter):
    """Wraps the description to the terminal, but prints indented lines (examples) as typed."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """Each unindented line wrapped to ``width``; indented ones kept whole."""
        return "\n".join(
            indent + line
            if not line or line[0].isspace() or line.endswith(":")
            else textwrap.fill(
                line,
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
            for line in text.splitlines()
        )
