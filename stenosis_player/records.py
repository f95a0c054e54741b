"""Frozen records: ``@dataclass(frozen=True)`` as the catalogue and the script use it, with
less to compile when their modules are imported.

A frozen dataclass compiles six methods for each class (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``): measured, 16 ms of CPU for the
30 classes imported before the window's first frame. ``@record`` on a ``Record`` subclass
compiles only ``__init__`` (and the frozen pair); ``__eq__``, ``__hash__`` and ``__repr__``
are the shared ones below. They do what the dataclass's do: the fields compared and hashed
in their order (``compare=False`` ones left out), ``Name(field=value, ...)`` as the repr
(``repr=False`` ones left out), equal only to the same class. ``dataclasses.fields``,
``replace`` and ``asdict`` work on records as on any dataclass. Qt-free.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


class Record:
    """The shared methods of every ``@record`` class (see the module docstring)."""

    __slots__ = ()
    _record_compare: tuple[str, ...] = ()
    _record_repr: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            names = self._record_compare
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self._record_compare))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._record_repr)
        return f"{self.__class__.__qualname__}({shown})"


def record(cls: T) -> T:
    """``@dataclass(frozen=True)`` for a subclass of :class:`Record`."""
    if not issubclass(cls, Record):
        raise TypeError(f"{cls.__name__} must be a Record subclass to be a @record")
    cls = dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
    fields: Any = dataclasses.fields(cls)
    cls._record_compare = tuple(f.name for f in fields if f.compare)
    cls._record_repr = tuple(f.name for f in fields if f.repr)
    return cls
