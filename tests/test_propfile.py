"""rmqlab reads a property file as java.util.Properties.load(InputStream) does: one test per defect class.

The expectations in propcases.py are themselves checked against the real JDK in test_propfile_jvm.py.
"""

import pytest
from propcases import CASES, MALFORMED

from rmqlab.lint.propfile import load_properties


def _load(data: bytes):
    return load_properties(data.decode("latin-1"))  # Properties.load(InputStream) reads ISO-8859-1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_reads_the_file_as_java_does(case):
    loaded = _load(case.data)
    if case.refused_line is not None:
        assert loaded.refusal is not None, loaded.entries
        assert (loaded.refusal.reason, loaded.refusal.line) == (MALFORMED, case.refused_line)
    else:
        assert loaded.refusal is None, loaded.refusal
        assert {e.key: e.value for e in loaded.entries} == case.entries


def test_refusal_quotes_the_line_as_written():
    loaded = _load(b"brokerName=a\r\nstorePathRootDir=C:\\users\\rocketmq\\store\r\n")
    assert loaded.refusal.text == "storePathRootDir=C:\\users\\rocketmq\\store"


def test_line_numbers_count_only_java_line_breaks():
    text = "# 主节点配置\r\nbrokerRole=SYNC_MASTER\rbrokerName=a\x85b\x0cc\nbrokerId=0\n".encode()
    lines = {e.key: e.line for e in _load(text).entries}
    assert lines == {"brokerRole": 2, "brokerName": 3, "brokerId": 4}


def test_a_joined_line_is_numbered_where_it_starts():
    lines = {e.key: e.line for e in _load(b"\n\na=1\\\n 2\\\n 3\nb=4\n").entries}
    assert lines == {"a": 3, "b": 6}
