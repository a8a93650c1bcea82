from datetime import UTC, datetime, time

from monitor.units import QuietHours

NIGHT = QuietHours(time(22, 0), time(7, 0), "Europe/Moscow")  # UTC+3 all year


def test_a_window_that_wraps_midnight_ends_the_next_morning() -> None:
    late = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 23:30 in Moscow
    assert NIGHT.contains(late)
    assert NIGHT.ends_after(late) == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_after_midnight_it_ends_the_same_morning() -> None:
    small_hours = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)  # 03:30 in Moscow
    assert NIGHT.contains(small_hours)
    assert NIGHT.ends_after(small_hours) == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def test_daytime_is_not_quiet() -> None:
    assert not NIGHT.contains(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


def test_the_end_follows_daylight_saving_time() -> None:
    berlin = QuietHours(time(22, 0), time(7, 0), "Europe/Berlin")
    # The night the clocks go forward (29 March 2026): 07:00 is then UTC+2.
    night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert berlin.ends_after(night) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
