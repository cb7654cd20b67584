"""``create_app(settings)``: the page, the API, health and metrics, with the job queue inside."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from starlette.exceptions import HTTPException

from savevid import __version__
from savevid.config import Settings, get_settings
from savevid.errors import SavevidError
from savevid.jobs.queue import JobQueue
from savevid.resolve.cache import MediaCache
from savevid.safety import network
from savevid.web import api, bundle, share, thumbnails
from savevid.web.access import OWNER_COOKIE, name_browser, parse_keys
from savevid.web.docs import add_docs
from savevid.web.errors import code_for_status, error_body, savevid_error, storage_error, validation_error
from savevid.web.limits import RateLimiter
from savevid.web.security import SecurityMiddleware
from savevid.web.streams import StreamSlots

HERE = Path(__file__).parent


def _metrics(queue: JobQueue) -> bytes:
    registry = CollectorRegistry()
    jobs = Gauge("savevid_jobs", "Jobs on this server by state", ["state"], registry=registry)
    for state, count in queue.counts().items():
        jobs.labels(state.value).set(count)
    return generate_latest(registry)


def stop(app: FastAPI) -> None:
    """Begin the app's end: event streams close, no job starts, running downloads stop (and
    resume after the next start). Returns when the workers stopped, or after the shutdown timeout."""
    app.state.stopping.set()
    app.state.queue.stop()


def create_app(settings: Settings | None = None, media_cache: MediaCache | None = None) -> FastAPI:
    """The web app; its job queue starts and stops with it. A ValueError names a bad setting.

    ``media_cache`` keeps what ``/api/info`` resolved for the downloads that follow (default: in memory).
    """
    settings = settings or get_settings()
    try:
        api_keys = parse_keys(settings.api_keys.get_secret_value())
    except ValueError as exc:
        raise ValueError(f"SAVEVID_API_KEYS: {exc}") from None
    try:
        policy = network.NetworkPolicy.from_text(settings.allow_private)
    except ValueError as exc:
        raise ValueError(f"SAVEVID_ALLOW_PRIVATE: {exc}") from None
    queue = JobQueue(settings, media_cache)

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        if settings.safe_network is not False:  # a server fetches what strangers paste
            network.install(policy)
        queue.start()
        yield
        stop(running)
        queue.close()
        network.uninstall()

    app = FastAPI(title="savevid", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Paste a video link, get the file.")  # fmt: skip
    app.state.settings, app.state.queue = settings, queue
    app.state.stopping = threading.Event()  # set when the server starts to stop
    app.state.limiter = RateLimiter(settings.requests_per_minute)
    app.state.streams = StreamSlots()  # the live event streams each caller holds open
    app.state.api_keys = api_keys
    app.state.thumbnails = thumbnails.Thumbnails(settings)
    if settings.cors_origins:  # closed unless the operator names the pages that may call the API
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, max_age=600,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])  # fmt: skip
    app.add_middleware(SecurityMiddleware)
    app.add_exception_handler(SavevidError, savevid_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    for failed_write in (OSError, sqlite3.Error):
        app.add_exception_handler(failed_write, storage_error)

    @app.exception_handler(HTTPException)  # Starlette's: also the router's 404/405 and body errors
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        body: object = error.detail
        if not isinstance(body, dict):
            body = error_body(code_for_status(error.status_code), f"{str(error.detail).rstrip('.')}.")
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    app.include_router(bundle.router)  # first: /api/downloads/zip is not a job's id
    app.include_router(api.router)
    app.include_router(thumbnails.router)
    app.include_router(share.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(_metrics(queue), media_type=CONTENT_TYPE_LATEST)

    pages = Jinja2Templates(directory=HERE / "templates")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        page = pages.TemplateResponse(request, "index.html", {"script": "page/main.js", "module": True})
        if OWNER_COOKIE not in request.cookies:  # this browser's downloads are listed to it alone
            name_browser(page, request)
        return page

    @app.get("/sites", response_class=HTMLResponse, include_in_schema=False)
    def sites_page(request: Request) -> HTMLResponse:
        return pages.TemplateResponse(request, "sites.html", {"script": "sites.js"})

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> FileResponse:  # at the root, so the installed app's scope is the whole site
        return FileResponse(HERE / "static" / "manifest.webmanifest", media_type="application/manifest+json")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it even when a page names its icon
        return FileResponse(HERE / "static" / "icons" / "savevid.svg", media_type="image/svg+xml")

    add_docs(app, pages)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
