"""Every error code the API or a job can carry has a message in each of the page's catalogs."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from savevid.config import get_settings
from savevid.errors import ErrorCode
from savevid.web.app import create_app
from savevid.web.errors import ALL_CODES, WEB_CODES, WebCode

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "savevid"
CATALOGS = {p.stem: json.loads(p.read_text()) for p in (SRC / "web" / "static" / "i18n").glob("*.json")}
ENUMS = {"ErrorCode": ErrorCode, "WebCode": WebCode}
CODE_FIELDS = ("code", "error_code")  # keyword arguments and JSON fields that hold a code


def codes_in(source: str) -> Iterator[tuple[int, str]]:
    """(line, code) for each code a piece of source names: ``ErrorCode.X``/``WebCode.X``, a literal in
    ``error_body("…")``, ``code="…"``, ``error_code="…"``, ``{"code": "…"}`` or ``ErrorCode("…")``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ENUMS:
            member = getattr(ENUMS[node.value.id], node.attr, None)
            if not node.attr.startswith("_") and node.attr not in ("value", "name"):
                yield node.lineno, member.value if member is not None else f"{node.value.id}.{node.attr}"
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            literals = [arg for arg in node.args[:1] if name in ("error_body", *ENUMS)]
            literals += [kw.value for kw in node.keywords if kw.arg in CODE_FIELDS]
            yield from ((lit.lineno, lit.value) for lit in literals if _is_text(lit))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and _is_text(key) and key.value in CODE_FIELDS and _is_text(value):
                    yield value.lineno, value.value


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_the_scan_finds_each_way_of_naming_a_code() -> None:
    source = """
error_body("one", "m")
SavevidError("m", code="two")
store.update(job, error_code="three")
body = {"code": "four", "message": "m"}
ErrorCode("five")
x = ErrorCode.NETWORK
y = WebCode.BUSY
z = ErrorCode.MADE_UP
"""
    found = [code for _, code in codes_in(source)]
    assert found.count("one") == 1 and set(found) == {"one", "two", "three", "four", "five", "network",
                                                      "busy", "ErrorCode.MADE_UP"}  # fmt: skip


def test_every_code_named_in_the_source_is_in_the_list() -> None:
    unlisted = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for path in sorted(SRC.rglob("*.py"))
        for line, code in codes_in(path.read_text())
        if code not in ALL_CODES
    ]
    assert unlisted == []


def test_the_list_holds_each_code_once() -> None:
    assert len(ALL_CODES) == len(set(ALL_CODES))
    assert set(ALL_CODES) == {c.value for c in ErrorCode} | {c.value for c in WEB_CODES}


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_every_code_has_a_message(lang: str) -> None:
    messages = CATALOGS[lang]
    missing = [code for code in ALL_CODES if not str(messages.get(f"error_{code}", "")).strip()]
    assert missing == [], f"{lang}.json has no message for {missing}"


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_no_message_is_for_a_code_that_does_not_exist(lang: str) -> None:
    stray = {key for key in CATALOGS[lang] if key.startswith("error_")} - {f"error_{c}" for c in ALL_CODES}
    assert stray == set()


def test_the_catalogs_have_the_same_keys() -> None:
    assert {"en", "tr"} <= set(CATALOGS)
    for lang, messages in CATALOGS.items():
        assert set(messages) == set(CATALOGS["en"]), lang


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_messages_speak_to_a_person_not_an_operator(lang: str) -> None:
    for code in ALL_CODES:
        text = CATALOGS[lang][f"error_{code}"]
        assert "SAVEVID_" not in text and " --" not in text and "HTTP" not in text, (code, text)
        assert text.rstrip()[-1] in ".!?", (code, text)  # whole sentences
        if lang != "en":
            assert text != CATALOGS["en"][f"error_{code}"], (lang, code)  # translated, not copied


def test_the_turkish_is_written_with_its_own_letters() -> None:
    turkish = "".join(v for k, v in CATALOGS["tr"].items() if k.startswith("error_"))
    assert set("çğıİöşü") <= set(turkish)  # not ASCII stand-ins such as "Indirme" or "basarisiz"


def test_the_readme_names_every_code() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [code for code in ALL_CODES if f"`{code}`" not in readme] == []


def test_the_web_layers_own_answers_carry_listed_codes(tmp_path: Path) -> None:
    """The answers no route writes itself: the router's, and the request guard's before any route."""

    def chunks() -> Iterator[bytes]:
        yield b'{"url": "https://example.com/v"}'

    with TestClient(create_app(get_settings(data_dir=tmp_path))) as client:
        answers = {
            WebCode.NO_SUCH_PATH: client.get("/api/nothing-here"),
            WebCode.METHOD_NOT_ALLOWED: client.put("/api/sites"),
            WebCode.NO_SUCH_DOWNLOAD: client.get("/api/downloads/0123abcd"),
            WebCode.REQUEST_TOO_LARGE: client.post("/api/info", content=b" " * 70_000),
            WebCode.LENGTH_REQUIRED: client.post("/api/info", content=chunks()),
        }
    for code, reply in answers.items():
        assert reply.json()["code"] == code.value, (code, reply.status_code, reply.text)
        assert reply.json()["message"] and reply.status_code >= 400
