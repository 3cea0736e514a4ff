"""What the tests of this folder share besides fixtures (those are in its conftest):
constants, helpers and types, imported from here rather than from a conftest."""

from __future__ import annotations

from tests._support import EMULATOR_SEED

KEY = "pictai_fault_soaks"


#: Seeds the emulator's faults and every test's plan: the same run, request for request
#: as far as scheduling allows.
SEED = EMULATOR_SEED


#: Small pages, so every listing spans many of them.
PAGE_SIZE = 5
