"""Tables of results printed as aligned text: one row per run, one column per measure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence


@dataclass(frozen=True)
class Column:
    """A table column: its ``header``, the row's ``value`` (a key, or a function of the row) and a format such
    as ``"{:.1%}"``; a missing value (None) prints as a dash."""

    header: str
    value: str | Callable[[Mapping], object]
    fmt: str = "{}"

    def cell(self, row: Mapping) -> str:
        value = self.value(row) if callable(self.value) else row[self.value]
        return "–" if value is None else self.fmt.format(value)


def format_table(rows: Sequence[Mapping], columns: Sequence[Column]) -> str:
    """The rows as text under a header line, two spaces between columns: the first left-aligned, the others
    right-aligned."""
    if not columns:
        raise ValueError("expected at least one column, got none")
    cells = [[c.cell(row) for c in columns] for row in rows]
    widths = [max([len(c.header)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    header = line([c.header for c in columns])
    return "\n".join([header, "-" * len(header), *map(line, cells)])


def show_table(rows: Sequence[Mapping], columns: Sequence[Column], title: str | None = None,
               note: str | None = None) -> None:
    """Print ``format_table(rows, columns)``, with an optional title above and a note below."""
    print("\n".join(([title] if title else []) + [format_table(rows, columns)] + (["", note] if note else [])))


def add_row(table: list[dict], row: dict, position: int | None = None) -> None:
    """Put ``row`` in ``table``: in place of the row with the same "model", so re-running a cell never adds a
    duplicate; otherwise at ``position`` (default: the end)."""
    if "model" not in row:
        raise ValueError(f"expected a row with a 'model' key, got keys {sorted(row)}")
    for index, existing in enumerate(table):
        if existing.get("model") == row["model"]:
            table[index] = row
            return
    table.insert(len(table) if position is None else position, row)
