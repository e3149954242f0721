"""Reading .properties exactly as java.util.Properties.load(InputStream) does (JDK 9 and later).

RocketMQ's startup classes load their -c file that way, so this is what a broker really gets:
- the bytes are ISO-8859-1, one char each: UTF-8 Chinese comments are harmless mojibake;
- only \\n, \\r and \\r\\n end a line (form feed, VT, 0x1c-0x1e and 0x85 are ordinary chars);
- a line is a comment when #/! is its first non-blank char at the start of a logical line,
  including right after a line holding only a backslash (that backslash joins nothing);
- an odd number of trailing backslashes joins the next line, without its leading blanks;
- `\\u` must be followed by four hex digits, or the whole file is refused: IllegalArgumentException
  "Malformed \\uxxxx encoding.", the broker does not start. Comments are never unescaped.
- trailing whitespace in a value is kept, as Java keeps it: that is how `listenPort=10911 `
  silently turns into the default port.

tests/test_propfile_jvm.py compares this module with the real JDK on thousands of generated files.
"""

from __future__ import annotations

import bisect
import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from typing import NamedTuple

MALFORMED_U = "Malformed \\uxxxx encoding."
_BREAK = re.compile(r"\r\n|\r|\n")
_BLANKS = " \t\f"
# Whole lines that join nothing and hold no \\u, one match per physical line (line break included):
# (first char, key, value) as written for an entry, three empty strings for a blank or comment
# line. The key ends at the first unescaped '=', ':' or blank; then come blanks and one '=' or
# ':', or just blanks. Lines like these are read in bulk, without Python code per line.
_BULK_LINES = re.compile(
    r"[ \t\f]*(?:(?=([^ \t\f#!\r\n]))((?:[^\\=: \t\f\r\n]+|\\[^\r\n])*)(?:[ \t\f]*[=:]|[ \t\f]*)"
    r"[ \t\f]*([^\r\n]*)|[^\r\n]*)(?:\r\n|\r|\n)"
)
# What the bulk reader leaves to the line-by-line one: a \\u (it may be malformed) or a line that
# ends in an odd number of backslashes (it joins the next line). Starting with a literal
# backslash lets re skip ahead fast; the parity of a run at the end of a line is checked after.
_MAYBE_CARE = re.compile(r"\\(?:u|\\*(?=[\r\n]|\Z))")
_SEPARATOR_CHAR = "\uffff"  # cannot come out of a file without \\u escapes
_GAP = re.compile(r"[ \t\f]*")
# The first '=', ':' or blank after an even number of backslashes ends the key.
_SEPARATOR = re.compile(r"(?<!\\)(?:\\\\)*[=: \t\f]")
_ESCAPED_CHAR = re.compile(r"\\(.)", re.S)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.S)
_CONTROL = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


class Entry(NamedTuple):
    key: str
    value: str
    line: int  # the physical line the logical line starts on


_new_entry = partial(tuple.__new__, Entry)  # builds entries at C speed from (key, value, line)


@dataclass(frozen=True)
class Refusal:
    """Why Java refuses the whole file (Properties.load throws), where, and that line as written."""

    reason: str
    line: int
    text: str


@dataclass(frozen=True)
class Loaded:
    """Every entry in file order (a malformed \\u read leniently as 'u'), and Java's refusal if any.

    Java stops at the refusal; the entries after it are kept so other rules can still judge what
    the author meant.
    """

    entries: tuple[Entry, ...]
    refusal: Refusal | None


@dataclass
class _Logical:
    """A logical line: the chunks of consecutive physical lines, joined, and where each came from."""

    chunks: list[str]  # one per physical line, backslash and leading blanks removed
    first_line: int
    raw: list[str]  # the physical lines as written

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def where(self, offset: int) -> tuple[int, str]:
        """Line number and text of the physical line holding char `offset` of the logical line."""
        starts = list(accumulate(map(len, self.chunks)))
        index = min(bisect.bisect_right(starts, offset), len(self.chunks) - 1)
        return self.first_line + index, self.raw[index]


def load_properties(text: str) -> Loaded:
    with _gc_paused():
        return _load(text)


@contextmanager
def _gc_paused():
    """A big file makes millions of entries, none in a cycle: without this, the cyclic GC rescans
    them again and again while they are made (half the time of a 50 MB file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(text: str) -> Loaded:
    entries: list[Entry] = []
    refusal = None
    pos, number, end = 0, 1, len(text)
    while pos < end:
        at = _needs_care(text, pos)
        stop = end if at < 0 else max(text.rfind("\n", pos, at), text.rfind("\r", pos, at)) + 1
        if stop > pos:
            number = _bulk_lines(text[pos:stop], number, entries)
            pos = stop
        if at < 0:
            break
        logical, pos, number = _joined(text, pos, number)
        if logical is None:
            continue
        entry, bad = _convert(logical)
        entries.append(entry)
        if refusal is None and bad is not None:
            refusal = Refusal(MALFORMED_U, *logical.where(bad))
    return Loaded(tuple(entries), refusal)


def parse_properties(text: str) -> list[Entry]:
    return list(load_properties(text).entries)


def _needs_care(text: str, pos: int) -> int:
    """Where the next \\u or line-joining backslash run is, from `pos`; -1 if there is none."""
    while True:
        found = _MAYBE_CARE.search(text, pos)
        if found is None:
            return -1
        run = found.end() - found.start()
        if text[found.end() - 1] == "u" or run % 2 == 1:
            return found.start()
        pos = found.end()  # an even run at the end of a line: escaped backslashes, no join


def _bulk_lines(segment: str, number: int, entries: list[Entry]) -> int:
    """Entries of whole physical lines that join nothing and hold no \\u; returns the next line's number."""
    if segment[-1] not in "\r\n":
        segment += "\n"  # the file's last line has no line break
    rows = _BULK_LINES.findall(segment)
    found = [(k, v, number + i) for i, (first, k, v) in enumerate(rows) if first]
    if found and "\\" in segment:
        keys, values, lines = zip(*found, strict=True)
        found = zip(_unescape_all(keys), _unescape_all(values), lines, strict=True)
    entries.extend(map(_new_entry, found))
    return number + len(rows)


def _unescape_all(texts: tuple[str, ...]) -> list[str] | tuple[str, ...]:
    joined = _SEPARATOR_CHAR.join(texts)
    if "\\" not in joined:
        return texts
    return _unescape(joined)[0].split(_SEPARATOR_CHAR)


def _joined(text: str, pos: int, number: int) -> tuple[_Logical | None, int, int]:
    """Java's LineReader from a line holding a backslash: one logical line, where and on which line to go on.

    None for a comment, and for a line of only a backslash: Java then starts afresh on the next
    line (a comment there stays a comment) -- except at the very end of the file, where it returns
    an empty line when the backslash or its one-char line break is the last thing (after \\r\\n it
    has already moved on and finds nothing).
    """
    line, brk, pos = _line_at(text, pos)
    body = line.lstrip(_BLANKS)
    if body[:1] in ("#", "!"):
        return None, pos, number + 1
    if not _joins(body):
        return _Logical([body], number, [line]), pos, number + 1
    if len(body) == 1:
        at_end = not brk or (pos == len(text) and brk != "\r\n")
        return (_Logical([""], number, [line]) if at_end else None), pos, number + 1
    raw, chunks = [line], [body[:-1]]
    consumed = 1
    while pos < len(text):
        line, _, pos = _line_at(text, pos)
        consumed += 1
        body = line.lstrip(_BLANKS)
        if not body:
            break  # a blank line ends the join and adds nothing
        raw.append(line)
        joins = body[-1] == "\\" and _joins(body)
        chunks.append(body[:-1] if joins else body)  # at the end of the file Java drops it too
        if not joins:
            break
    return _Logical(chunks, number, raw), pos, number + consumed


def _line_at(text: str, pos: int) -> tuple[str, str, int]:
    """The physical line at `pos`, its line break ('' at the end of the file), and where the next starts."""
    found = _BREAK.search(text, pos)
    if found is None:
        return text[pos:], "", len(text)
    return text[pos : found.start()], found.group(), found.end()


def _joins(body: str) -> bool:
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def _convert(logical: _Logical) -> tuple[Entry, int | None]:
    """The entry Java puts, and the offset of the first malformed \\u in the logical line."""
    text = logical.text
    key_end, value_start = _split(text)
    key, bad_key = _unescape(text[:key_end])
    value, bad_value = _unescape(text[value_start:])
    bad = bad_key if bad_key is not None else (None if bad_value is None else value_start + bad_value)
    return Entry(key, value, logical.first_line), bad


def _split(line: str) -> tuple[int, int]:
    """Where the key ends and the value starts: the first unescaped '=', ':' or blank ends the key.

    After a blank, one '=' or ':' among the blanks still counts as the separator.
    """
    found = _SEPARATOR.search(line)
    if found is None:
        return len(line), len(line)
    key_end = found.end() - 1
    start = _GAP.match(line, key_end + 1).end()
    if line[key_end] in _BLANKS and line[start : start + 1] in ("=", ":"):
        start = _GAP.match(line, start + 1).end()
    return key_end, start


def _unescape(text: str) -> tuple[str, int | None]:
    """Java's loadConvert, plus the offset of the first malformed \\u (read leniently as 'u')."""
    if "\\" not in text:
        return text, None
    if "\\u" not in text:  # the common case, without a callback per escape
        parts = _ESCAPED_CHAR.split(text)  # literal, escaped char, literal, ...
        escaped = parts[1::2]
        parts[1::2] = map(_CONTROL.get, escaped, escaped)
        return "".join(parts), None
    bad: list[int] = []

    def convert(match: re.Match) -> str:
        if match.group(1) is not None:
            return chr(int(match.group(1), 16))
        char = match.group(2)
        if char == "u" and not bad:
            bad.append(match.start())
        return _CONTROL.get(char, char)

    return _ESCAPE.sub(convert, text), (bad[0] if bad else None)
