"""Who may talk to the dashboard: requests for localhost or 127.0.0.1 only (DNS rebinding), the URL's token on
every request that reads, and the token plus a same-origin check on every request that changes something."""

from __future__ import annotations

import secrets

ALLOWED_HOSTS = ("127.0.0.1", "localhost")
TOKEN_HEADER = "x-rmqlab-token"
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def host_allowed(host: str | None) -> bool:
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    return name in ALLOWED_HOSTS


def token_ok(given: str | None, token: str) -> bool:
    return bool(given) and secrets.compare_digest(given.encode(), token.encode())


def same_origin(headers, port: int) -> bool:
    """A state-changing request must come from the page itself: its Origin (when the browser sends one) is
    this server, and Fetch Metadata, when present, says same-origin."""
    origin = headers.get("origin")
    if origin is not None and origin not in {f"http://{h}:{port}" for h in ALLOWED_HOSTS}:
        return False
    site = headers.get("sec-fetch-site")
    return site in (None, "same-origin")


class Guard:
    """ASGI middleware: refuses foreign Host headers, adds the security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not host_allowed(host):
            await _plain(send, 403, "Refused: this dashboard answers only to http://127.0.0.1 or http://localhost.")
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + SECURITY_HEADERS}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _plain(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + SECURITY_HEADERS})
    await send({"type": "http.response.body", "body": body})
