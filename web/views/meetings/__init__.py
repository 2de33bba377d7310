"""The meetings area: blueprint ``meetings``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
