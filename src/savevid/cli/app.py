"""``savevid`` commands: info and download."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from savevid import __version__, service
from savevid.cli.render import (
    ProgressBars,
    choices_table,
    entries_table,
    error_line,
    media_view,
    saved_line,
)
from savevid.config import Settings, get_settings
from savevid.errors import SavevidError, StorageFullError, is_disk_full
from savevid.models import AudioFormat, Choice, Media, Quality, Result
from savevid.safety import network

app = typer.Typer(
    name="savevid",
    help="Paste a video link, get the file. Works with every site yt-dlp knows, and more.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_QUALITY_ALIASES = {"4k": "2160", "uhd": "2160", "2k": "1440", "hd": "720", "fullhd": "1080"}


def parse_quality(text: str) -> Quality:
    """``best``, ``1080``, ``1080p``, ``4k`` ... as a Quality."""
    value = _QUALITY_ALIASES.get(text.strip().lower(), text.strip().lower())
    value = re.sub(r"p$", "", value)
    try:
        return Quality(value)
    except ValueError:
        allowed = ", ".join(q.value for q in Quality)
        raise typer.BadParameter(f"{text!r} is not a quality; choose one of: {allowed}.") from None


Cookies = Annotated[
    Path | None, typer.Option("--cookies", help="Netscape cookies.txt for content behind a login.")
]
CookiesFromBrowser = Annotated[
    str | None,
    typer.Option(
        "--cookies-from-browser",
        metavar="NAME",
        help="Take cookies from a browser: NAME[+KEYRING][:PROFILE][::CONTAINER].",
    ),
]
Connections = Annotated[
    int | None,
    typer.Option("--connections", "-N", min=1, max=64, help="Parallel connections per download."),
]
NoPlaylist = Annotated[bool, typer.Option("--no-playlist", help="Only the linked item, not its playlist.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
SafeNetwork = Annotated[
    bool,
    typer.Option("--safe-network", help="Refuse private addresses and odd ports, as `serve` does."),
]


def _settings(**overrides: object) -> Settings:
    try:
        settings = get_settings(**overrides)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return settings


def _network_rules(settings: Settings) -> None:
    """Apply the server's network rules to this process when asked (--safe-network)."""
    try:
        if settings.safe_network:
            network.install(network.NetworkPolicy.from_text(settings.allow_private))
    except ValueError as exc:
        raise typer.BadParameter(f"SAVEVID_ALLOW_PRIVATE: {exc}") from exc


def _fail(error: SavevidError, subject: str | None = None) -> int:
    stderr.print(error_line(error, subject), soft_wrap=True)
    return EXIT_USAGE if error.is_usage else EXIT_FAILED


@app.callback(invoke_without_command=True)
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        stdout.print(f"savevid {__version__}")
        raise typer.Exit()
    handler = RichHandler(console=stderr, show_path=False, show_time=False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        handlers=[handler],
        format="%(message)s",
        force=True,
    )
    if not verbose:  # yt-dlp's warnings are noise unless asked for
        logging.getLogger("savevid.yt_dlp").setLevel(logging.ERROR)


@app.command()
def info(
    url: Annotated[str, typer.Argument(help="A link to a video, a post or a playlist.")],
    as_json: AsJson = False,
    no_playlist: NoPlaylist = False,
    cookies: Cookies = None,
    cookies_from_browser: CookiesFromBrowser = None,
    safe_network: SafeNetwork = False,
) -> None:
    """Show what a link holds: title, site, duration and the choices with their sizes."""
    settings = _settings(cookies=cookies, cookies_from_browser=cookies_from_browser,
                         safe_network=safe_network or None)  # fmt: skip
    _network_rules(settings)
    try:
        media = service.resolve(url, settings, playlist=not no_playlist)
    except SavevidError as error:
        raise typer.Exit(_fail(error, url)) from None
    if as_json:
        print(media.model_dump_json(indent=2))
        return
    stdout.print(media_view(media))
    stdout.print()
    stdout.print(entries_table(media) if media.is_playlist else choices_table(media))


def _result_json(result: Result) -> str:
    return json.dumps(
        result.model_dump(mode="json", include={"path", "title", "size", "duration", "url", "site", "id"}),
        ensure_ascii=False,
    )


def _download_item(item: Media, choice: Choice, dest: Path, settings: Settings, bars: ProgressBars) -> Result:
    task = bars.add(item.title)
    return service.download(item, choice, dest, lambda p: bars.update(task, p), settings)


def _download_url(
    url: str, choice: Choice, dest: Path, settings: Settings, playlist: bool, as_json: bool
) -> int:
    failures = 0
    with ProgressBars(stderr) as bars:
        try:
            media = service.resolve(url, settings, playlist=playlist, choices=False)
        except SavevidError as error:
            return _fail(error, url)
        items = service.expand(media, settings, choices=False)
        if media.is_playlist and not playlist:
            stderr.print(
                f"note: {media.title!r} is a list of {len(media.entries)}; --no-playlist takes the first.",
                markup=False,
            )
            items = itertools.islice(items, 1)
        for item in items:
            try:
                if isinstance(item, SavevidError):
                    raise item
                result = _download_item(item, choice, dest, settings, bars)
            except SavevidError as error:
                failures += 1
                _fail(error, getattr(item, "title", None) or url)
                continue
            if as_json:
                print(_result_json(result), flush=True)
            stderr.print(saved_line(result), soft_wrap=True)
    return EXIT_FAILED if failures else EXIT_OK


@app.command()
def download(
    urls: Annotated[list[str], typer.Argument(help="One or more links.", metavar="URL...")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the files.", file_okay=False)
    ] = None,
    quality: Annotated[
        str,
        typer.Option(
            "--quality",
            "-q",
            help=("best, 2160, 1440, 1080, 720, 480, 360 or 240: the best video up to that height."),
        ),
    ] = "best",
    audio_only: Annotated[bool, typer.Option("--audio-only", "-x", help="Audio only.")] = False,
    audio_format: Annotated[
        AudioFormat,
        typer.Option("--audio-format", case_sensitive=False, help="Audio format with --audio-only."),
    ] = AudioFormat.MP3,
    format_spec: Annotated[
        str | None, typer.Option("--format", "-f", metavar="SPEC", help="A yt-dlp format spec (experts).")
    ] = None,
    no_playlist: NoPlaylist = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help=("Print one JSON object per finished file on stdout, and nothing else there.")
        ),
    ] = False,
    connections: Connections = None,
    cookies: Cookies = None,
    cookies_from_browser: CookiesFromBrowser = None,
    safe_network: SafeNetwork = False,
) -> None:
    """Download links to files named 'Title [id].ext'."""
    choice = Choice(
        quality=parse_quality(quality), audio_only=audio_only, audio_format=audio_format, format=format_spec
    )
    settings = _settings(
        download_dir=output,
        connections=connections,
        cookies=cookies,
        cookies_from_browser=cookies_from_browser,
        safe_network=safe_network or None,
    )
    _network_rules(settings)
    dest = settings.download_dir
    codes = []
    try:
        for url in urls:
            try:
                codes.append(_download_url(url, choice, dest, settings, not no_playlist, as_json))
            except SavevidError as error:
                codes.append(_fail(error, url))
    except KeyboardInterrupt:
        stderr.print("interrupted: the partial download is kept and resumes on the next run.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(max(codes, default=EXIT_OK))


@app.command()
def sites(
    as_json: AsJson = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table (the README's).")] = False,
) -> None:
    """The sites savevid promises by name, and how each is handled."""
    from dataclasses import asdict

    from rich.table import Table

    from savevid.resolve.sites import SITES, handled_by, markdown_table

    if as_json:
        print(json.dumps([asdict(site) for site in SITES], ensure_ascii=False, indent=2))
        return
    if markdown:
        print(markdown_table(), end="")
        return
    table = Table(show_edge=False)
    for name in ("Site", "Handled by", "Example"):
        table.add_column(name)
    for site in SITES:
        table.add_row(site.name, handled_by(site), site.example)
    stdout.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Jobs database and files.", file_okay=False)
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Downloads at once.")] = None,
) -> None:
    """Start the web page and the HTTP API (http://127.0.0.1:8000 by default)."""
    from savevid.web import server
    from savevid.web.app import create_app, stop

    settings = _settings(host=host, port=port, data_dir=data_dir, workers=workers)
    try:
        web = create_app(settings)
    except ValueError as exc:  # a setting that cannot be used, said plainly
        raise typer.BadParameter(str(exc)) from exc
    except (OSError, sqlite3.Error) as exc:  # the jobs database or the folder cannot be written
        raise typer.Exit(_fail(_data_dir_error(settings.data_dir, exc))) from None
    stderr.print(f"savevid is at http://{settings.host}:{settings.port}/ (Ctrl-C stops it)")
    server.serve(web, settings, on_stop=lambda: stop(web))


def _data_dir_error(data_dir: Path, error: BaseException) -> SavevidError:
    """Why serve cannot start on its data directory, in one sentence."""
    full = is_disk_full(error)
    with contextlib.suppress(OSError):
        full = full or shutil.disk_usage(data_dir).free < 1 << 20
    if full:
        return StorageFullError(f"The disk of {data_dir} is full: savevid cannot keep its jobs there.",
                                hint="Free some space, then start it again.")  # fmt: skip
    return SavevidError(f"savevid cannot use {data_dir} for its jobs and files: {error}.",
                        hint="Choose another folder with --data-dir.")  # fmt: skip


def main() -> None:
    """Console-script entry point."""
    app()
