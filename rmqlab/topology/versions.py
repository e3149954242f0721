"""RocketMQ versions rmqlab knows about. The default is pinned here and nowhere else."""

from __future__ import annotations

import re

from rmqlab.errors import BadInput

# Newest RocketMQ 5 release whose jars Maven Central serves complete: 5.5.1 has a broker jar
# there but no namesrv, client or tools jars, so it cannot be assembled.
DEFAULT_VERSION = "5.5.0"
# Newest 4.9.x on Maven Central (4.9.8 was released, but only as a distribution zip).
NEWEST_4X_ON_MAVEN = "4.9.7"

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise BadInput(f"'{text}' is not a RocketMQ version.", hint="Use a release number such as 5.5.0 or 4.9.7.")
    major, minor, patch = (int(part) for part in match.groups())
    if (major, minor) < (4, 9) or major > 5:
        raise BadInput(
            f"RocketMQ {text} is not supported.",
            hint=f"rmqlab handles 4.9.x and 5.x; the default is {DEFAULT_VERSION}.",
        )
    return major, minor, patch


def is_5x(version: str) -> bool:
    return parse_version(version)[0] == 5


def supports_controller_mode(version: str) -> bool:
    # Controller-assigned broker ids (brokerId=-1) arrived in 5.1.1.
    return parse_version(version) >= (5, 1, 1)
