"""``/docs``: Swagger UI from the package, under the page's CSP, with nothing fetched from elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright

from savevid.config import get_settings
from savevid.web.app import create_app
from savevid.web.security import CSP
from support.browsing import open_page, shot
from support.chromium import CHROMIUM, FLAGS


def in_own_chromium(check: Callable[[Browser], None]) -> None:
    """Runs ``check`` in a Chromium started in a thread of its own: Playwright's sync API allows one
    instance per thread, and the page's browser tests keep theirs open for the whole session."""

    def run() -> None:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                check(browser)
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def test_the_description_offers_a_bearer_key_and_docs_keep_the_csp(tmp_path: Path) -> None:
    with TestClient(create_app(get_settings(data_dir=tmp_path / "data"))) as client:
        described = client.get("/openapi.json").json()
        docs = client.get("/docs")
        assert client.get("/redoc").status_code == 404
        assert client.get("/static/docs/LICENSE").status_code == 200
    assert described["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert described["security"] == [{}, {"bearer": []}]  # a key is offered, not required
    assert docs.status_code == 200 and docs.headers["content-security-policy"] == CSP
    assert "<script>" not in docs.text and "cdn" not in docs.text.lower()


def test_the_description_shows_the_errors_the_api_really_sends(tmp_path: Path) -> None:
    with TestClient(create_app(get_settings(data_dir=tmp_path / "data"))) as client:
        described = client.get("/openapi.json").json()
        answers = [client.post("/api/info", json={}), client.post("/api/info", json={"url": "x", "nope": 1})]
    error = described["components"]["schemas"]["Error"]
    assert "HTTPValidationError" not in str(described)  # FastAPI's own, which the API never sends
    for answer, status in zip(answers, (400, 422), strict=True):
        assert answer.status_code == status
        body = answer.json()
        assert set(error["required"]) <= set(body) <= set(error["properties"])
        assert body["code"] in error["properties"]["code"]["enum"]
    for path in described["paths"].values():
        for operation in path.values():
            for status in ("400", "422"):
                if status in operation["responses"]:
                    ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error"


def test_the_docs_render_offline_under_the_csp(server: str) -> None:
    in_own_chromium(lambda browser: open_the_docs(browser, server))


def open_the_docs(browser: Browser, server: str) -> None:
    """From the page's footer link to Swagger UI, with every request and console message recorded."""
    page = open_page(browser, server)
    requested: list[str] = []
    console: list[ConsoleMessage] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(message))
    page.click("footer a[href='/docs']")  # the page's own "API" link
    operation = page.wait_for_selector(".opblock-post .opblock-summary-path[data-path='/api/downloads']")
    assert operation is not None and operation.is_visible()
    operation.click()  # opened: its parameters, example body and responses render too
    page.wait_for_selector(".opblock-post.is-open .responses-table")
    page.click("button.authorize")
    page.wait_for_selector(".auth-container:has-text('bearer')")
    shot(page, "api-docs")
    assert requested and all(url.startswith(f"{server}/") for url in requested), requested
    violations = [m.text for m in console if "Content Security Policy" in m.text]
    assert not violations, violations
