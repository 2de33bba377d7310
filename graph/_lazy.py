"""Names of a package that load on first use: a module ``__getattr__`` and ``__dir__`` (PEP 562).

``import graph`` or ``import matching`` then loads none of the heavy libraries (NetworkX, SciPy,
scikit-learn); a name brings in the module that defines it, and is kept in the package afterwards.
Type checkers see the package's real imports under ``if TYPE_CHECKING`` instead, so a misspelt
name still fails there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose name -> submodule ``table`` is read lazily.

    ``namespace`` is the package's ``globals()``; a loaded name is stored there, so the next use is a
    plain attribute. ``__dir__`` lists what is loaded and the package's ``__all__``.
    """

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
