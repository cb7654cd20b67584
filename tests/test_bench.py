"""The benchmark's own checks: a run counts only when its output is the source, byte for byte or as media."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_a_progressive_output_must_have_the_sources_size_and_hash(
    bench: ModuleType, media_dir: Path, tmp_path: Path
) -> None:
    source = media_dir / "progressive.mp4"
    same = tmp_path / "same.mp4"
    shutil.copy(source, same)
    assert bench.same_bytes(same, source) == ""
    flipped = bytearray(source.read_bytes())
    flipped[len(flipped) // 2] ^= 1
    (tmp_path / "flipped.mp4").write_bytes(bytes(flipped))
    assert "SHA-256" in bench.same_bytes(tmp_path / "flipped.mp4", source)
    (tmp_path / "short.mp4").write_bytes(source.read_bytes()[:-1000])
    assert "bytes, not" in bench.same_bytes(tmp_path / "short.mp4", source)


def test_a_stream_output_must_be_the_sources_media(
    bench: ModuleType, media_dir: Path, tmp_path: Path
) -> None:
    source = media_dir / "progressive.mp4"
    assert bench.same_media(source, source) == ""
    assert "holds" in bench.same_media(media_dir / "audio-only.m4a", source)
    (tmp_path / "zeros.mp4").write_bytes(bytes(100_000))
    assert "does not play" in bench.same_media(tmp_path / "zeros.mp4", source)


def test_a_run_must_leave_exactly_one_file(bench: ModuleType, media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "progressive.mp4"
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(source, out / "a.mp4")
    assert bench.check_outputs(out, lambda path: bench.same_bytes(path, source)) == ""
    shutil.copy(source, out / "b.mp4")
    assert bench.check_outputs(out, lambda path: bench.same_bytes(path, source)) == "2 files, not 1"
