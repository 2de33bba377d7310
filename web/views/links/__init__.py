"""The links area: blueprint ``links``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
