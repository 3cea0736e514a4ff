"""PictoryClient: the async client run in an event loop of its own (see ``_client``)."""
