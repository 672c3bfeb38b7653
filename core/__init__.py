"""The vats kernel: domain models, hooks, plugin manager, storage and the directory.

Plugin authors need only ``from vats.core import hookimpl``.
"""

from vats.core.hookspecs import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
