"""The desk area: blueprint ``desk``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
