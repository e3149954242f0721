"""Which Debian mirror this machine's apt uses, read from its own configuration.

debootstrap needs a mirror URL; we never write one down. We take the first Debian archive
entry (not the security archive) from /etc/apt/sources.list, sources.list.d/*.list (one-line
format) and sources.list.d/*.sources (deb822). Pure text parsing, so it is tested without apt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None

    @property
    def is_security(self) -> bool:
        return "security" in self.uri or any(s.endswith("-security") for s in self.suites)


def parse_one_line(text: str) -> list[AptSource]:
    """`deb [options] uri suite component...` lines; `deb-src` and comments are skipped."""
    found = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        rest = line[4:].strip()
        options: dict[str, str] = {}
        if rest.startswith("["):
            close = rest.find("]")
            if close < 0:
                continue
            for item in rest[1:close].split():
                key, _, value = item.partition("=")
                options[key] = value
            rest = rest[close + 1 :].strip()
        parts = rest.split()
        if len(parts) < 2:
            continue
        found.append(AptSource(parts[0], (parts[1],), tuple(parts[2:]), options.get("signed-by")))
    return found


def parse_deb822(text: str) -> list[AptSource]:
    """Stanzas of `Types:`/`URIs:`/`Suites:`/`Components:`; one source per URI of a `deb` stanza."""
    found = []
    for stanza in _stanzas(text):
        fields = {k.lower(): v for k, v in stanza.items()}
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").strip().lower() == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        components = tuple(fields.get("components", "").split())
        signed_by = fields.get("signed-by", "").strip() or None
        if signed_by and "\n" in signed_by:  # an inline key block, not a path
            signed_by = None
        for uri in fields.get("uris", "").split():
            found.append(AptSource(uri, suites, components, signed_by))
    return found


def _stanzas(text: str) -> list[dict[str, str]]:
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = None
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if current:
                stanzas.append(current)
            current, key = {}, None
            continue
        if raw[0] in " \t" and key:
            current[key] += "\n" + raw.strip()
            continue
        key, _, value = raw.partition(":")
        key = key.strip()
        current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def debian_mirror(sources: list[AptSource], suite: str) -> AptSource | None:
    """The first non-security source that serves `suite` (or any suite, if none names it) with main."""
    usable = [s for s in sources if not s.is_security and (not s.components or "main" in s.components)]
    for source in usable:
        if suite in source.suites:
            return source
    return usable[0] if usable else None


def read_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    sources: list[AptSource] = []
    main = apt_dir / "sources.list"
    if main.is_file():
        sources += parse_one_line(main.read_text(errors="replace"))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.suffix == ".list":
                sources += parse_one_line(path.read_text(errors="replace"))
            elif path.suffix == ".sources":
                sources += parse_deb822(path.read_text(errors="replace"))
    return sources
