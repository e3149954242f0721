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
from typing import NamedTuple

MALFORMED_U = "Malformed \\uxxxx encoding."
_BREAK = re.compile(r"\r\n|\r|\n")
_BLANKS = " \t\f"
# A physical line with no backslash that starts a logical line: nothing to join or unescape.
# No match for a blank or comment line. After the key, blanks then one '=' or ':', or just blanks.
_PLAIN = re.compile(r"[ \t\f]*(?=[^ \t\f#!])([^=: \t\f]*)(?:[ \t\f]*[=:]|[ \t\f]*)[ \t\f]*(.*)", re.S)
_GAP = re.compile(r"[ \t\f]*")
_KEY = re.compile(r"(?:[^\\=: \t\f]+|\\.?)*", re.S)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.S)
_CONTROL = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


class Entry(NamedTuple):
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
    lines = _BREAK.split(text)
    entries: list[Entry] = []
    refusal = None
    plain = _PLAIN.match
    resume = 0
    for index, line in enumerate(lines):
        if index < resume:
            continue  # joined into the logical line before
        if "\\" not in line:  # the fast path: most lines of most files
            match = plain(line)
            if match:
                entries.append(Entry(match[1], match[2], index + 1))
            continue
        logical, resume = _joined(lines, index, text.endswith("\r\n"))
        if logical is None:
            continue
        entry, bad = _convert(logical)
        entries.append(entry)
        if refusal is None and bad is not None:
            number = logical.line_at(bad)
            refusal = Refusal(MALFORMED_U, number, lines[number - 1])
    return Loaded(tuple(entries), refusal)


def parse_properties(text: str) -> list[Entry]:
    return list(load_properties(text).entries)


def _joined(lines: list[str], index: int, ends_with_crlf: bool) -> tuple[_Logical | None, int]:
    """Java's LineReader from a line holding a backslash: one logical line, and the index after it.

    None for a comment, and for a line of only a backslash: Java then starts afresh on the next
    line (a comment there stays a comment) -- except at the very end of the file, where it returns
    an empty line when the backslash or its one-char line break is the last thing (after \\r\\n it
    has already moved on and finds nothing).
    """
    count = len(lines)
    chunks: list[str] = []
    logical = _Logical("", [], [])
    length = 0
    for number in range(index, count):
        line = lines[number]
        if number == count - 1 and not line:
            break  # the file ended with a line break
        body = line.lstrip(_BLANKS)
        if length and not body:
            return _done(logical, chunks), number + 1  # a blank line ends a joined line
        if not length and body[:1] in ("#", "!"):
            return None, number + 1
        joins = (len(body) - len(body.rstrip("\\"))) % 2 == 1
        chunk = body[:-1] if joins else body
        if chunk:
            chunks.append(chunk)
            logical.starts.append(length)
            logical.lines.append(number + 1)
            length += len(chunk)
        if not joins:
            return _done(logical, chunks), number + 1
        if not length:
            at_end = number == count - 1 or (number == count - 2 and not lines[-1] and not ends_with_crlf)
            return (_Logical("", [0], [number + 1]) if at_end else None), number + 1
    return (_done(logical, chunks) if length else None), count


def _done(logical: _Logical, chunks: list[str]) -> _Logical:
    logical.text = "".join(chunks)
    return logical


def _convert(logical: _Logical) -> tuple[Entry, int | None]:
    """The entry Java puts, and the offset of the first malformed \\u in the logical line."""
    key_end, value_start = _split(logical.text)
    key, bad_key = _unescape(logical.text[:key_end])
    value, bad_value = _unescape(logical.text[value_start:])
    bad = bad_key if bad_key is not None else (None if bad_value is None else value_start + bad_value)
    return Entry(key, value, logical.lines[0]), bad


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
