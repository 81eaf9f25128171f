"""The size of a bank, in one place, below everything that needs it (spec, catalog, rules).

A bank spec lists at most MAX_COUNT batteries; a catalog model whose switches would address
more is refused (catalog.py), so the largest bank any model allows is read from the catalog's
own tables and never exceeds what a spec can list.
"""

from __future__ import annotations

MAX_COUNT = 64  # the batteries a bank spec may list (after count expands)
