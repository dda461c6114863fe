import pytest

from apps.wallet.levels import level_for_xp, level_progress, total_xp_for_level, xp_to_next_level


@pytest.mark.parametrize("level", range(1, 101))
def test_total_xp_for_level_follows_the_contract_formula(level):
    assert total_xp_for_level(level) == 25 * (level - 1) * (level + 2)
    assert xp_to_next_level(level) == 50 * (level + 1) == total_xp_for_level(level + 1) - total_xp_for_level(level)


@pytest.mark.parametrize("level", range(2, 101))
def test_level_for_xp_at_each_boundary_and_one_below(level):
    start = 25 * (level - 1) * (level + 2)
    assert level_for_xp(start) == level
    assert level_for_xp(start - 1) == level - 1
    assert level_for_xp(start + 1) == level


def test_contract_examples():
    assert [total_xp_for_level(level) for level in (2, 3, 4, 5, 10)] == [100, 250, 450, 700, 2700]
    assert level_for_xp(0) == 1 and level_for_xp(-5) == 1 and level_for_xp(99) == 1
    assert level_progress(260) == {"level": 3, "xp_into_level": 10, "xp_for_next_level": 200}


def test_level_for_huge_xp_is_exact():
    xp = total_xp_for_level(100_000)
    assert level_for_xp(xp) == 100_000 and level_for_xp(xp - 1) == 99_999
