"""Things found by name (OCR engines, backends, benchmarks, metrics, prompt profiles): one
registry type for all of them.

A :class:`Registry` is a mapping of names to entries. An entry may be given lazily as
``"package.module:attribute"``: the module is imported when the name is first looked up,
so a registry can list what it offers without importing heavy or optional dependencies.
An unknown name raises the registry's error class in one line that lists the known names
and suggests the closest one.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar, overload

from ocrvqa.errors import OcrvqaError

T = TypeVar("T")
_MISSING: Any = object()


class UnknownNameError(OcrvqaError, KeyError):
    """A name no registry entry has. A ``KeyError`` too, so dictionary-style callers keep
    working; its text is the message itself (``KeyError`` would show it quoted)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def import_target(target: str) -> Any:
    """The attribute ``"package.module:attribute"`` names, its module imported; raises
    ``ImportError`` or ``AttributeError`` as the import does."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class _Lazy:
    """An entry still to be imported: ``"module:attribute"``."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        if ":" not in target:
            raise ValueError(f"a lazy registry entry is 'module:attribute', got {target!r}")
        self.target = target

    def load(self) -> object:
        return import_target(self.target)


class Registry(MutableMapping[str, T], Generic[T]):
    """Entries of one kind by name, in registration order.

    ``kind`` names the kind in messages (``"OCR engine"``); ``error`` is the exception an
    unknown name raises (any class taking one message); ``known_label`` introduces the
    list of known names in that message. ``lazy`` maps names to ``"module:attribute"``
    entries imported on first use; a module may register its entry itself on import,
    which then takes the lazy one's place. ``normalize`` turns a name as asked for into
    the name it is registered under (lower-casing, say).
    """

    def __init__(
        self,
        kind: str,
        *,
        error: Callable[[str], Exception] = UnknownNameError,
        known_label: str = "known",
        lazy: Mapping[str, str] | None = None,
        normalize: Callable[[str], str] | None = None,
    ) -> None:
        self.kind = kind
        self.error = error
        self.known_label = known_label
        self.normalize = normalize
        self._entries: dict[str, T | _Lazy] = {name: _Lazy(t) for name, t in (lazy or {}).items()}

    # --- registering ---------------------------------------------------------------------

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...
    @overload
    def register(self, name: str, entry: T) -> T: ...
    def register(self, name: str, entry: Any = _MISSING) -> Any:
        """Add ``entry`` under ``name`` (replacing one there) and return it; without an
        entry, a decorator that registers what it decorates."""
        if entry is _MISSING:

            def decorate(obj: T) -> T:
                self._entries[name] = obj
                return obj

            return decorate
        self._entries[name] = entry
        return entry

    def register_lazy(self, name: str, target: str) -> None:
        """Add ``"module:attribute"`` under ``name``, imported when first looked up."""
        self._entries[name] = _Lazy(target)

    # --- looking up ----------------------------------------------------------------------

    def get(self, name: str, default: Any = _MISSING, /) -> T:
        """The entry called ``name`` (imported first if lazy). Unknown: ``default`` when one
        is given, else the registry's error naming the known names and the closest one."""
        key = self.key(name)
        if key not in self._entries:
            if default is not _MISSING:
                return default
            raise self.error(self.unknown_message(name))
        return self._load(key)

    def key(self, name: str) -> str:
        """The name ``name`` is registered under (``normalize`` applied)."""
        return self.normalize(name) if self.normalize is not None else name

    def unknown_message(self, name: str) -> str:
        """``unknown {kind} 'name'; {known_label}: a, b, c``, then a suggestion if one is close."""
        names = self.names()
        close = difflib.get_close_matches(self.key(name), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}; {self.known_label}: {', '.join(names)}{hint}"

    def names(self) -> list[str]:
        """Every registered name, lazy ones included, sorted."""
        return sorted(self._entries)

    def is_loaded(self, name: str) -> bool:
        """Whether ``name`` is registered and already imported."""
        key = self.key(name)
        return key in self._entries and not isinstance(self._entries[key], _Lazy)

    def _load(self, key: str) -> T:
        entry = self._entries[key]
        if isinstance(entry, _Lazy):
            loaded = entry.load()
            # importing may have registered the entry itself: that one stands
            current = self._entries[key]
            self._entries[key] = loaded if isinstance(current, _Lazy) else current  # type: ignore[assignment]
        return self._entries[key]  # type: ignore[return-value]

    # --- the mapping ---------------------------------------------------------------------

    def __getitem__(self, name: str) -> T:
        # the mapping protocol (``pop``, ``setdefault``) expects a KeyError whatever ``error`` is
        key = self.key(name)
        if key not in self._entries:
            raise UnknownNameError(self.unknown_message(name))
        return self._load(key)

    def __setitem__(self, name: str, entry: T) -> None:
        self._entries[name] = entry

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.key(name) in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"


__all__ = ["Registry", "UnknownNameError", "import_target"]
