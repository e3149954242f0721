"""RocketMQ versions rmqlab knows about, and every fact that differs between them.

The default is pinned here and nowhere else; so is each behaviour that depends on the version
(which modes exist, whether haListenPort is honoured, which logback and which JRE), each read in
that version's own code.
"""

from __future__ import annotations

import re

from rmqlab.errors import BadInput

# Newest RocketMQ 5 release whose jars Maven Central serves complete: 5.5.1 has a broker jar
# there but no namesrv, client or tools jars, so it cannot be assembled.
DEFAULT_VERSION = "5.5.0"
# Newest 4.9.x on Maven Central (4.9.8 was released, but only as a distribution zip).
NEWEST_4X_ON_MAVEN = "4.9.7"
# The release the tutorial rmqlab follows was written against.
SEED_VERSION = "4.7.0"

# Release lines rmqlab has read the code of and runs; 4.8.x and older 4.x are not among them.
SUPPORTED_LINES = ((4, 7), (4, 9), (5, None))

_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)")


class Version(str):
    """A RocketMQ release number, checked once: still the string "5.5.0" everywhere a string goes (labels,
    key folders, messages), and it knows its parts, so the facts below never parse it again."""

    parts: tuple[int, int, int]

    def __new__(cls, text: str) -> Version:
        if isinstance(text, Version):
            return text
        parts = _parse(text)
        value = super().__new__(cls, "%d.%d.%d" % parts)
        value.parts = parts
        return value

    @property
    def line(self) -> tuple[int, int]:
        return self.parts[:2]


def parse_version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a supported release; BadInput for anything else."""
    return Version(text).parts


def _parse(text: str) -> tuple[int, int, int]:
    match = _VERSION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise BadInput(f"{text!r} is not a RocketMQ version.", hint="Use a release number such as 5.5.0 or 4.9.7.")
    major, minor, patch = (int(part) for part in match.groups())
    if not any(major == m and minor_ok in (None, minor) for m, minor_ok in SUPPORTED_LINES):
        raise BadInput(
            f"RocketMQ {text} is not supported.",
            hint=f"rmqlab handles 4.7.x, 4.9.x and 5.x; the default is {DEFAULT_VERSION}.",
        )
    return major, minor, patch


def is_5x(version: str) -> bool:
    return parse_version(version)[0] == 5


def supports_controller_mode(version: str) -> bool:
    # Controller-assigned broker ids (brokerId=-1) arrived in 5.1.1; 4.x has no controller at all.
    return parse_version(version) >= (5, 1, 1)


def honours_ha_listen_port(version: str) -> bool:
    """Whether a configured haListenPort is used. 4.7.0 and 4.9.x BrokerStartup overwrite it with
    listenPort+1 after reading the file; 5.1.1+ keep a positive value."""
    return parse_version(version) >= (5, 1, 1)


def needs_total_replicas(version: str) -> bool:
    """Whether SYNC_MASTER waits for a slave only with totalReplicas/inSyncReplicas = 2. The keys
    exist from 5.0 on; 4.x CommitLog waits for its one slave whenever the role is SYNC_MASTER."""
    return is_5x(version)


def slave_read_needed_for_slave_pulls(version: str) -> bool:
    """Whether a 2M2S slave answers pulls only with slaveReadEnable=true (5.x); 4.x slaves serve
    them either way, the key only lets a master send consumers to its slave."""
    return is_5x(version)


def trims_string_values(version: str) -> bool:
    """5.x MixAll.properties2Object trims String values; 4.x keeps trailing spaces."""
    return is_5x(version)


def slave_wait(version: str) -> tuple[str, float]:
    """(key, default seconds) bounding how long a SYNC_MASTER waits for a slave that is connected
    but silent before FLUSH_SLAVE_TIMEOUT: 4.7.0's HAService waits syncFlushTimeout (5 s; it has
    no slaveTimeout key), 4.9.x and 5.x slaveTimeout (3 s)."""
    if parse_version(version)[:2] == (4, 7):
        return "syncFlushTimeout", 5.0
    return "slaveTimeout", 3.0


def reports_ha_status(version: str) -> bool:
    """Whether a broker answers GET_BROKER_HA_STATUS (907, from 5.0). 4.9.x answers it with
    REQUEST_CODE_NOT_SUPPORTED; 4.7.0's AdminBrokerProcessor returns no response at all for a
    code it does not know, so asking costs the whole request timeout."""
    return is_5x(version)


def has_timer_wheel(version: str) -> bool:
    """5.x brokers keep a timer wheel (timer messages, POP revive): 7 days x 86,400 slots of direct
    buffer, ~110 MB per broker measured here; 4.x has none."""
    return is_5x(version)


def applies_ha_master_address(version: str) -> bool:
    """Whether a slave's configured haMasterAddress is used. 4.x sets it on the HA client at startup; a 5.x
    broker applies it in initialize(), before DefaultHAService creates its HA client in start(), so the
    address is dropped, and because one was configured the slave stops taking the master's from
    registration replies: it never replicates (seen on 5.5.0)."""
    return not is_5x(version)


def netty_40(version: str) -> bool:
    """4.7.0 pins netty-all 4.0.42 and ships no BouncyCastle; 4.9.x and 5.x use Netty 4.1 with
    bcpkix. Netty 4.0 reflects into sun.nio.ch for its selector, and its self-signed certificate
    (for the default permissive TLS server mode) needs AlgorithmId.sha1WithRSAEncryption_oid,
    which Java 17 no longer has (NoSuchFieldError, checked on 17.0.15)."""
    return parse_version(version)[:2] == (4, 7)


def logback_flavour(version: str) -> str:
    """Which logback the version logs through: 4.x plain logback (1.0.13 in 4.7.0, 1.2 in 4.9.x),
    5.x a shaded copy under org.apache.rocketmq.logging."""
    return "rmqlogback" if is_5x(version) else "logback12"
