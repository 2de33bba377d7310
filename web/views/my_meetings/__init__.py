"""The my_meetings area: blueprint ``my_meetings``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
