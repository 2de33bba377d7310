"""The suggestions area: blueprint ``suggestions``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
