"""The API's description: ``/openapi.json`` with its Bearer scheme, and Swagger UI at ``/docs``.

Swagger UI is served from the package (``static/docs``), so the page works offline and under the
page's Content-Security-Policy. Who may call what is decided in ``web/access.py`` alone: the scheme
here only lets a reader paste a key into "Authorize".
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

BEARER = {"type": "http", "scheme": "bearer", "description": "An API key from SAVEVID_API_KEYS."}


def describe(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the Bearer scheme offered on every operation but not required."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)  # fmt: skip
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": BEARER}
        schema["security"] = [{}, {"bearer": []}]  # {}: no key is also accepted, unless the server says
        app.openapi_schema = schema
    return app.openapi_schema


def add_docs(app: FastAPI, pages: Jinja2Templates) -> None:
    """``/openapi.json`` with the Bearer scheme, and ``/docs`` from the package's own Swagger UI."""
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return pages.TemplateResponse(request, "docs.html", {})
