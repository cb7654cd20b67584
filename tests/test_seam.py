"""The seam between the web layer and the jobs: the web talks to the queue, never to the job store."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "src" / "savevid" / "web"
# What the web may take from the store's module: the records it shows, not the store.
RECORDS = {"Job", "JobState", "RUNNING"}


def _trees() -> dict[str, ast.Module]:
    found = {path.name: ast.parse(path.read_text(), str(path)) for path in sorted(WEB.glob("*.py"))}
    assert {"api.py", "app.py", "bundle.py", "thumbnails.py"} <= set(found)
    return found


def store_touches(tree: ast.AST) -> list[int]:
    """The lines that reach for a ``store`` attribute (``queue.store.get(...)`` and the like)."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in {"store", "_store"}]  # fmt: skip


def test_the_web_layer_never_reaches_the_store() -> None:
    sample = ast.parse("job = request.app.state.queue.store.get(job_id)\nn = queue.counts()\n")
    assert store_touches(sample) == [1]  # the check finds what it looks for
    touches = {name: lines for name, tree in _trees().items() if (lines := store_touches(tree))}
    assert touches == {}


def test_the_web_layer_imports_only_records_from_the_store_module() -> None:
    taken, whole = set[str](), list[str]()
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "savevid.jobs.store":
                taken |= {alias.name for alias in node.names}
            if isinstance(node, ast.Import) and any(a.name == "savevid.jobs.store" for a in node.names):
                whole.append(name)
    assert taken and taken <= RECORDS, taken
    assert whole == []
