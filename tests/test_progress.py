from __future__ import annotations

from pathlib import Path

import savevid
from savevid.config import get_settings
from savevid.engine.progress import ProgressTracker
from savevid.models import Progress, Stage
from support.origin import Origin


def test_merged_parts_add_up_to_one_total() -> None:
    events: list[Progress] = []
    tracker = ProgressTracker(events.append)
    parts = [{"format_id": "v", "filesize": 1000}, {"format_id": "a", "filesize": 200}]
    video = {"format_id": "v", "requested_formats": parts}
    audio = {"format_id": "a", "requested_formats": parts}
    tracker.on_download(
        {
            "status": "downloading",
            "info_dict": video,
            "downloaded_bytes": 500,
            "total_bytes": 1000,
            "speed": 100.0,
        }
    )
    assert (events[-1].downloaded, events[-1].total) == (500, 1200)
    assert events[-1].eta == 7.0
    tracker.on_download({"status": "finished", "info_dict": video, "downloaded_bytes": 1000})
    tracker.on_download(
        {"status": "downloading", "info_dict": audio, "downloaded_bytes": 100, "total_bytes_estimate": 250}
    )
    assert (events[-1].downloaded, events[-1].total) == (1100, 1250)
    tracker.on_postprocess({"status": "started", "postprocessor": "Merger"})
    assert events[-1].stage is Stage.MERGING
    tracker.on_postprocess({"status": "started", "postprocessor": "MoveFiles"})
    assert events[-1].stage is Stage.MERGING


def test_unknown_total_stays_unknown() -> None:
    events: list[Progress] = []
    tracker = ProgressTracker(events.append)
    tracker.on_download({"status": "downloading", "info_dict": {"format_id": "0"}, "downloaded_bytes": 10})
    assert events[-1].total is None and events[-1].fraction is None


def test_service_reports_progress_then_done(origin: Origin, tmp_path: Path) -> None:
    settings = get_settings(retries=1)
    media = savevid.resolve(origin.url("/media/dash/manifest.mpd"), settings)
    events: list[Progress] = []
    result = savevid.download(media, None, tmp_path, events.append, settings)
    stages = [e.stage for e in events]
    assert stages[-1] is Stage.DONE and Stage.DOWNLOADING in stages and Stage.MERGING in stages
    downloading = [e.downloaded for e in events if e.stage is Stage.DOWNLOADING]
    assert downloading == sorted(downloading)
    assert events[-1].downloaded == result.size == result.path.stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == [result.path.name]
