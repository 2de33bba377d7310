"""The directory area: blueprint ``directory``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
