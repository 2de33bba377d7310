"""The auth area: blueprint ``auth``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
