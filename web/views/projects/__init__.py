"""The projects area: blueprint ``projects``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
