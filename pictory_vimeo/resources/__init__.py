"""The API's resources, one module each."""

from .sync_vimeo_connections import SyncVimeoConnections
from .vimeo_connections import AsyncVimeoConnections

__all__ = ["AsyncVimeoConnections", "SyncVimeoConnections"]
