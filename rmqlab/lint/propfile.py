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
import re
from dataclasses import dataclass

MALFORMED_U = "Malformed \\uxxxx encoding."
_BREAK = re.compile(r"(\r\n|\r|\n)")
_BLANKS = " \t\f"
_GAP = re.compile(r"[ \t\f]*")
_KEY = re.compile(r"(?:[^\\=: \t\f]+|\\.?)*", re.S)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.S)
_CONTROL = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    line: int  # the physical line the logical line starts on


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
    text: str
    starts: list[int]  # offset in text where each joined physical line begins
    lines: list[int]  # ... and that line's number

    def line_at(self, offset: int) -> int:
        return self.lines[bisect.bisect_right(self.starts, offset) - 1]


def load_properties(text: str) -> Loaded:
    pieces = _BREAK.split(text)
    entries = []
    refusal = None
    for logical in _logical_lines(pieces):
        key_end, value_start = _split(logical.text)
        key, bad_key = _unescape(logical.text[:key_end])
        value, bad_value = _unescape(logical.text[value_start:])
        if refusal is None and (bad_key is not None or bad_value is not None):
            offset = bad_key if bad_key is not None else value_start + bad_value
            number = logical.line_at(offset)
            refusal = Refusal(MALFORMED_U, number, pieces[2 * (number - 1)])
        entries.append(Entry(key, value, logical.lines[0]))
    return Loaded(tuple(entries), refusal)


def parse_properties(text: str) -> list[Entry]:
    return list(load_properties(text).entries)


def _logical_lines(pieces: list[str]):
    """Java's LineReader: logical lines with comments and blank lines dropped.

    `pieces` alternates physical lines and their line breaks; the last piece has no break.
    """
    count = len(pieces) // 2 + 1
    chunks: list[str] = []
    starts: list[int] = []
    lines: list[int] = []
    length = 0
    keep_empty_at_eof = False
    for index in range(count):
        line = pieces[2 * index]
        last = index == count - 1
        if last and not line:
            break  # the file ended with a line break
        body = line.lstrip(_BLANKS)
        keep_empty_at_eof = False
        if not length:
            if not body or body[0] in "#!":
                continue  # blank or comment; also after a line of only a backslash
        elif not body:
            yield _Logical("".join(chunks), starts, lines)  # a blank line ends a joined line
            chunks, starts, lines, length = [], [], [], 0
            continue
        joins = (len(body) - len(body.rstrip("\\"))) % 2 == 1
        chunk = body[:-1] if joins else body
        chunks.append(chunk)
        starts.append(length)
        lines.append(index + 1)
        length += len(chunk)
        if joins:
            # Java returns the line even when empty if the file ends right after the backslash or
            # its one-char line break (after \r\n it has already moved on and finds nothing).
            brk = "" if last else pieces[2 * index + 1]
            keep_empty_at_eof = last or (brk != "\r\n" and index == count - 2 and not pieces[-1])
            continue
        yield _Logical("".join(chunks), starts, lines)
        chunks, starts, lines, length = [], [], [], 0
    if length or keep_empty_at_eof:
        yield _Logical("".join(chunks), starts or [0], lines or [count])


def _split(line: str) -> tuple[int, int]:
    """Where the key ends and the value starts: the first unescaped '=', ':' or blank ends the key.

    After a blank, one '=' or ':' among the blanks still counts as the separator.
    """
    key_end = _KEY.match(line).end()
    if key_end == len(line):
        return key_end, key_end
    start = _GAP.match(line, key_end + 1).end()
    if line[key_end] in _BLANKS and line[start : start + 1] in ("=", ":"):
        start = _GAP.match(line, start + 1).end()
    return key_end, start


def _unescape(text: str) -> tuple[str, int | None]:
    """Java's loadConvert, plus the offset of the first malformed \\u (read leniently as 'u')."""
    if "\\" not in text:
        return text, None
    bad: list[int] = []

    def convert(match: re.Match) -> str:
        if match.group(1) is not None:
            return chr(int(match.group(1), 16))
        char = match.group(2)
        if char == "u" and not bad:
            bad.append(match.start())
        return _CONTROL.get(char, char)

    return _ESCAPE.sub(convert, text), (bad[0] if bad else None)
