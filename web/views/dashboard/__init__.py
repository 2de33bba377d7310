"""The dashboard area: blueprint ``dashboard``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
