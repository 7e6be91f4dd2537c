"""A list of values bound as one parameter: `column IN (a list)` with the same SQL text
whatever the list's length.

SQLAlchemy's expanding `IN` writes one parameter per value into the SQL each time a
statement runs. For the supervision tab's pages (a district's hundred members, two months of
dates) that rendering cost more than some of the statements, and on PostgreSQL every new
length is a new statement for the driver to prepare and the server to plan. Here the list is
one value: a JSON array on SQLite, read with `json_each`, and an array on PostgreSQL, read
with `= ANY`. Both use the column's index as an `IN` list does.

    select(Answer).where(one_of(Answer.officer_id, bindparam("ids", type_=INTEGERS)))
    session.execute(statement, {"ids": [3, 5, 8]})
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

ITEMS: dict[str, type[TypeEngine[Any]]] = {"integer": Integer, "date": Date}


class ListOf(TypeDecorator[Sequence[Any]]):
    """A bound list of integers or dates: an array on PostgreSQL, JSON text elsewhere
    (dates as ISO days, as SQLite stores them)."""

    impl = String
    cache_ok = True

    def __init__(self, item: str) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(ITEMS[self.item]()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return list(value)
        return json.dumps([v.isoformat() if isinstance(v, date) else v for v in value])


INTEGERS = ListOf("integer")
DATES = ListOf("date")


class PairList(TypeDecorator[Sequence[tuple[int, int]]]):
    """A bound list of pairs of integers, as JSON text on every database."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Sequence[tuple[int, int]] | None, dialect: Dialect) -> Any:
        return None if value is None else json.dumps([list(pair) for pair in value])


PAIRS = PairList()


class one_of(FunctionElement[bool]):
    """SQL true where `column` is one of a bound list's values (`INTEGERS` or `DATES`)."""

    type = Boolean()
    inherit_cache = True
    name = "one_of"
    _is_implicitly_boolean = True  # a condition itself: never compared with 1 on SQLite


class pair_of(FunctionElement[bool]):
    """SQL true where (`first`, `second`) is one of a bound list's pairs (`PAIRS`)."""

    type = Boolean()
    inherit_cache = True
    name = "pair_of"
    _is_implicitly_boolean = True


@compiles(one_of)
def _json_each(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(one_of, "postgresql")
def _any(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} = ANY({values})"


@compiles(pair_of)
def _json_pairs(element: pair_of, compiler: SQLCompiler, **kw: Any) -> str:
    first, second, pairs = (compiler.process(c, **kw) for c in element.clauses)
    return f"({first}, {second}) IN (SELECT value ->> 0, value ->> 1 FROM json_each({pairs}))"


@compiles(pair_of, "postgresql")
def _jsonb_pairs(element: pair_of, compiler: SQLCompiler, **kw: Any) -> str:
    first, second, pairs = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"({first}, {second}) IN (SELECT (p ->> 0)::integer, (p ->> 1)::integer "
        f"FROM jsonb_array_elements(CAST({pairs} AS JSONB)) AS p)"
    )
