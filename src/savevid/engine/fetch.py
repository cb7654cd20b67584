"""One item from resolved formats to one finished file in a work folder.

The formats yt-dlp selected are fetched by savevid's engine, all parts at the same time, then
muxed once; protocols the engine does not speak go to yt-dlp's own downloader instead.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from savevid.engine import ytdlp
from savevid.engine.dash import dash_fragments
from savevid.engine.fragments import FragmentDownload
from savevid.engine.hls import MAX_PLAYLIST_BYTES, Unsupported, parse_media_playlist
from savevid.engine.mux import Input, mux
from savevid.engine.options import Counter, EngineOptions, check_size
from savevid.engine.progress import ProgressCallback, ProgressTracker, item_progress, planned_size
from savevid.engine.progressive import ProgressiveDownload, Source
from savevid.engine.retry import Cancelled
from savevid.engine.speed import SpeedMeter
from savevid.engine.transport import Transport
from savevid.models import Progress, Stage
from savevid.safety.media_files import check_media

log = logging.getLogger("savevid.engine")

NATIVE_PROTOCOLS = frozenset({"http", "https", "m3u8_native", "http_dash_segments"})
# Format fields that ask for handling only yt-dlp's own downloaders have.
_SPECIAL = ("hls_aes", "extra_param_to_segment_url", "extra_param_to_key_url", "has_drm",
            "is_from_start", "request_data")  # fmt: skip


class Runner(Protocol):
    def run(self) -> None: ...


@dataclass
class Part:
    """One selected format on its way to disk."""

    fmt: dict[str, Any]
    path: Path
    counter: Counter

    @property
    def fragmented(self) -> bool:
        return self.fmt.get("protocol") in ("m3u8_native", "http_dash_segments")


def is_native(fmt: dict[str, Any]) -> bool:
    """True when savevid's engine can fetch this format faithfully."""
    return (fmt.get("protocol") in NATIVE_PROTOCOLS and not fmt.get("is_live")
            and not any(fmt.get(key) for key in _SPECIAL))  # fmt: skip


def _part_name(fmt: dict[str, Any], number: int) -> str:
    format_id = re.sub(r"[^\w.-]", "_", str(fmt.get("format_id") or number))[:40]
    return f"part{number}-{format_id}.{fmt.get('ext') or 'bin'}"


class ItemFetch:
    """Fetches the selected formats of one item into workdir and assembles the file."""

    def __init__(
        self, ydl: Any, workdir: Path, options: EngineOptions, timeout: float, ffmpeg: Path,
        on_progress: ProgressCallback | None, cancel: threading.Event,
    ) -> None:  # fmt: skip
        self.ydl, self.workdir, self.options, self.ffmpeg = ydl, workdir, options, ffmpeg
        self.transport = Transport(ydl, timeout=timeout, per_host=options.connections)
        self.emit = on_progress or (lambda _: None)
        self.cancel = cancel
        self.stop = threading.Event()  # the person's cancel, or a part that failed

    def run(self, selected: dict[str, Any]) -> Path:
        parts = [Part(fmt, self.workdir / _part_name(fmt, n), Counter())
                 for n, fmt in enumerate(selected.get("requested_formats") or [selected])]  # fmt: skip
        runners = [self._runner(part) for part in parts]
        self._run_all(parts, runners)
        return self._assemble(selected, parts)

    def _runner(self, part: Part) -> Runner:
        fmt = part.fmt
        headers = {str(k): str(v) for k, v in (fmt.get("http_headers") or {}).items()}
        args = (self.transport, self.options, part.counter, self.stop)
        impersonate = fmt.get("impersonate")  # every request of the format carries it
        if fmt["protocol"] == "m3u8_native":
            text = self.transport.read_all(fmt["url"], headers, limit=MAX_PLAYLIST_BYTES,
                                           impersonate=impersonate)  # fmt: skip
            fragments = parse_media_playlist(text.decode("utf-8", "replace"), fmt["url"])
            return FragmentDownload(fragments, headers, part.path, *args, impersonate=impersonate)
        if fmt["protocol"] == "http_dash_segments":
            return FragmentDownload(dash_fragments(fmt), headers, part.path, *args, impersonate=impersonate)
        chunk = (fmt.get("downloader_options") or {}).get("http_chunk_size")
        source = Source(fmt["url"], headers, impersonate, int(chunk) if chunk else None)
        return ProgressiveDownload(source, part.path, *args)

    def _run_all(self, parts: list[Part], runners: list[Runner]) -> None:
        errors: list[BaseException] = []

        def run(runner: Runner) -> None:
            try:
                runner.run()
            except BaseException as error:
                errors.append(error)
                self.stop.set()

        threads = [threading.Thread(target=run, args=(r,), daemon=True) for r in runners]
        for thread in threads:
            thread.start()
        meter = SpeedMeter()
        try:
            while any(t.is_alive() for t in threads):
                if self.cancel.is_set():
                    self.stop.set()
                    self.transport.close_all()
                threads[0].join(0.25) if threads[0].is_alive() else time.sleep(0.05)
                self._report(parts, meter)
        except BaseException:  # Ctrl-C lands here: stop the workers before leaving
            self.stop.set()
            self.transport.close_all()
            raise
        if self.cancel.is_set():  # what the parts raised then is the cancel's doing, not a failure
            raise Cancelled
        real = [e for e in errors if not isinstance(e, Cancelled)]
        if real:
            raise real[0]
        if errors:
            raise Cancelled

    def _report(self, parts: list[Part], meter: SpeedMeter) -> None:
        done = [p.counter.done for p in parts]
        totals = [p.counter.total or planned_size(p.fmt) for p in parts]
        self.emit(item_progress(Stage.DOWNLOADING, done, totals, meter.update(sum(done))))

    def _assemble(self, selected: dict[str, Any], parts: list[Part]) -> Path:
        for part in parts:  # before ffmpeg or a person opens them
            check_media(part.path)
        ext = str(selected.get("ext") or parts[0].fmt.get("ext") or "mp4")
        output = self.workdir / f"media.{ext}"
        if len(parts) == 1 and not parts[0].fragmented:
            parts[0].path.replace(output)
            return output
        self.emit(Progress(stage=Stage.MERGING if len(parts) > 1 else Stage.PROCESSING,
                           downloaded=sum(p.counter.done for p in parts)))  # fmt: skip
        video = next((p for p in parts if p.fmt.get("vcodec") != "none"), parts[0])
        audio = next((p for p in reversed(parts) if p.fmt.get("acodec") != "none"), parts[-1])
        inputs = [Input(p.path, p is video, p is audio) for p in parts if p in (video, audio)]
        mux(self.ffmpeg, inputs, output)
        for part in parts:
            part.path.unlink(missing_ok=True)
        return output


def fetch_item(
    open_ydl: Callable[..., Any], info: dict[str, Any], workdir: Path, *,
    options: EngineOptions, timeout: float, ffmpeg: Path,
    on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
) -> Path:  # fmt: skip
    """The finished file of one resolved item, assembled in workdir (kept on failure, to resume)."""
    cancel = cancel or threading.Event()
    tracker = ProgressTracker(on_progress)
    with open_ydl(postprocessor_hooks=[tracker.on_postprocess]) as ydl:
        clean = ydl.sanitize_info(copy.deepcopy(info), remove_private_keys=True)
        selected = ydl.process_ie_result(clean, download=False)
        formats = selected.get("requested_formats") or [selected]
        check_size(sum(p for p in map(planned_size, formats) if p) or None, options)  # from the metadata
        if all(is_native(f) for f in formats) and not selected.get("is_live"):
            try:
                path = ItemFetch(ydl, workdir, options, timeout, ffmpeg, on_progress, cancel).run(selected)
            except Unsupported as reason:
                log.info("left to yt-dlp's downloader: %s", reason)
            else:
                selected.update(filepath=str(path), __files_to_move={})
                return Path(ydl.run_all_pps("post_process", selected)["filepath"])
    return ytdlp.fetch(open_ydl, info, workdir, on_progress, cancel, options)
