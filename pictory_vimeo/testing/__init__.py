"""Testing helpers for code that uses the SDK: the ``pictory_emulator`` pytest fixture.

Installing ``pictory-vimeo[emulator]`` is all it takes: the package registers a pytest
plugin (entry point ``pytest11``) whose fixture ``pictory_emulator`` gives each test a fresh
emulator served in process, as a :class:`PictoryEmulator`. The class works without pytest
too: ``with PictoryEmulator() as emu: ...``. Importing this module needs no extra; making
an emulator does.
"""

from ._emulator import ClientOptions, PictoryEmulator, SyncClientOptions

__all__ = ["ClientOptions", "PictoryEmulator", "SyncClientOptions"]

# As in the package itself: public names report the public module.
for _cls in (ClientOptions, PictoryEmulator, SyncClientOptions):
    _cls.__module__ = __name__
del _cls
