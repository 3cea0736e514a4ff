"""``python -m pictory_vimeo.emulator``: the same as ``pictory-vimeo serve``."""

from __future__ import annotations

import argparse
import sys

from ._serve import add_serve_arguments, run_serve


def main(argv: list[str] | None = None) -> int:
    """Parse the serve flags and run the server until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m pictory_vimeo.emulator",
        description="Serve a local emulator of Pictory's Vimeo Connections API.",
    )
    add_serve_arguments(parser)
    return run_serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
