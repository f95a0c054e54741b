"""``@record`` classes behave as ``@dataclass(frozen=True)`` ones do (they compile fewer
methods at import): compared, hashed, shown, copied and frozen alike."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from stenosis_player.catalog import Catalog, Dose, Quantity, load_catalog
from stenosis_player.records import Record, record
from stenosis_player.script import Segment, build_script


@record
class Point(Record):
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class DataPoint:  # the same fields as a real frozen dataclass
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


def both(*args, **kwargs):
    return Point(*args, **kwargs), DataPoint(*args, **kwargs)


def test_equality_hash_and_repr_are_the_dataclass_ones():
    cases = [((1,), {}), ((1, 2), {"tags": ("a",)}), ((1,), {"note": "n", "secret": "s"})]
    for args, kwargs in cases:
        ours, theirs = both(*args, **kwargs)
        assert repr(ours).replace("Point", "DataPoint", 1) == repr(theirs)
        for other_args, other_kwargs in cases:
            o2, t2 = both(*other_args, **other_kwargs)
            assert (ours == o2) == (theirs == t2)
            assert (hash(ours) == hash(o2)) == (hash(theirs) == hash(t2))
    assert Point(1, note="a") == Point(1, note="b")  # compare=False is left out
    assert hash(Point(1, note="a")) == hash(Point(1, note="b"))
    assert Point(1) != DataPoint(1) and Point(1) != (1, 0, ())  # only the same class
    assert "secret" not in repr(Point(1, secret="s"))


def test_frozen_and_a_dataclass_to_the_standard_library():
    p = Point(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.y
    assert dataclasses.is_dataclass(p)
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags", "note", "secret"]
    assert dataclasses.replace(p, y=5) == Point(1, 5)
    assert dataclasses.asdict(p) == {"x": 1, "y": 2, "tags": (), "note": "", "secret": ""}
    assert copy.deepcopy(p) == p and pickle.loads(pickle.dumps(p)) == p
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]  # x is required, as in the dataclass


def test_a_plain_class_is_refused():
    with pytest.raises(TypeError, match="Record"):

        @record
        class Loose:
            x: int


def test_the_catalogue_and_the_script_are_records_and_stay_equal_across_loads(catalog):
    again = load_catalog(catalog.path)
    assert isinstance(catalog, Record) and again == catalog
    assert isinstance(Dose("none"), Record) and Dose("none").sets == Quantity(1, app_default=True)
    one, two = (build_script(c, c.default_program) for c in (catalog, again))
    assert one == two and hash(one.segments[0]) == hash(two.segments[0])
    assert isinstance(one.segments[0], Segment)
    assert dataclasses.replace(catalog, schema_pending=True) == catalog  # compare=False
    assert isinstance(dataclasses.replace(catalog, schema_pending=True), Catalog)
