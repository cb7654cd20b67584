"""``create_app(settings)``: the page, the API, health and metrics, with the job queue inside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from savevid import __version__
from savevid.config import Settings, get_settings
from savevid.errors import SavevidError
from savevid.jobs.queue import JobQueue
from savevid.safety import network
from savevid.web import api
from savevid.web.errors import savevid_error, validation_error
from savevid.web.limits import RateLimiter
from savevid.web.security import SecurityMiddleware

HERE = Path(__file__).parent


def _metrics(queue: JobQueue) -> bytes:
    registry = CollectorRegistry()
    jobs = Gauge("savevid_jobs", "Jobs on this server by state", ["state"], registry=registry)
    for state, count in queue.store.counts().items():
        jobs.labels(state.value).set(count)
    return generate_latest(registry)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app; its job queue starts and stops with it."""
    settings = settings or get_settings()
    queue = JobQueue(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.safe_network is not False:  # a server fetches what strangers paste
            network.install(network.NetworkPolicy.from_text(settings.allow_private))
        queue.start()
        yield
        queue.stop()
        network.uninstall()

    app = FastAPI(title="savevid", version=__version__, lifespan=lifespan,
                  description="Paste a video link, get the file.")  # fmt: skip
    app.state.settings, app.state.queue = settings, queue
    app.state.limiter = RateLimiter(settings.requests_per_minute)
    app.add_middleware(SecurityMiddleware)
    app.add_exception_handler(SavevidError, savevid_error)
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        detail = (
            error.detail
            if isinstance(error.detail, dict)
            else {"code": "error", "message": str(error.detail)}
        )
        return JSONResponse(detail, status_code=error.status_code)

    app.include_router(api.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(_metrics(queue), media_type=CONTENT_TYPE_LATEST)

    pages = Jinja2Templates(directory=HERE / "templates")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return pages.TemplateResponse(request, "index.html", {"script": "app.js"})

    @app.get("/sites", response_class=HTMLResponse, include_in_schema=False)
    def sites_page(request: Request) -> HTMLResponse:
        return pages.TemplateResponse(request, "sites.html", {"script": "sites.js"})

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
