"""What the tests of this folder share besides fixtures (those are in its conftest): the
types of the fixtures that hand out callables, imported from here rather than from a conftest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pictory_vimeo as pv

#: ``await new_connection(name, owner=<main account>, **fields)``, as the fixture gives it.
NewConnection = Callable[..., Awaitable[pv.VimeoConnection]]
#: ``watched_client(**options)``, as the fixture gives it.
WatchedClient = Callable[..., pv.AsyncPictoryClient]
