"""The outbox area: blueprint ``outbox``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
