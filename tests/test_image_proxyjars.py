"""The proxy's jar set: only what lib/ lacks, and never a second version of a library lib/ holds."""

from __future__ import annotations

import pytest

from rmqlab.image import proxyjars


@pytest.mark.parametrize(("name", "artifact"), [
    ("netty-tcnative-classes-2.0.53.Final.jar", "netty-tcnative-classes"),
    ("grpc-services-1.53.0.jar", "grpc-services"),
    ("rocketmq-proxy-5.5.0.jar", "rocketmq-proxy"),
    ("error_prone_annotations-2.18.0.jar", "error_prone_annotations"),
])
def test_artifact_of_strips_the_version(name, artifact):
    assert proxyjars.artifact_of(name) == artifact


def test_trim_keeps_only_extras_and_names_the_other_versions(tmp_path):
    base = {"rocketmq-broker-5.5.0.jar", "grpc-core-1.53.0.jar", "error_prone_annotations-2.14.0.jar"}
    for name in (*base, "rocketmq-proxy-5.5.0.jar", "grpc-services-1.53.0.jar",
                 "error_prone_annotations-2.18.0.jar"):
        (tmp_path / name).write_bytes(b"x")
    left_out = proxyjars.trim_to_extras(tmp_path, base)
    assert left_out == ["error_prone_annotations-2.18.0.jar"]
    assert sorted(p.name for p in tmp_path.glob("*.jar")) == ["grpc-services-1.53.0.jar", "rocketmq-proxy-5.5.0.jar"]


def test_4x_has_no_proxy():
    with pytest.raises(ValueError):
        proxyjars.proxy_lib_dir("4.9.7")
