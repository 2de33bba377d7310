"""The weights area: blueprint ``weights``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
