"""The audit area: blueprint ``audit``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
