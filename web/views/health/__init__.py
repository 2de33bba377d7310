"""The health area: blueprint ``health``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
