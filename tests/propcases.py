"""Hand-written property files, one or more per class of parser defect, with what Java loads from them.

test_propfile.py checks rmqlab's parser against these expectations; test_propfile_jvm.py checks the
expectations themselves against the real JDK, so none of them is a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED = "Malformed \\uxxxx encoding."


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    entries: dict[str, str] | None = None  # what Java loads, when it loads the file
    refused_line: int | None = None  # the line Java refuses, when it does


CASES = [
    # \u not followed by four hex digits: Java refuses the file, the broker does not start
    Case("windows-path-value", b"brokerName=a\nstorePathRootDir=C:\\users\\rocketmq\\store\n", refused_line=2),
    Case("short-u-at-end", b"a=1\r\nb=\\u12\r\n", refused_line=2),
    Case("bad-u-in-key", b"\\u00G1=x\n", refused_line=1),
    Case("bad-u-on-joined-line", b"a=b\\\n  c\\\n  \\users\nz=1\n", refused_line=3),
    Case("good-u", b"a=\\u4e2d\\u00E9\n", entries={"a": "\u4e2d\u00e9"}),
    # ... but comments are never unescaped
    Case(
        "windows-path-in-comment",
        b"# storePathRootDir=C:\\users\\rocketmq\\store\n! C:\\users\nbrokerName=broker-a\n",
        entries={"brokerName": "broker-a"},
    ),
    Case(
        "windows-path-in-chinese-comment",
        "# 存储目录配置 storePathRootDir=C:\\users\\rocketmq\\store\nbrokerName=broker-a\n".encode(),
        entries={"brokerName": "broker-a"},
    ),
    Case("comment-ending-in-backslash", b"# note \\\nbrokerName=a\n", entries={"brokerName": "a"}),
    # only \n, \r and \r\n end a line; Python's splitlines() also breaks at these
    Case("form-feed", b"a=1\x0cb=2\n", entries={"a": "1\x0cb=2"}),
    Case("vertical-tab", b"a=1\x0bb=2\n", entries={"a": "1\x0bb=2"}),
    Case("file-separator", b"a=1\x1cb=2\x1dc=3\x1ed=4\n", entries={"a": "1\x1cb=2\x1dc=3\x1ed=4"}),
    Case("next-line-0x85", b"a=1\x85b=2\n", entries={"a": "1\x85b=2"}),
    Case("cr-only", b"a=1\rb=2\r\rc=3", entries={"a": "1", "b": "2", "c": "3"}),
    Case(
        "chinese-comment",
        "# 主节点配置，刷盘方式：异步\nbrokerRole=SYNC_MASTER\n# 从节点配置\nbrokerId=0\n".encode(),
        entries={"brokerRole": "SYNC_MASTER", "brokerId": "0"},
    ),
    # a line holding only a backslash joins nothing: a comment after it stays a comment
    Case(
        "lone-backslash-then-comment",
        b"brokerRole=SYNC_MASTER\n\\\n#brokerRole=SLAVE\nbrokerId=0\n",
        entries={"brokerRole": "SYNC_MASTER", "brokerId": "0"},
    ),
    Case("lone-backslash-then-key", b"  \\\n  listenPort=10911\n", entries={"listenPort": "10911"}),
    Case("lone-backslash-at-eof", b"a=1\n\\", entries={"a": "1", "": ""}),
    Case("lone-backslash-lf-at-eof", b"a=1\n\\\n", entries={"a": "1", "": ""}),
    Case("lone-backslash-crlf-at-eof", b"a=1\n\\\r\n", entries={"a": "1"}),
    # continuations
    Case("joined-value", b"namesrvAddr=a:9876;\\\n    b:9876\n", entries={"namesrvAddr": "a:9876;b:9876"}),
    Case("joined-comment-is-text", b"a=x\\\n#y\n", entries={"a": "x#y"}),
    Case("blank-ends-join", b"a=x\\\n   \nb=y\n", entries={"a": "x", "b": "y"}),
    Case("even-backslashes-do-not-join", b"a=x\\\\\nb=y\n", entries={"a": "x\\", "b": "y"}),
    Case("join-at-eof", b"a=x\\", entries={"a": "x"}),
    Case("joined-to-eof-backslash", b"a=x\\\n  y\\", entries={"a": "xy"}),
    Case("backslash-only-line-inside-join", b"a=x\\\n \\\n  y\nb=1", entries={"a": "xy", "b": "1"}),
    # separators, escapes, whitespace
    Case(
        "separators",
        b"a b\nc:d\ne = f\ng\t:\th\ni==j\nk :=l\nm\\=n=o\np\\ q r\nonly\n",
        entries={"a": "b", "c": "d", "e": "f", "g": "h", "i": "=j", "k": "=l", "m=n": "o", "p q": "r", "only": ""},
    ),
    Case("escapes", b"a=\\t\\n\\r\\f\\x\\\\\\#\n", entries={"a": "\t\n\r\fx\\#"}),
    Case("trailing-space-kept", b"listenPort=10911 \n", entries={"listenPort": "10911 "}),
    Case("last-wins", b"a=1\na=2\n", entries={"a": "2"}),
]
