"""The workshops area: blueprint ``workshops``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
