"""The main area: blueprint ``main``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
