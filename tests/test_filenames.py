from __future__ import annotations

import pytest

from savevid.safety.filenames import MAX_NAME_BYTES, clean_text, safe_filename, truncate_bytes


def test_title_and_id_make_the_name() -> None:
    assert safe_filename("My clip", "abc123", "mp4") == "My clip [abc123].mp4"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("a/b\\c", "a-b-c"),
        ("What? Why: now*", "What Why - now"),
        ('say "hi" <there> | ok', "say 'hi' _there_ - ok"),
        ("tab\there\nnewline\x00nul", "tab here newline nul"),
        ("evil\u202egnp.exe", "evil gnp.exe"),
        ("zero\u200bwidth", "zero width"),
        ("  spaced   out  ", "spaced out"),
        ("Türkçe başlık 日本語", "Türkçe başlık 日本語"),
    ],
)
def test_unsafe_characters_are_replaced(title: str, expected: str) -> None:
    assert clean_text(title) == expected


@pytest.mark.parametrize("title", ["CON", "con", "Nul", "COM1", "lpt9", "aux.txt"])
def test_windows_reserved_names_are_avoided(title: str) -> None:
    name = safe_filename(title, None, "mp4")
    assert name.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "AUX"}


@pytest.mark.parametrize("title", ["", "...", "   ", "\x00\x01", "-rf"])
def test_empty_hidden_or_option_like_titles_get_a_plain_name(title: str) -> None:
    name = safe_filename(title, "x", "mp4")
    assert not name.startswith((".", "-", " "))
    assert name.endswith(" [x].mp4")


def test_long_titles_are_capped_in_bytes_without_splitting_characters() -> None:
    name = safe_filename("ğ" * 500, "id", "mp4")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith(" [id].mp4")
    name.encode("utf-8").decode("utf-8")  # still valid UTF-8


def test_truncate_bytes_keeps_whole_characters() -> None:
    assert truncate_bytes("日本語", 7) == "日本"


def test_extension_and_id_cannot_smuggle_separators() -> None:
    name = safe_filename("t", "../../etc", "/mp4")
    assert "/" not in name and "\\" not in name
