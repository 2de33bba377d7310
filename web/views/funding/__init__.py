"""The funding area: blueprint ``funding``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
