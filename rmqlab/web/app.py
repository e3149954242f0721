"""The routes: the page, its assets, a JSON snapshot, a server-sent event stream of the same snapshot, POSTs
for faults, and the report of the last experiment. Every route is a thin call into rmqlab.api's Monitor."""

from __future__ import annotations

import asyncio
import json
from importlib import resources

from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from rmqlab.api import BadInput, RmqlabError
from rmqlab.web.guard import TOKEN_HEADER, Guard, same_origin, token_ok

ASSETS = resources.files("rmqlab.web") / "assets"
ASSET_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8",
               "favicon.svg": "image/svg+xml"}
PING_SECONDS = 15
COALESCE_SECONDS = 0.05  # changes that come together go out as one update
NO_TOKEN = "This dashboard needs its URL with the token; `rmqlab status --name {name}` shows it."


class _Stream(EventSourceResponse):
    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            pass  # the server is shutting down while a page still listens: nothing to report


class Views:
    """The monitor's view as JSON text, built once per version however many pages listen."""

    def __init__(self, monitor):
        self.monitor = monitor
        self._cached: tuple[int, str] | None = None

    def text(self) -> tuple[int, str]:
        version = self.monitor.version
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, json.dumps(self.monitor.view(), separators=(",", ":")))
        return self._cached


def build_app(monitor, token: str, port: int) -> Guard:
    views = Views(monitor)
    page = (ASSETS / "index.html").read_text(encoding="utf-8")

    def refuse(request: Request) -> Response | None:
        if token_ok(request.query_params.get("token") or request.headers.get(TOKEN_HEADER), token):
            return None
        return PlainTextResponse(NO_TOKEN.format(name=monitor.name), status_code=403)

    async def index(request: Request) -> Response:
        return refuse(request) or HTMLResponse(page.replace("{{TOKEN}}", token).replace("{{CLUSTER}}", monitor.name))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSET_TYPES:
            return PlainTextResponse("Not found.", status_code=404)
        return Response((ASSETS / name).read_bytes(), media_type=ASSET_TYPES[name])

    async def snapshot(request: Request) -> Response:
        return refuse(request) or Response(views.text()[1], media_type="application/json")

    async def events(request: Request) -> Response:
        return refuse(request) or _Stream(_stream(monitor, views, request), ping=PING_SECONDS)

    async def fault(request: Request) -> Response:
        if not token_ok(request.headers.get(TOKEN_HEADER), token) or not same_origin(request.headers, port):
            return PlainTextResponse("Refused: a change needs the page's token and must come from the page itself.",
                                     status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"ok": False, "error": "Send JSON."}, status_code=415)
        try:
            body = await request.json()
            action, target = str(body["action"]), body.get("target")
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"ok": False, "error": "Send {\"action\": …, \"target\": …}."}, status_code=400)
        try:
            result = await run_in_threadpool(monitor.fault, action, None if target is None else str(target))
        except RmqlabError as error:
            status = 400 if isinstance(error, BadInput) else 500
            return JSONResponse({"ok": False, "error": error.message, "hint": error.hint}, status_code=status)
        return JSONResponse({"ok": True, "lines": result.lines()})

    async def report(request: Request) -> Response:
        denied = refuse(request)
        if denied:
            return denied
        path = monitor.report_path()
        if path is None:
            return PlainTextResponse("No finished experiment report yet.", status_code=404)
        return FileResponse(path, media_type="text/html")

    routes = [
        Route("/", index), Route("/assets/{name}", asset), Route("/api/view", snapshot),
        Route("/api/events", events), Route("/api/fault", fault, methods=["POST"]), Route("/report", report),
    ]
    return Guard(Starlette(routes=routes))


async def _stream(monitor, views: Views, request: Request):
    """The view now, then again after every change."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    stop_listening = monitor.listen(lambda: loop.call_soon_threadsafe(changed.set))
    try:
        sent = None
        while True:
            version, text = views.text()
            if version != sent:
                sent = version
                yield {"event": "view", "data": text}
            await changed.wait()
            changed.clear()
            await asyncio.sleep(COALESCE_SECONDS)
            if await request.is_disconnected():
                break
    finally:
        stop_listening()
