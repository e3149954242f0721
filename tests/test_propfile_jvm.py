"""rmqlab's property parser against the real JDK's Properties.load(InputStream), on thousands of files,
and its reading of numbers against Integer.parseInt / Long.parseLong.

Needs javac and java (compiled in a temp dir at test time). Under CI=true a missing JDK is a failure.
"""

import os
import random
import re

import pytest
from jvmoracle import JavaLoad, compile_oracle, java_load_all, java_parse_ints, missing_jdk
from propcases import CASES, MALFORMED
from propgen import generate_many

from rmqlab.lint.propfile import load_properties
from rmqlab.lint.values import java_integer

GENERATED = 5000
LONE_BACKSLASH_THEN_COMMENT = re.compile(rb"(?:^|[\r\n])[ \t\f]*\\(?:\r\n|\r|\n)[ \t\f]*[#!]")
JAVA_REFUSAL = f"java.lang.IllegalArgumentException: {MALFORMED}"


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    reason = missing_jdk()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the JDK oracle cannot run: {reason}")
        pytest.skip(f"no JDK here ({reason}); CI fails instead of skipping")
    work = tmp_path_factory.mktemp("jvm")
    return compile_oracle(work), work


@pytest.fixture(scope="module")
def java(oracle):
    classes, work = oracle
    return lambda files: java_load_all(classes, files, work)


def _ours(data: bytes) -> JavaLoad:
    loaded = load_properties(data.decode("latin-1"))
    if loaded.refusal:
        return JavaLoad(None, f"java.lang.IllegalArgumentException: {loaded.refusal.reason}")
    return JavaLoad({e.key: e.value for e in loaded.entries}, None)


def test_generated_files_load_as_in_the_jdk(java):
    files = generate_many(GENERATED, seed=20250601)
    theirs = java(files)
    differ = [(data, t, o) for data, t in zip(files, theirs, strict=True) if (o := _ours(data)) != t]
    assert not differ, "\n".join(f"{d!r}\n  java: {t}\n  ours: {o}" for d, t, o in differ[:5])
    # the corpus really covers the classes that broke the old parser
    assert sum(t.error == JAVA_REFUSAL for t in theirs) > GENERATED // 10
    assert sum(t.error is None for t in theirs) > GENERATED // 2
    odd = [b"\x85", b"\x0b", b"\x0c", b"\x1c", b"\x1e"]
    assert all(sum(b in d for d in files) > 100 for b in odd)
    assert sum(bool(LONE_BACKSLASH_THEN_COMMENT.search(d)) for d in files) > 20
    assert sum(b"#" in d and b"\\users" in d for d in files) > 50
    assert sum(len(d) > 8192 for d in files) > 20


def test_the_hand_written_expectations_are_the_jdks(java):
    theirs = java([c.data for c in CASES])
    for case, result in zip(CASES, theirs, strict=True):
        if case.refused_line is not None:
            assert result.error == JAVA_REFUSAL, case.name
        else:
            assert result == JavaLoad(case.entries, None), case.name


def _number_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    digits = "0123456789" * 4 + "\u0661\u0669\uff11\u096a\u00b2\u00bd"  # Arabic-Indic, fullwidth, Devanagari
    parts = ["+", "-", " ", "\t", "_", "x", "0x", "e3", ".", "\u00a0", "+-"]
    texts = ["2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807",
             "9223372036854775808", "-9223372036854775808", "", "+", "-", "+0", "-0", "00010911"]
    for _ in range(count):
        text = "".join(rng.choice(digits) for _ in range(rng.randint(1, 20)))
        if rng.random() < 0.4:
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(parts) + text[at:]
        texts.append(text)
    return texts


def test_numbers_read_as_integer_parse_int_and_long_parse_long_do(oracle):
    classes, _ = oracle
    texts = _number_texts(3000, seed=7)
    theirs = java_parse_ints(classes, texts)
    ours = [(java_integer(t, 32), java_integer(t, 64)) for t in texts]
    differ = [(t, j, o) for t, j, o in zip(texts, theirs, ours, strict=True) if j != o]
    assert not differ, differ[:5]
    assert sum(j[0] is not None for j in theirs) > 300 and sum(j[0] is None for j in theirs) > 300
