"""The brochure area: blueprint ``brochure``, its views in ``routes.py``."""

from .routes import bp

__all__ = ["bp"]
