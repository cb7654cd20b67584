"""The one service layer that the CLI, the API and the workers drive: resolve, then download."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from yt_dlp import YoutubeDL

from savevid.config import Settings, get_settings
from savevid.engine.durable import sync_file, sync_folder
from savevid.engine.fetch import fetch_item
from savevid.engine.ffmpeg import find_ffmpeg
from savevid.engine.options import EngineOptions
from savevid.engine.progress import ProgressCallback
from savevid.engine.retry import Cancelled
from savevid.errors import ErrorCode, SavevidError
from savevid.models import Choice, Media, Progress, Result, Stage
from savevid.resolve.busy import resolve_retries, retry_when_busy
from savevid.resolve.direct import extract_direct
from savevid.resolve.failures import classify
from savevid.resolve.formats import format_spec, make_selector, offered_options, postprocessors
from savevid.resolve.mapping import Info, entry_url, is_playlist, to_media
from savevid.resolve.shortcut import generic_only
from savevid.resolve.sites import Handler, site_for
from savevid.resolve.sizes import learn_sizes
from savevid.resolve.ydl import open_ydl
from savevid.safety.filenames import safe_filename
from savevid.safety.media_files import deliverable_extension
from savevid.safety.urls import normalize_url

log = logging.getLogger("savevid")

WORKDIR_PREFIX = ".savevid-"


def _media_from_info(
    info: Info, url: str, settings: Settings, choices: bool = True, ydl: YoutubeDL | None = None
) -> Media:
    if not choices or is_playlist(info) or (not info.get("formats") and not info.get("url")):
        return to_media(info, url, [])
    with contextlib.nullcontext(ydl) if ydl is not None else open_ydl(settings) as selector:
        formats = info.get("formats") or [info]
        select = make_selector(selector.build_format_selector, formats)
        # Sizes yt-dlp does not know are asked of the origin here only: a download needs none.
        learn = partial(learn_sizes, selector)
        options = offered_options(formats, select, info.get("duration"), learn)
    return to_media(info, url, options)


def resolve(
    url: str, settings: Settings | None = None, *, playlist: bool = True, choices: bool = True,
    cancel: threading.Event | None = None,
) -> Media:  # fmt: skip
    """What a link points to: title, site, choices with sizes, or a playlist's entries.

    ``choices=False`` skips working out the options and their sizes (a download needs none).
    A site that answers 429 or 503 is asked again a few times; setting ``cancel`` ends the waits.
    """
    settings = settings or get_settings()
    url = normalize_url(url)
    site = site_for(url)
    if site is not None and site.handler is Handler.NONE:  # no need to ask the site
        raise SavevidError(site.reason or f"{site.name} is not supported.", code=ErrorCode.UNSUPPORTED_URL)
    try:
        ie_key = "Generic" if generic_only(url) else None
        with open_ydl(settings, playlist=playlist, cancel=cancel) as ydl:
            info = retry_when_busy(
                lambda: extract_direct(ydl, url) or ydl.extract_info(url, download=False, ie_key=ie_key),
                resolve_retries(settings), ydl.waits,
            )  # fmt: skip
            if info is None:
                raise SavevidError("No video or audio was found at this link.")
            return _media_from_info(info, url, settings, choices, ydl)
    except SavevidError:
        raise
    except Exception as exc:
        raise classify(exc, url) from exc


def expand(
    media: Media, settings: Settings | None = None, *, choices: bool = True,
    cancel: threading.Event | None = None,
) -> Iterator[Media | SavevidError]:  # fmt: skip
    """The single items of a media: itself, or each playlist entry resolved in turn.

    An entry that cannot be resolved is yielded as the SavevidError explaining why,
    so one bad entry does not stop the rest. Setting ``cancel`` ends an entry's waits for a busy site.
    """
    if not media.is_playlist:
        yield media
        return
    settings = settings or get_settings()
    for entry in media.info.get("entries") or []:
        yield from _expand_entry(entry, media.url, settings, choices, cancel)


def _expand_entry(
    entry: Info, parent_url: str, settings: Settings, choices: bool, cancel: threading.Event | None
) -> Iterator[Media | SavevidError]:
    try:
        if entry.get("_type") in ("url", "url_transparent") or not entry.get("formats"):
            url = entry_url(entry)
            if url is None:
                raise SavevidError("A playlist entry has no link.")
            item = resolve(url, settings, playlist=False, choices=choices, cancel=cancel)
            yield from expand(item, settings, cancel=cancel)
        else:
            yield _media_from_info(entry, entry_url(entry) or parent_url, settings, choices)
    except SavevidError as exc:
        yield exc


def engine_options(settings: Settings) -> EngineOptions:
    """The engine's knobs from the settings."""
    return EngineOptions(
        connections=settings.connections, retries=settings.retries,
        fragment_retries=settings.fragment_retries, low_speed_limit=settings.low_speed_limit,
        low_speed_time=settings.low_speed_time,
        max_bytes=int(settings.max_file_mb * 1e6) or None,
    )  # fmt: skip


def _workdir(dest: Path, media: Media, choice: Choice) -> Path:
    # Stable per item and choice, so an interrupted download resumes from its partial files.
    key = hashlib.sha256(f"{media.extractor}:{media.id}:{choice.model_dump_json()}".encode())
    return dest / f"{WORKDIR_PREFIX}{key.hexdigest()[:16]}"


def _unique(path: Path) -> Path:
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise SavevidError(f"Too many files named like {path.name}.")


def _deliver(produced: Path, media: Media, dest: Path) -> Path:
    # Every writer has closed the file and checked its size before this point.
    extension = deliverable_extension(produced)
    target = _unique(dest / safe_filename(media.title, media.id, extension))
    sync_file(produced)  # its bytes on disk before a name claims it
    os.replace(produced, target)  # atomic: the final name only ever holds a complete file
    sync_folder(dest)  # and the name on disk before anyone records the file as delivered
    return target


def download(
    media: Media,
    choice: Choice | None = None,
    dest: Path | None = None,
    on_progress: ProgressCallback | None = None,
    settings: Settings | None = None,
    cancel: threading.Event | None = None,
) -> Result:
    """Download one resolved item as chosen into dest; the Result names the finished file.

    Setting ``cancel`` stops it within a moment (SavevidError with code ``cancelled``); its
    partial files stay in dest's work folder, and the same download later resumes from them.
    """
    if media.is_playlist:
        raise SavevidError("A playlist is downloaded item by item: use expand() first.")
    settings = settings or get_settings()
    limit = settings.max_duration_minutes * 60
    if limit and media.duration and media.duration > limit:
        raise SavevidError(f"This video is {media.duration / 60:.0f} minutes long; this server allows up to "
                           f"{settings.max_duration_minutes:.0f}.", code=ErrorCode.TOO_LONG)  # fmt: skip
    choice = choice or Choice()
    dest = (dest or settings.download_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    workdir = _workdir(dest, media, choice)
    workdir.mkdir(exist_ok=True)
    factory = partial(
        open_ydl, settings, playlist=False, cancel=cancel, format=format_spec(choice),
        postprocessors=postprocessors(choice),
    )  # fmt: skip
    try:
        produced = fetch_item(factory, media.info, workdir, options=engine_options(settings),
                              timeout=settings.socket_timeout, ffmpeg=find_ffmpeg(settings.ffmpeg),
                              on_progress=on_progress, cancel=cancel)  # fmt: skip
        path = _deliver(produced, media, dest)
    except (KeyboardInterrupt, Cancelled) as stopped:
        # Keep the partial files: the next run resumes them (the job layer may delete them).
        if isinstance(stopped, KeyboardInterrupt):
            raise
        raise SavevidError("The download was cancelled.", code=ErrorCode.CANCELLED) from None
    except BaseException as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        if isinstance(exc, SavevidError):
            raise
        if not isinstance(exc, Exception):
            raise
        raise classify(exc, media.url) from exc
    shutil.rmtree(workdir, ignore_errors=True)
    if on_progress:
        size = path.stat().st_size
        on_progress(Progress(stage=Stage.DONE, downloaded=size, total=size))
    return Result(
        path=path,
        title=media.title,
        size=path.stat().st_size,
        duration=media.duration,
        url=media.url,
        site=media.site,
        id=media.id,
    )
