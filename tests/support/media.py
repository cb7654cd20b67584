"""Real media generated with ffmpeg once per machine and cached: progressive, HLS and DASH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from savevid.engine.ffmpeg import find_ffmpeg

DURATION = 4  # seconds of every sample
VERSION = "v4"  # bump when the set below changes, so caches are rebuilt
AES_KEY = bytes(range(16))
AES_IV = "000102030405060708090a0b0c0d0e0f"

_SOURCE = [
    *"-f lavfi -i".split(), f"testsrc2=size=640x360:rate=25:duration={DURATION}",
    *"-f lavfi -i".split(), f"sine=frequency=440:sample_rate=44100:duration={DURATION}",
]  # fmt: skip
# A keyframe every second, so that every HLS/DASH segment starts cleanly.
_H264 = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -keyint_min 25 -sc_threshold 0".split()
_AAC = "-c:a aac -b:a 96k".split()
_HLS_VOD = "-f hls -hls_time 1 -hls_playlist_type vod".split()


def _ffmpeg(*args: str | Path, cwd: Path) -> None:
    cmd = [str(find_ffmpeg()), "-hide_banner", "-loglevel", "error", "-y", *map(str, args)]
    subprocess.run(cmd, cwd=cwd, check=True)


def _variants(out: Path, segment_type: str) -> None:
    """A master playlist with a 360p and a 240p variant, each with its own audio."""
    fmp4 = segment_type == "fmp4"
    extra = "-hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4".split() if fmp4 else []
    ext = "m4s" if fmp4 else "ts"
    _ffmpeg(
        *_SOURCE,
        *"-filter_complex [0:v]split=2[a][b];[b]scale=426:240[small]".split(),
        *"-map [a] -map [small] -map 1:a -map 1:a".split(),
        *_H264, *_AAC, *"-b:v:0 900k -b:v:1 300k".split(),
        "-var_stream_map", "v:0,a:0,name:360p v:1,a:1,name:240p",
        "-master_pl_name", "master.m3u8",
        *_HLS_VOD, *extra, "-hls_segment_filename", f"%v/seg%d.{ext}", "%v/index.m3u8",
        cwd=out,
    )  # fmt: skip


def _encrypted(out: Path) -> None:
    """A single AES-128 encrypted HLS stream, with an explicit IV."""
    (out / "key.bin").write_bytes(AES_KEY)
    (out / "keyinfo").write_text(f"key.bin\nkey.bin\n{AES_IV}\n")
    _ffmpeg(*_SOURCE, *_H264, *_AAC, *_HLS_VOD, "-hls_key_info_file", "keyinfo",
            "-hls_segment_filename", "seg%d.ts", "index.m3u8", cwd=out)  # fmt: skip
    (out / "keyinfo").unlink()


def _byteranges(out: Path) -> None:
    """One MPEG-TS file addressed by EXT-X-BYTERANGE, as some CDNs serve HLS."""
    _ffmpeg(*_SOURCE, *_H264, *_AAC, *_HLS_VOD, "-hls_flags", "single_file", "index.m3u8", cwd=out)


def _dash(out: Path) -> None:
    """DASH with a video and an audio adaptation set."""
    _ffmpeg(*_SOURCE, *"-map 0:v -map 1:a".split(), *_H264, *_AAC,
            *"-f dash -seg_duration 1 -use_template 1 -use_timeline 0".split(),
            "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd", cwd=out)  # fmt: skip


def _smooth(out: Path) -> None:
    """Smooth Streaming (ISM): a Manifest and one file per fragment, for yt-dlp's own downloader."""
    _ffmpeg(*_SOURCE, *_H264, *_AAC, *"-f smoothstreaming -min_frag_duration 1000000 .".split(), cwd=out)
    # ffmpeg leaves out each stream's first start time, which is not 0 for video (its first
    # frame comes a little later): the manifest names it, as the format allows.
    manifest = (out / "Manifest").read_text()
    for kind in ("video", "audio"):
        first = min(int(f.name.split("=")[1][:-1]) for f in out.glob(f"QualityLevels(*)/Fragments({kind}=*)"))
        head, found, rest = manifest.partition(f"Fragments({kind}={{start time}})")
        manifest = head + found + rest.replace('<c n="0" ', f'<c n="0" t="{first}" ', 1)
    (out / "Manifest").write_text(manifest)


def _build(root: Path) -> None:
    _ffmpeg(*"-f lavfi -i testsrc2=size=320x180 -frames:v 1 thumb.jpg".split(), cwd=root)
    _ffmpeg(*_SOURCE, *_H264, *_AAC, *"-movflags +faststart progressive.mp4".split(), cwd=root)
    _ffmpeg(*_SOURCE, "-map", "0:v", *_H264, *"-movflags +faststart video-only.mp4".split(), cwd=root)
    _ffmpeg(*_SOURCE, "-map", "1:a", *_AAC, *"-movflags +faststart audio-only.m4a".split(), cwd=root)
    builders = {
        "hls_ts": lambda d: _variants(d, "mpegts"),
        "hls_fmp4": lambda d: _variants(d, "fmp4"),
        "hls_aes": _encrypted,
        "hls_byterange": _byteranges,
        "dash": _dash,
        "ism": _smooth,
    }
    for name, build in builders.items():
        (root / name).mkdir()
        build(root / name)


def ensure_media(cache: Path) -> Path:
    """The folder of sample media, generated on first use; shared by every test session."""
    root = cache / VERSION
    if (root / ".complete").exists():
        return root
    building = cache / f"{VERSION}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    _build(building)
    (building / ".complete").touch()
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)
    return root
