"""Reading the Debian mirror from apt's configuration text (one-line and deb822 formats)."""

from __future__ import annotations

from rmqlab.image.aptsources import AptSource, debian_mirror, parse_deb822, parse_one_line, read_sources

DEB822 = """\
Types: deb
# a comment inside the stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

ONE_LINE = """\
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/etc/apt/keyrings/k.gpg] http://one.example/debian bookworm main contrib
deb http://security.example/debian-security bookworm-security main
"""


def test_deb822_stanzas_and_security_detection():
    sources = parse_deb822(DEB822)
    assert sources[0] == AptSource("http://mirror.example/debian", ("bookworm", "bookworm-updates"), ("main",),
                                   "/usr/share/keyrings/debian-archive-keyring.gpg")
    assert not sources[0].is_security and sources[1].is_security
    assert debian_mirror(sources, "bookworm") == sources[0]


def test_one_line_format_with_options_skips_sources_and_comments():
    sources = parse_one_line(ONE_LINE)
    assert [s.uri for s in sources] == ["http://one.example/debian", "http://security.example/debian-security"]
    assert sources[0].signed_by == "/etc/apt/keyrings/k.gpg"
    assert sources[0].components == ("main", "contrib")
    assert debian_mirror(sources, "bookworm").uri == "http://one.example/debian"


def test_disabled_stanzas_deb_src_and_inline_keys():
    text = ("Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n\n"
            "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n\n"
            "Types: deb\nURIs: http://on.example/debian\nSuites: bookworm\nComponents: main\n"
            "Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n -----END PGP PUBLIC KEY BLOCK-----\n")
    sources = parse_deb822(text)
    assert [s.uri for s in sources] == ["http://on.example/debian"]
    assert sources[0].signed_by is None


def test_mirror_falls_back_to_another_suite_and_none_when_only_security():
    other = parse_one_line("deb http://m.example/debian trixie main\n")
    assert debian_mirror(other, "bookworm").uri == "http://m.example/debian"
    only_security = parse_one_line("deb http://s.example/debian-security bookworm-security main\n")
    assert debian_mirror(only_security, "bookworm") is None
    assert debian_mirror([], "bookworm") is None


def test_read_sources_from_a_directory_ignores_disabled_files(tmp_path):
    (tmp_path / "sources.list").write_text("deb http://list.example/debian bookworm main\n")
    parts = tmp_path / "sources.list.d"
    parts.mkdir()
    (parts / "debian.sources").write_text(DEB822)
    (parts / "other.list").write_text("deb http://other.example/debian bookworm main\n")
    (parts / "cloud.list.disabled-by-someone").write_text("deb http://disabled.example/apt x main\n")
    uris = [s.uri for s in read_sources(tmp_path)]
    assert uris == ["http://list.example/debian", "http://mirror.example/debian",
                    "http://mirror.example/debian-security", "http://other.example/debian"]
