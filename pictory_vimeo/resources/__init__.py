"""The API's resources, one module each: the hand-written async one and its generated twin."""
