"""The accounts area: blueprint ``account``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
