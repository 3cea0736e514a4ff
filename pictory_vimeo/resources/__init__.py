"""The API's resources, one module each."""

from .vimeo_connections import AsyncVimeoConnections

__all__ = ["AsyncVimeoConnections"]
