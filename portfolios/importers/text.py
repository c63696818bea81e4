"""An uploaded file as text the importers can read: decoded as UTF-8 (with or without a byte-order mark),
every line ending (CRLF, LF, a lone CR) made a newline, and refused with the line it happens on when it
holds what no ledger file does: bytes that are not UTF-8, NUL characters, or a value too long for a CSV cell.

Line numbers stay the ones the user sees: CRLF and a lone CR each end one line, as in any editor.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from .common import LineError

# The csv module's own limit on one cell; nothing in a ledger comes near it, so a longer cell is almost
# always a quote left open that swallowed the rest of the file.
MAX_CELL = csv.field_size_limit()
_LINE_ENDS = re.compile(r"\r\n?")
_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
SAVE_AS = "save it as CSV UTF-8 (in Excel: Save As, then 'CSV UTF-8 (Comma delimited)')"


class UnreadableFile(Exception):
    """The file cannot be read as CSV text; `errors` say where and why."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def decoded(raw: bytes) -> str:
    """The bytes of an upload as normalised text (see `normalized`), or UnreadableFile naming the first
    line that is not UTF-8 text."""
    if raw.startswith(_UTF16):
        problem = f"the file is UTF-16 or UTF-32 text, not UTF-8; {SAVE_AS}."
        raise UnreadableFile([LineError(1, "file", problem)])
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        bad = raw[exc.start : exc.start + 1].hex().upper()
        problem = f"byte 0x{bad} is not UTF-8 text; {SAVE_AS}."
        raise UnreadableFile([LineError(line, "file", problem)]) from None
    return checked(text)


def normalized(text: str) -> str:
    """The text without a byte-order mark and with every line ending a single newline."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = _LINE_ENDS.sub("\n", text)
    return text


def checked(text: str) -> str:
    """Normalised text, or UnreadableFile naming the lines that no CSV reader should be given."""
    text = normalized(text)
    errors = text_errors(text)
    if errors:
        raise UnreadableFile(errors)
    return text


def text_errors(text: str, *, limit: int = 10) -> list[LineError]:
    """Where normalised text holds NUL characters or unpaired surrogates, or a CSV cell longer than
    MAX_CELL characters (at most `limit` problems)."""
    errors: list[LineError] = []
    line, counted = 1, 0
    for found in _NOT_TEXT.finditer(text):
        line += text.count("\n", counted, found.start())
        counted = found.start()
        if errors and errors[-1].line == line:
            continue
        what = "a NUL character" if found.group() == "\x00" else "a character that is not valid text"
        errors.append(LineError(line, "file", f"contains {what}; this is not a text CSV file."))
        if len(errors) >= limit:
            return errors
    if len(text) > MAX_CELL:
        broken = _long_cell(text)
        if broken is not None:
            errors.append(broken)
    return errors


def _long_cell(text: str) -> LineError | None:
    """The record holding a cell longer than the CSV reader takes, by the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for _cells in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" not in str(exc):
            return LineError(start, "row", f"not readable as CSV: {exc}.")
        problem = (
            f"a value longer than {MAX_CELL:,} characters starts on this line; "
            'check for a quote (") that is opened and never closed.'
        )
        return LineError(start, "row", problem)
    return None
