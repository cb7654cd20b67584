"""What a partial download has done so far, kept beside it so that the next run resumes it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def state_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.state.json")


def load_state(path: Path) -> dict[str, Any] | None:
    """The saved state of a partial file, or None if there is none (or it is unreadable)."""
    file = state_path(path)
    if not path.exists() or not file.exists():
        return None
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Replace the saved state atomically: a crash leaves the old state or the new one.

    The caller syncs the data the state claims first; the state's own bytes are synced before
    its name, so a crash of the machine never leaves an empty state in place of an old one.
    """
    file = state_path(path)
    tmp = file.with_name(f"{file.name}.tmp")
    with tmp.open("w") as out:
        out.write(json.dumps(state))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, file)


def clear_state(path: Path) -> None:
    state_path(path).unlink(missing_ok=True)
