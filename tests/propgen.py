"""Generated .properties files (bytes) that exercise every corner of java.util.Properties.load.

Each file is a few lines glued from fragments of the classes that broke rmqlab's old parser:
`\\u` without four hex digits (Windows paths, also inside comments), bytes that are line breaks to
Python but not to Java (form feed, VT, 0x1c-0x1e, 0x85, UTF-8 Chinese text that contains 0x85),
lines holding only a backslash, continuations, every separator and escape, the end of file
in odd places, and Java's 8192-byte read buffer boundary.
"""

from __future__ import annotations

import random

CHINESE = "中文注释，主节点配置，这是从节点。刷盘方式：异步".encode()  # several of these bytes are 0x85
ODD_BYTES = [b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x85", b"\xa0", b"\x00", b"\x7f", b"\xe5", b"\xff"]
TERMINATORS = [b"\n", b"\r\n", b"\r", b"\n\r", b"\n\n"]
WHITESPACE = [b"", b" ", b"  ", b"\t", b"\x0c", b" \t\x0c"]
KEYS = [
    b"brokerRole", b"listenPort", b"storePathRootDir", b"brokerIP1", b"a", b"",
    b"key\\=with\\:seps", b"key\\ space", b"\\u0041bc", b"\\u00e9t\\u00C9", b"\\#notcomment",
    b"k#hash", b"k!bang", b"\\\\", b"\\t\\n\\r\\f\\x",
]
MALFORMED_KEYS = [b"\\users", b"\\u12", b"\\u00G1"]
SEPARATORS = [b"=", b":", b" ", b"\t", b"\x0c", b" = ", b"  :  ", b"==", b"=:", b" :=", b"", b"\x0b=", b"\x85="]
VALUES = [
    b"10911", b"10911 ", b"+10911", b"10.0.0.1 #comment", b"SLAVE", b"",
    b"C:\\rocketmq\\store", b"D:\\\\data\\\\store", b"\\u4e2d\\u6587", b"\\u00e9", b"\\\\u0041",
    b"a\\tb\\nc", b"trailing\\\\", b"x=y:z", b"  lead", CHINESE, b"\\ ", b"\\",
]
MALFORMED_VALUES = [b"C:\\users\\rocketmq\\store", b"\\uZZZZ", b"\\u", b"end\\u00", b"\\u12\\u0041"]
MALFORMED_SHARE = 0.04  # of keys and values: enough refusals to test them, few enough to test the rest


def _pick(rng: random.Random, good: list[bytes], malformed: list[bytes]) -> bytes:
    return rng.choice(malformed if rng.random() < MALFORMED_SHARE else good)


def _fragment(rng: random.Random) -> bytes:
    roll = rng.random()
    ws = rng.choice(WHITESPACE)
    if roll < 0.45:
        key = _pick(rng, KEYS, MALFORMED_KEYS)
        value = _pick(rng, VALUES, MALFORMED_VALUES)
        if rng.random() < 0.2:
            value = value[: rng.randrange(len(value) + 1)] + rng.choice(ODD_BYTES) + value
        return ws + key + rng.choice(SEPARATORS) + value
    if roll < 0.60:
        body = rng.choice([b"storePathRootDir=C:\\users\\rocketmq\\store", CHINESE, b"brokerRole=SLAVE", b"", b"\\"])
        return ws + rng.choice([b"#", b"!"]) + body
    if roll < 0.70:
        return ws + rng.choice([b"\\", b"\\\\", b"\\\\\\", b"\\ "])  # a line of backslashes
    if roll < 0.84:
        return ws + _pick(rng, KEYS, MALFORMED_KEYS) + b"=" + _pick(rng, VALUES, MALFORMED_VALUES) + b"\\"  # continues
    if roll < 0.85:
        # Java reads 8192 bytes at a time: put line breaks and backslashes around that boundary
        return ws + b"pad=" + b"x" * rng.randint(8170, 8190) + rng.choice([b"", b"\\", b"\r"])
    if roll < 0.90:
        return ws + b"".join(rng.choice(ODD_BYTES + [b"k", b"=", b"v", b"#", b"\\", b" "]) for _ in range(6))
    return ws


def generate(rng: random.Random) -> bytes:
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append(_fragment(rng))
        parts.append(rng.choice(TERMINATORS))
    if rng.random() < 0.35:
        parts.pop()  # no line break at the end of the file
    return b"".join(parts)


def generate_many(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [generate(rng) for _ in range(count)]
