"""The README is the front door: it must describe what the code really does."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from savevid.cli.app import app
from savevid.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`SAVEVID_{name.upper()}`" in README, name


def test_every_download_option_is_documented() -> None:
    command = get_command(app).commands["download"]  # type: ignore[attr-defined]
    for param in command.params:
        for flag in param.opts:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in README or f", {flag}" in README, flag


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(\./scripts/\S+)", quick_start, re.MULTILINE)
    assert commands == ["./scripts/savevid", "./scripts/test"]
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_the_sites_table_is_the_registry() -> None:
    from savevid.resolve.sites import markdown_table

    table = README.split("<!-- sites:start -->\n", 1)[1].split("<!-- sites:end -->", 1)[0]
    assert table == markdown_table(), "README out of date: paste the output of `savevid sites --markdown`"


def test_the_security_page_names_real_files() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    for path in re.findall(r"`((?:safety|engine|web|jobs|resolve)/[\w/.]+\.(?:py|js))`", security):
        assert (ROOT / "src" / "savevid" / path).is_file(), path
    for test in re.findall(r"`(test_\w+\.py)`", security):
        assert (ROOT / "tests" / test).is_file(), test


def test_the_test_files_the_docs_name_exist() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    named = set(re.findall(r"`tests/(test_\w+\.py)`", README + security))
    assert len(named) >= 8, named  # the README's tour of the suites names them
    for test in named:
        assert (ROOT / "tests" / test).is_file(), test
