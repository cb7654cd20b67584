from __future__ import annotations

from savevid.engine.pieces import PieceTable


def test_free_workers_take_half_of_the_largest_remaining_piece() -> None:
    table = PieceTable.whole(100, min_piece=10)
    first = table.claim(at=0)
    assert first is not None and (first.start, first.end) == (0, 100)
    second = table.claim()
    assert second is not None and (second.start, second.end) == (50, 100) and first.end == 50
    third = table.claim()
    assert third is not None and (third.start, third.end) == (25, 50) and first.end == 25
    assert table.busy == 3


def test_pieces_smaller_than_twice_the_minimum_are_not_split() -> None:
    table = PieceTable.whole(30, min_piece=16)
    assert table.claim() is not None
    assert table.claim() is None


def test_writes_stop_at_the_end_of_a_split_piece() -> None:
    table = PieceTable.whole(100, min_piece=10)
    first = table.claim()
    assert first is not None
    table.advance(first, 5)
    table.claim()  # splits at 5 + 95 // 2 = 52
    assert first.end == 52
    assert table.writable(first, 100) == 47


def test_a_released_piece_is_taken_again_where_it_stopped() -> None:
    table = PieceTable.whole(100, min_piece=10)
    piece = table.claim()
    assert piece is not None
    table.advance(piece, 30)
    table.release(piece)
    again = table.claim()
    assert again is piece and again.pos == 30
    assert table.first_gap() == 30 and table.done == 30


def test_state_round_trip_resumes_the_gaps() -> None:
    table = PieceTable.whole(100, min_piece=10)
    a = table.claim()
    b = table.claim()
    assert a is not None and b is not None
    table.advance(a, 20)
    table.advance(b, 50)  # b is [50, 100): complete
    restored = PieceTable(100, table.snapshot(), min_piece=10)
    assert restored.done == 70 and not restored.complete
    gap = restored.claim()
    assert gap is not None and (gap.pos, gap.end) == (20, 50)
    restored.advance(gap, 30)
    assert restored.complete
