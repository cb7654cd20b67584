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

from savevid.web.errors import ALL_CODES

BEARER = {"type": "http", "scheme": "bearer", "description": "An API key from SAVEVID_API_KEYS."}
ERROR = {
    "type": "object", "required": ["code", "message"],
    "description": "Every error: a stable code (one meaning each), a sentence, maybe what to do.",
    "properties": {"code": {"type": "string", "enum": list(ALL_CODES)}, "message": {"type": "string"},
                   "hint": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
}  # fmt: skip
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERRORS = {
    "400": {"description": "A missing or wrong value (`bad_request`), or not a link (`invalid_url`)",
            "content": _ERROR_REF},
    "422": {"description": "A field the API does not have (`unknown_field`), or a link that gives no file",
            "content": _ERROR_REF},
}  # fmt: skip


def describe(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the Bearer scheme offered on every operation but not required."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)  # fmt: skip
        _our_errors(schema)
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": BEARER}
        schema["security"] = [{}, {"bearer": []}]  # {}: no key is also accepted, unless the server says
        app.openapi_schema = schema
    return app.openapi_schema


def _our_errors(schema: dict[str, Any]) -> None:
    """Describe the errors the API really answers, not FastAPI's default validation error (which it
    never sends: ``web/errors.py`` answers ``400 bad_request`` or ``422 unknown_field`` instead)."""
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        if "422" in operation.get("responses", {}):
            operation["responses"].update(ERRORS)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components["Error"] = ERROR


def add_docs(app: FastAPI, pages: Jinja2Templates) -> None:
    """``/openapi.json`` with the Bearer scheme, and ``/docs`` from the package's own Swagger UI."""
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return pages.TemplateResponse(request, "docs.html", {})
