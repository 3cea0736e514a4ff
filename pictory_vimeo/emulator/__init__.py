"""The local Pictory Vimeo Connections API: a faithful, stateful emulator of the five calls.

Needs the ``emulator`` extra (Starlette, uvicorn). ``Emulator`` is the app and its state;
``running()`` serves one over loopback HTTP for the length of an ``async with`` block;
``Emulator.transport()`` serves it in process to an ``httpx.AsyncClient``; ``run_serve``
is the ``pictory-vimeo serve`` command.
"""

from .._names import needs_emulator_extra

with needs_emulator_extra("pictory_vimeo.emulator"):
    from ._app import Emulator
    from ._faults import DropMode, Faults
    from ._http import DROP_KINDS, DropKind
    from ._inspect import fingerprint
    from ._requests import ServedRequest
    from ._serve import add_serve_arguments, run_serve
    from ._server import RunningEmulator, running

__all__ = [
    "DROP_KINDS",
    "DropKind",
    "DropMode",
    "Emulator",
    "Faults",
    "RunningEmulator",
    "ServedRequest",
    "add_serve_arguments",
    "fingerprint",
    "run_serve",
    "running",
]
