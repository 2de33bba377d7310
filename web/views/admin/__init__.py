"""The admin area: blueprint ``admin``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
