"""The events area: blueprint ``events``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
