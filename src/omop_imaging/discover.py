"""Walk input paths and yield every regular file below them, once, without following links."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator


def iter_files(paths: Iterable[str]) -> Iterator[str]:
    """Yield absolute file paths below `paths` in a stable (sorted) order.

    Directory links are not followed, so a symlink loop cannot trap the walk; a symlink to a
    file is yielded like a file (the reader then reports it if it is dangling). A path given
    twice, or inside another given folder, is walked once. A directory that cannot be listed is
    skipped: the walk must never stop the harvest.
    """
    for root in _distinct_roots(paths):
        if os.path.isdir(root) and not os.path.islink(root):
            yield from _walk(root)
        else:
            yield root


def _distinct_roots(paths: Iterable[str]) -> list[str]:
    """The given paths, absolute, sorted, once, leaving out those inside another given path
    (a look-up per parent folder, not a comparison with every other path)."""
    given = {os.path.abspath(path) for path in paths}
    return sorted(root for root in given if not _has_ancestor_in(root, given))


def _has_ancestor_in(path: str, folders: set[str]) -> bool:
    parent = os.path.dirname(path)
    while parent != path:
        if parent in folders:
            return True
        path, parent = parent, os.path.dirname(parent)
    return False


def _walk(directory: str) -> Iterator[str]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(entry.path)
        else:
            yield entry.path
