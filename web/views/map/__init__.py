"""The map area: blueprint ``map``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
