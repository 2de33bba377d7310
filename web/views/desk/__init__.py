"""The desk area: blueprint ``desk``, its views in ``routes.py``, its forms in ``forms.py``."""

from .routes import bp

__all__ = ["bp"]
