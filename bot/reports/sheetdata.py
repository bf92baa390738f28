"""A fast path for the long tables: their rows written straight as worksheet XML.

openpyxl serialises every cell through an incremental ElementTree writer, which costs about
15 µs a cell here: a year of a 10,000-person workspace (over a million cells in the Groups
sheet alone) would take most of a minute. Tables without links (Members, Rounds, Groups) are
written instead as `<row>` elements by `SheetRows` into a temporary file, with exactly the
cell forms openpyxl itself writes (inline strings, numbers, dates as serial numbers with
openpyxl's own style ids), and `splice_rows` puts them into the finished workbook's
`<sheetData>` after openpyxl has saved it. Everything else in the file (styles, charts,
tables, filters, frozen panes) is openpyxl's.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from bot.reports.cells import clean_text, needs_text_guard

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CLOSE_SHEET_DATA = b"</sheetData>"
BUFFER_ROWS = 500


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SheetRows:
    """Rows 2.. of one table, as worksheet XML in a temporary file.

    `styles` maps a column kind ("date", "datetime", "percent", "guarded") to the style id
    openpyxl gave a cell of that kind in the same workbook.
    """

    def __init__(self, kinds: Sequence[str], styles: dict[str, int], directory: str) -> None:
        if "link" in kinds:
            raise ValueError("links need openpyxl's hyperlink relationships")
        self.kinds = list(kinds)
        self.letters = [get_column_letter(i) for i in range(1, len(kinds) + 1)]
        self.styles = styles
        fd, name = tempfile.mkstemp(prefix="rows-", suffix=".xml", dir=directory)
        self.path = Path(name)
        self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._buffer: list[str] = []
        self.row = 1  # the header is openpyxl's
        self._cells: list[Callable[[str, Any], str]] = [self._writer(kind) for kind in kinds]

    def _writer(self, kind: str) -> Callable[[str, Any], str]:
        styles = self.styles
        if kind == "text":
            guarded = styles["guarded"]

            def text(ref: str, value: Any) -> str:
                value = clean_text(str(value))
                if not value:
                    return ""
                style = f' s="{guarded}"' if needs_text_guard(value) else ""
                space = ' xml:space="preserve"' if value != value.strip() else ""
                return (
                    f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>'
                    f"{xml_text(value)}</t></is></c>"
                )

            return text
        if kind in ("int", "float"):
            return lambda ref, value: f'<c r="{ref}"><v>{value!r}</v></c>'
        style = styles[kind]
        if kind == "percent":
            return lambda ref, value: f'<c r="{ref}" s="{style}"><v>{float(value)!r}</v></c>'

        def when(ref: str, value: Any) -> str:
            if isinstance(value, dt.datetime):
                if value.tzinfo is not None:
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)
                if kind == "date":
                    value = value.date()
            return f'<c r="{ref}" s="{style}"><v>{to_excel(value)!r}</v></c>'

        return when

    def append(self, values: Sequence[Any]) -> None:
        self.row += 1
        row = str(self.row)
        parts = [f'<row r="{row}">']
        for letter, write, value in zip(self.letters, self._cells, values, strict=True):
            if value is None or value == "":
                continue
            parts.append(write(letter + row, value))
        parts.append("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= BUFFER_ROWS:
            self._flush()

    def _flush(self) -> None:
        self._file.write("".join(self._buffer))
        self._buffer.clear()

    def close(self) -> None:
        if not self._file.closed:
            self._flush()
            self._file.close()


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its part name in the package (from workbook.xml and its rels)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship")
    }
    parts = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{REL_NS}}}id")]
        if target.startswith("/"):
            name = target[1:]
        else:
            name = str(PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = name
    return parts


def splice_rows(path: Path, rows: dict[str, Path]) -> None:
    """Insert each sheet's row file before its `</sheetData>` in the workbook at `path`."""
    partial = path.with_name(path.name + ".splice")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as target,
    ):
        parts = {part: rows[title] for title, part in sheet_parts(source).items() if title in rows}
        for info in source.infolist():
            row_file = parts.get(info.filename)
            if row_file is None:
                target.writestr(info, source.read(info.filename))
                continue
            xml = source.read(info.filename)
            cut = xml.rindex(CLOSE_SHEET_DATA)
            big = row_file.stat().st_size > 2**30
            with target.open(info.filename, "w", force_zip64=big) as out:
                out.write(xml[:cut])
                with row_file.open("rb") as data:
                    shutil.copyfileobj(data, out, 1 << 20)
                out.write(xml[cut:])
    os.replace(partial, path)
