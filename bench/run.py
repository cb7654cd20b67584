"""Download speed: savevid against yt-dlp and aria2c, in one run, on a local origin.

    .venv/bin/python bench/run.py [--rate 2m] [--seconds 60] [--only CASE,...]

Starts nginx on 127.0.0.1 (``limit_rate`` caps each connection, as CDNs do), makes the media with
ffmpeg (cached in .cache/bench-media), times each tool as a whole process, and prints seconds,
ratios and peak memory. Every output is checked: a progressive file must have the source's size and
SHA-256; an HLS or DASH download must be the source's media (its streams, and its duration within
half a second), looked at with the tests' probe. A run whose output fails the check counts as
failed. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from savevid.engine.ffmpeg import find_ffmpeg  # noqa: E402

try:
    from support.probe import probe  # PyAV, from the test extra
except ImportError:
    probe = None  # type: ignore[assignment]

FFMPEG = str(find_ffmpeg())
CACHE = ROOT / ".cache" / "bench-media"


def ffmpeg(*args: str, cwd: Path) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], cwd=cwd, check=True)


def make_media(seconds: int) -> Path:
    """A ~1 MB/s H.264/AAC MP4, the same as HLS (2 s segments) and DASH; and a 1 GiB file."""
    root = CACHE / f"{seconds}s"
    if (root / ".complete").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "hls").mkdir(parents=True)
    (root / "dash").mkdir()
    print(f"making {seconds} s of media with ffmpeg (cached in {root}) ...", file=sys.stderr)
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds},noise=alls=25:allf=t",
           "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
           "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "7800k", "-maxrate", "8M",
           "-bufsize", "4M", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
           "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "big.mp4", cwd=root)  # fmt: skip
    ffmpeg("-i", "big.mp4", "-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
           "-hls_segment_filename", "hls/seg%03d.ts", "hls/index.m3u8", cwd=root)  # fmt: skip
    ffmpeg("-i", "../big.mp4", "-map", "0:v", "-map", "0:a", "-c", "copy", "-f", "dash",
           "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0",
           "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd",
           cwd=root / "dash")  # fmt: skip
    with (root / "huge.mp4").open("wb") as out:  # random bytes: only the data path is measured
        for _ in range(1024):
            out.write(os.urandom(1 << 20))
    (root / ".complete").touch()
    return root


NGINX_CONF = """
worker_processes 2; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off; sendfile on; sendfile_max_chunk 64k; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  types {{ video/mp4 mp4; application/vnd.apple.mpegurl m3u8; video/mp2t ts;
           application/dash+xml mpd; video/iso.segment m4s; }}
  server {{
    listen 127.0.0.1:{port};
    location /capped/ {{ alias {media}/; limit_rate {rate}; }}
    location /free/ {{ alias {media}/; }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nginx(media: Path, rate: str, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is needed for the benchmark: apt-get install nginx-light")
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, media=media, rate=rate))
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MB; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return kb / 1024


@cache
def sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def same_bytes(output: Path, source: Path) -> str:
    """ "" when output is source byte for byte, else what differs."""
    size, expected = output.stat().st_size, source.stat().st_size
    if size != expected:
        return f"{output.name} has {size} bytes, not {expected}"
    if sha256(output) != sha256(source):
        return f"{output.name} has the source's size but not its SHA-256"
    return ""


def same_media(output: Path, source: Path, tolerance: float = 0.5) -> str:
    """ "" when output holds the source's streams for its whole duration, else what differs."""
    assert probe is not None
    try:
        got, want = probe(output), probe(source)
    except Exception as error:  # PyAV's errors, or no frame to decode: not playable
        return f"{output.name} does not play: {type(error).__name__}: {error}"
    if (got.video, got.audio) != (want.video, want.audio):
        return f"{output.name} holds {got.video + got.audio}, not {want.video + want.audio}"
    if abs(got.duration - want.duration) > tolerance:
        return f"{output.name} lasts {got.duration:.2f} s, not {want.duration:.2f} s"
    return ""


Check = Callable[[Path], str]  # what is wrong with an output ("" when nothing)


def check_outputs(out: Path, check: Check | None) -> str:
    """ "" when out holds exactly what the run should have left: one right file, or none to check."""
    files = [p for p in out.iterdir() if p.is_file() and not p.name.startswith(".")]
    if check is None:
        return "" if not files else f"{len(files)} files where none was expected"
    if len(files) != 1:
        return f"{len(files)} files, not 1"
    return check(files[0])


def timed(command: list[str], out: Path, check: Check | None) -> Run:
    """Run a command to completion; wall time, peak RSS, and whether it left the right output."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:  # sampled: the exec'd program's own high-water mark
        peak = max(peak, peak_rss_mb(proc.pid) or 0.0)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        return Run(seconds, peak, False, err.strip()[-200:])
    wrong = check_outputs(out, check)
    return Run(seconds, peak, not wrong, wrong)


TOOLS = {
    "savevid": lambda url, out: [str(BIN / "savevid"), "download", "-o", str(out), url],
    # Start-up and extraction alone, without the download: what aria2c, given the file's URL, skips.
    "savevid info": lambda url, out: [str(BIN / "savevid"), "info", url],
    "yt-dlp": lambda url, out: [str(BIN / "yt-dlp"), "--no-config", "-q", "--no-part",
                                "--ffmpeg-location", FFMPEG, "-o", "%(id)s.%(ext)s", url],
    "yt-dlp -N 16": lambda url, out: [str(BIN / "yt-dlp"), "--no-config", "-q", "-N", "16",
                                      "--ffmpeg-location", FFMPEG, "-o", "%(id)s.%(ext)s", url],
    "aria2c -x16 -s16": lambda url, out: ["aria2c", "-x16", "-s16", "-k1M", "-q", "-d", str(out),
                                          "-o", "file.mp4", url],
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    path: str  # on the origin
    source: str  # the file of the media folder that its output must match
    compare: Callable[[Path, Path], str]  # same_bytes or same_media
    tools: tuple[str, ...]


FAST = ("savevid", "yt-dlp", "aria2c -x16 -s16")
STREAMS = ("savevid", "yt-dlp", "yt-dlp -N 16")
CASES = {
    "capped progressive": Case("/capped/big.mp4", "big.mp4", same_bytes,
                               ("savevid", "savevid info", "yt-dlp", "yt-dlp -N 16", "aria2c -x16 -s16")),
    "capped HLS": Case("/capped/hls/index.m3u8", "big.mp4", same_media, STREAMS),
    "capped DASH (video+audio)": Case("/capped/dash/manifest.mpd", "big.mp4", same_media, STREAMS),
    "uncapped progressive": Case("/free/big.mp4", "big.mp4", same_bytes, FAST),
    "uncapped 1 GiB": Case("/free/huge.mp4", "huge.mp4", same_bytes, FAST),
}  # fmt: skip


def checker(case: Case, media: Path) -> Check:
    """The check of one output of case against its source in the media folder."""
    source = media / case.source
    return lambda output: case.compare(output, source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rate", default="2m", help="nginx limit_rate per connection (default 2m)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the sample video")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each uncapped case (best counts)")
    parser.add_argument("--only", default="", help="comma-separated words: the cases whose names hold one")
    args = parser.parse_args()
    if probe is None:
        sys.exit("the benchmark checks its outputs with the tests' probe (PyAV): sh scripts/install test")
    media = make_media(args.seconds)
    size = (media / "big.mp4").stat().st_size
    words = [w.strip() for w in args.only.split(",") if w.strip()]
    cases = {k: v for k, v in CASES.items() if not words or any(w in k for w in words)}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        nginx, base = start_nginx(media, args.rate, tmp)
        try:
            results = run_all(cases, base, media, tmp, args.repeat)
        finally:
            nginx.terminate()
            nginx.wait()
    report(results, size, args.rate)


def run_all(
    cases: dict[str, Case], base: str, media: Path, tmp: Path, repeat: int
) -> dict[str, dict[str, Run]]:
    results: dict[str, dict[str, Run]] = {}
    for name, case in cases.items():
        results[name] = {}
        for tool in case.tools:
            if tool.startswith("aria2c") and not shutil.which("aria2c"):
                continue
            check = None if tool == "savevid info" else checker(case, media)
            runs = []
            for _ in range(repeat if "uncapped" in name else 1):  # short runs: best of several
                out = Path(tempfile.mkdtemp(dir=tmp))
                runs.append(timed(TOOLS[tool](base + case.path, out), out, check))
                shutil.rmtree(out, ignore_errors=True)
            run = min(runs, key=lambda r: (not r.ok, r.seconds))
            results[name][tool] = run
            print(f"{name:28} {tool:18} {run.seconds:7.2f} s {run.peak_mb:7.0f} MB"
                  f"{'' if run.ok else '  FAILED ' + run.note}", file=sys.stderr, flush=True)  # fmt: skip
    return results


def report(results: dict[str, dict[str, Run]], size: int, rate: str) -> None:
    print(f"\n{platform.node()} · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d')} · "
          f"sample {size / 1e6:.0f} MB · cap {rate.upper()}B/s per connection\n")  # fmt: skip
    print("| case | tool | seconds | savevid is faster by | peak memory |")
    print("|---|---|---:|---:|---:|")
    for case, runs in results.items():
        ours = runs.get("savevid")
        for tool, run in runs.items():
            compared = ours and not tool.startswith("savevid")
            ratio = f"{run.seconds / ours.seconds:.2f}x" if compared else ""
            flag = "" if run.ok else " (failed)"
            print(f"| {case} | {tool}{flag} | {run.seconds:.2f} | {ratio} | {run.peak_mb:.0f} MB |")


if __name__ == "__main__":
    main()
