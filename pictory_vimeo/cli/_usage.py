"""Usage errors: argparse's, raised rather than printed, so ``--json`` can shape them.

argparse prints a usage error and exits on the spot, as plain text, quoting what it did
not understand. The command instead raises :class:`ArgvError`, names the options it did
not recognise without their values (which may be secrets), suggests the nearest known
command or option, and prints the problem as text or, under ``--json``, as JSON.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final, NoReturn

from .._names import KEY_PREFIX

__all__ = [
    "Parser",
    "ArgvError",
    "chosen_parsers",
    "closest",
    "describe_unrecognized",
    "option_strings",
    "wants_json",
]

#: An option's name as typed (``--json``, ``-y``); anything else is shown only as counted.
_OPTION_NAME: Final = re.compile(r"--[A-Za-z][A-Za-z0-9-]{0,39}|-[A-Za-z]")
#: A word that may be shown back (a mistyped command), unlike what may be a pasted secret.
_SHOWABLE_WORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,29}")


class ArgvError(Exception):
    """The command line cannot be run as given (exit status 2).

    Attributes:
        message: What is wrong, never quoting a value that may be a secret.
        usage: The usage line of the (sub)command concerned.
        help: The whole help of that (sub)command, when no command was given at all.
    """

    def __init__(self, message: str, usage: str, help_text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.help = help_text


def closest(word: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` that ``word`` is most likely a typo of, if any is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises :class:`ArgvError` instead of exiting.

    Subcommands' parsers are of this class too (argparse makes them of its parent's class),
    and no option may be abbreviated (``--desc`` is not silently ``--description``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Raise the problem, with this parser's usage line, instead of printing it."""
        raise ArgvError(message, self.format_usage())

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """An unknown command or choice: name the closest known one."""
        choices = action.choices
        if choices is None or value in choices:
            return
        known = [str(choice) for choice in choices]
        what = "command" if isinstance(action, argparse._SubParsersAction) else "choice"
        shown = str(value)
        if _SHOWABLE_WORD.fullmatch(shown) and not shown.startswith(KEY_PREFIX):
            match = closest(shown, known)
            hint = f" — did you mean {match!r}?" if match else ""
            head = f"unknown {what} {shown!r}{hint}"
        else:
            head = f"unknown {what} (not shown)"
        name = argparse._get_action_name(action)
        where = f"argument {name}: " if name else ""
        self.error(f"{where}{head} (choose from {', '.join(known)})")


def chosen_parsers(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Any]:
    """The parser, then the subcommand parsers that ``args`` went through, outermost first."""
    chain: list[Any] = [parser]
    while True:
        sub = next(
            (a for a in chain[-1]._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        chosen = getattr(args, sub.dest, None) if sub is not None else None
        if sub is None or chosen not in sub.choices:
            return chain
        chain.append(sub.choices[chosen])


def describe_unrecognized(extras: Sequence[str], known_options: Iterable[str]) -> str:
    """Which arguments were not recognised, naming options but never showing a value.

    ``--name=value`` is named ``--name``; ``-xVALUE`` is named ``-x``; a word that is not an
    option (maybe a value, maybe a pasted secret) is only counted.
    """
    known = sorted(set(known_options))
    named: list[str] = []
    others = 0
    for token in extras:
        option = _OPTION_NAME.match(token.split("=", 1)[0]) if token.startswith("-") else None
        if option is None:
            others += 1
            continue
        flag = option.group()
        if flag not in named and not flag.startswith("--" + KEY_PREFIX):
            named.append(flag)
    parts: list[str] = []
    for flag in named:
        match = closest(flag, known)
        parts.append(f"{flag} (did you mean {match}?)" if match else flag)
    if others:
        parts.append(f"{others} other argument{'s' * (others != 1)}")
    return f"unrecognized arguments: {', '.join(parts)} (values are never shown)"


def wants_json(argv: Sequence[str]) -> bool:
    """Whether ``--json`` was given anywhere (before a ``--``), so errors must be JSON."""
    for word in argv:
        if word == "--":
            return False
        if word == "--json":
            return True
    return False


def option_strings(parsers: Iterable[argparse.ArgumentParser]) -> list[str]:
    """Every long option these parsers take, for suggestions."""
    return [
        option
        for parser in parsers
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--")
    ]
