"""Each metric function on small cases worked out by hand (the payment ledger: test_ledger_fifo.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from procurement import metrics as m
from procurement.settings import Settings

T = pd.Timestamp


def test_ratio_zero_denominator_is_none_never_inf():
    assert m.ratio(5, 0) is None
    assert m.ratio(0, 0) is None
    assert m.ratio(1, 4) == 0.25
    out = m.ratio(pd.Series([1.0, 2.0, 3.0]), pd.Series([0.0, 4.0, np.nan]))
    assert np.isnan(out[0]) and out[1] == 0.5 and np.isnan(out[2])
    assert not np.isinf(out).any()


def test_completion_rate_county_batches():
    # published: 877,800 of 873,000 -> 100.55%; 658,100 of 1,464,900 -> 44.92%
    assert round(m.completion_rate(877_800, 873_000), 4) == 1.0055
    assert round(m.completion_rate(658_100, 1_464_900), 4) == 0.4492


def test_time_elapsed_counts_both_ends_and_caps():
    # 2020 has 366 days; 1 Jan .. 31 Jan is 31 days
    assert m.time_elapsed(date(2020, 1, 31), T("2020-01-01"), T("2020-12-31")) == pytest.approx(31 / 366)
    assert m.time_elapsed(date(2020, 12, 31), T("2020-01-01"), T("2020-12-31")) == 1.0
    assert m.time_elapsed(date(2021, 6, 1), T("2020-01-01"), T("2020-12-31")) == 1.0
    assert m.time_elapsed(date(2019, 6, 1), T("2020-01-01"), T("2020-12-31")) == 0.0
    assert m.time_elapsed(date(2020, 1, 1), T("2020-01-01"), T("2020-01-10")) == pytest.approx(0.1)
    assert m.time_elapsed(date(2020, 1, 1), pd.NaT, T("2020-01-10")) is None
    vec = m.time_elapsed(date(2020, 1, 5), pd.Series([T("2020-01-01"), T("2020-01-03")]),
                         pd.Series([T("2020-01-10"), T("2020-01-12")]))
    assert list(vec) == pytest.approx([0.5, 0.3])


@pytest.mark.parametrize(
    ("purchased", "completion", "elapsed", "expected"),
    [
        (0, 0.0, 0.5, "zero_purchase"),
        (10, 0.1, 0.5, "below_schedule"),
        (10, 0.5, 0.5, "normal"),  # exactly on schedule is not below
        (10, 0.9, 0.5, "normal"),
        (10, 1.0, 1.0, "normal"),  # exactly 100% is not over
        (10, 1.01, 0.5, "over_purchase"),
        (10, 0.1, None, "normal"),  # no period: cannot be below
    ],
)
def test_progress_status(purchased, completion, elapsed, expected):
    assert m.progress_status(purchased, completion, elapsed) == expected
    vec = m.progress_status(np.array([purchased]), np.array([completion]), np.array([np.nan if elapsed is None else elapsed]))
    assert vec[0] == expected


def test_progress_status_mixed_and_unknown_inputs():
    # one product (10 bought, completion 0.1) on three days: elapsed 0.5 -> 0.1 < 0.5 below; elapsed
    # 0.1 -> on schedule to the day, normal; elapsed 0.05 -> ahead, normal. Element-wise as soon as any
    # argument is an array, like the other metrics
    assert m.progress_status(10, 0.1, np.array([0.5, 0.1, 0.05])).tolist() == ["below_schedule", "normal", "normal"]
    # an unknown purchased volume (None in a list, NA in a nullable Series) is nothing bought, as in
    # the scalar path; completion 1.2 > 1 is over
    assert m.progress_status([None, 10.0], [None, 0.1], [0.5, 0.5]).tolist() == ["zero_purchase", "below_schedule"]
    got = m.progress_status(pd.Series([pd.NA, 12.0], dtype="Float64"), pd.Series([pd.NA, 1.2], dtype="Float64"),
                            pd.Series([0.5, 0.5]))
    assert got.tolist() == ["zero_purchase", "over_purchase"]


@pytest.mark.parametrize(
    ("completion", "elapsed", "behind"),
    [
        (0.4492, 1.0, True),  # the county's second batch: 44.92% against a full year
        (0.5, 0.5, False),  # on schedule to the day is not behind (strictly below)
        (0.4999, 0.5, True),
        (0.0, 0.5, True),  # nothing bought once the period has begun
        (0.0, 0.0, False),  # nor before it begins
        (None, 0.5, False),  # no agreed volume: nothing to be behind on
        (0.3, None, False),  # no period: no schedule
        (1.2, 0.5, False),
    ],
)
def test_behind_schedule_boundaries(completion, elapsed, behind):
    assert m.behind_schedule(completion, elapsed) is behind
    vector = m.behind_schedule(pd.Series([completion], dtype="float64"), pd.Series([elapsed], dtype="float64"))
    assert vector.tolist() == [behind]


def test_behind_schedule_keeps_the_index_of_whichever_side_is_a_series():
    # 0.1 < 0.3 behind, 0.5 < 0.3 not: the answer is labelled like the Series given, on either side
    elapsed = pd.Series([0.3, 0.3], index=[7, 9])
    from_elapsed = m.behind_schedule(np.array([0.1, 0.5]), elapsed)
    assert isinstance(from_elapsed, pd.Series) and from_elapsed.index.tolist() == [7, 9]
    assert from_elapsed.tolist() == [True, False]
    completion = pd.Series([0.1, 0.5], index=[4, 2])
    from_completion = m.behind_schedule(completion, np.array([0.3, 0.3]))
    assert isinstance(from_completion, pd.Series) and from_completion.index.tolist() == [4, 2]
    assert from_completion.tolist() == [True, False]


def test_warning_only_from_the_third_month():
    start = T("2020-01-01")
    assert not m.warning_window_open(date(2020, 2, 29), start, 3)
    assert m.warning_window_open(date(2020, 3, 1), start, 3)
    # completion 0.1 vs 0.8 x 0.5 = 0.4 -> warns once the window is open
    assert m.warning(0.1, 0.5, True, 0.8) is True
    assert m.warning(0.1, 0.5, False, 0.8) is False
    assert m.warning(0.41, 0.5, True, 0.8) is False
    assert m.warning(None, 0.5, True, 0.8) is False


def test_warning_threshold_is_strict():
    # metrics.md: 预警 when completion < 0.8 x time elapsed. Elapsed 0.5 puts the threshold at 0.8 x 0.5
    # = 0.4 (exact in binary: 0.8's double is twice 0.4's), so completion exactly 0.4 is on it and does
    # not warn; a millionth less does. Both the scalar and the element-wise paths.
    assert 0.8 * 0.5 == 0.4  # the premise: the boundary is hit exactly, not by rounding
    assert m.warning(0.4, 0.5, True, 0.8) is False
    assert m.warning(0.399999, 0.5, True, 0.8) is True
    got = m.warning(np.array([0.4, 0.399999, 0.8, 0.799999]), np.array([0.5, 0.5, 1.0, 1.0]),
                    np.array([True, True, True, True]), 0.8)  # second pair: 0.8 x 1.0 = 0.8
    assert got.tolist() == [False, True, False, True]


def test_warning_mixed_inputs_and_unknowns():
    # any one argument an array: element-wise (0.8 x 0.5 = 0.4: 0.1 warns, 0.5 does not)
    assert m.warning(np.array([0.1, 0.5]), 0.5, True, 0.8).tolist() == [True, False]
    assert m.warning(0.1, np.array([0.5, 0.1]), True, 0.8).tolist() == [True, False]  # 0.8 x 0.1 = 0.08
    assert m.warning(0.1, 0.5, np.array([True, False]), 0.8).tolist() == [True, False]
    # an unknown completion in a list (None) never warns
    assert m.warning([None, 0.1], [0.5, 0.5], [True, True], 0.8).tolist() == [False, True]
    # without a factor, metrics.md's 0.8: 0.8 of a finished period is on the threshold, 0.79 under it
    assert m.warning(0.8, 1.0, True) is False and m.warning(0.79, 1.0, True) is True


def test_one_side_an_array_the_other_scalar_or_a_list_with_none():
    # ratio: 1 / [2, 4] = [0.5, 0.25] (the answer takes the shape of either side)
    assert m.ratio(1.0, np.array([2.0, 4.0])).tolist() == [0.5, 0.25]
    # behind_schedule: an unknown elapsed (None in a list) is never behind; 0.1 < 0.5 is
    assert m.behind_schedule(np.array([0.1, 0.1]), [0.5, None]).tolist() == [True, False]
    # progress_status with only completion an array: 10 bought, 0.1 < 0.5 below, 1.2 > 1 over
    assert m.progress_status(10, np.array([0.1, 1.2]), 0.5).tolist() == ["below_schedule", "over_purchase"]


def test_time_elapsed_of_a_one_day_period():
    # a period of one day (start = end, 1 day long): on that day it has fully elapsed (1/1), the day
    # before not at all (0/1); an end before the start is no period (None)
    day = T("2020-01-01")
    assert m.time_elapsed(date(2020, 1, 1), day, day) == 1.0
    assert m.time_elapsed(date(2019, 12, 31), day, day) == 0.0
    assert m.time_elapsed(date(2020, 1, 1), day, T("2019-12-31")) is None


def test_warning_of_an_unknown_scalar_completion_is_false():
    # a completion that is not known (None, NaN, or pandas' NA from a nullable column) never warns,
    # even in an open window and against a period well under way (0.8 x 0.5 = 0.4)
    assert m.warning(pd.NA, 0.5, True, 0.8) is False
    assert m.warning(float("nan"), 0.5, True, 0.8) is False
    assert m.warning(0.1, pd.NA, True, 0.8) is False


def test_warning_window_is_read_as_true_or_false():
    # the window may come as counts of open products or as floats (a level's summed window_open): any
    # non-zero is open, as in the scalar path; completion 0.1 < 0.8 x 0.5 = 0.4 warns where open
    assert m.warning(0.1, 0.5, 2, 0.8) is True
    got = m.warning(np.array([0.1, 0.1, 0.1]), np.array([0.5, 0.5, 0.5]), np.array([2, 1, 0]), 0.8)
    assert got.dtype == bool and got.tolist() == [True, True, False]
    assert m.warning(np.array([0.1, 0.1]), np.array([0.5, 0.5]), np.array([1.0, 0.0]), 0.8).tolist() == [True, False]


def test_warning_window_opens_on_the_first_day_of_the_month():
    # from month 3 of a period starting 2020-01-31: start + 2 months = 2020-03-31 (pandas keeps the
    # day where the month has it), so 30 March is closed and 31 March open; element-wise the same
    start = T("2020-01-31")
    assert not m.warning_window_open(date(2020, 3, 30), start, 3)
    assert m.warning_window_open(date(2020, 3, 31), start, 3)
    assert m.warning_window_open(date(2020, 3, 31), pd.Series([start, T("2020-02-01"), pd.NaT]), 3).tolist() == [
        True, False, False]  # 2020-02-01 + 2 months = 2020-04-01: not yet; no start: never


def test_projected_completion_is_run_rate():
    assert m.projected_completion(0.3, 0.5) == pytest.approx(0.6)
    assert m.projected_completion(0.3, 0.0) is None


def test_money_ratios():
    # published: 52.53万 paid of 60.57万 agreed (both rounded) -> 86.72%; 525,300 / 605,740 = 0.86720...
    assert round(m.paid_vs_agreed(525_300, 605_740), 4) == 0.8672
    assert m.collection_rate(70, 100) == 0.7
    assert m.on_time_rate(30, 120) == 0.25
    assert m.avg_days_to_pay(100 * 10 + 300 * 30, 400) == 25.0


def test_overdue_buckets():
    assert m.overdue_bucket(30) is None
    assert m.overdue_bucket(31) == "31-60"
    assert m.overdue_bucket(60) == "31-60"
    assert m.overdue_bucket(61) == "61-90"
    assert m.overdue_bucket(91) == ">90"
    assert m.overdue_bucket(50, payment_days=45) == "31-60"  # 46..75 is the first bucket of a 45-day term
    assert list(m.overdue_bucket(np.array([10, 45, 70, 200]))) == [None, "31-60", "61-90", ">90"]


def test_overdue_bucket_edges_on_both_paths():
    # a 30-day term: 31..60 days old is '31-60', 61..90 '61-90', 91 on '>90'; 30 or less, or unknown, none.
    # Each edge and the day past it, one by one (scalar) and element-wise (list, with a gap, and a
    # Series whose index must come back as it went in)
    ages = [30, 31, 60, 61, 90, 91]
    want = [None, "31-60", "31-60", "61-90", "61-90", ">90"]
    assert [m.overdue_bucket(a) for a in ages] == want
    assert m.overdue_bucket(None) is None and m.overdue_bucket(float("nan")) is None
    assert list(m.overdue_bucket([*ages, None])) == [*want, None]  # None read as unknown, not compared
    assert list(m.overdue_bucket(np.array([*ages, np.nan]))) == [*want, None]
    out = m.overdue_bucket(pd.Series([75.0, 10.0], index=[7, 3]))
    assert out.index.tolist() == [7, 3] and out.tolist() == ["61-90", None]
    # a 45-day term shifts every edge by 15: 45 none, 46 and 75 '31-60', 76 and 105 '61-90', 106 '>90'
    assert list(m.overdue_bucket(np.array([45, 46, 75, 76, 105, 106]), payment_days=45)) == [
        None, "31-60", "31-60", "61-90", "61-90", ">90"]
    assert [m.overdue_bucket(a, payment_days=45) for a in (105, 106)] == ["61-90", ">90"]


def test_nonwinning_over_unknown_volume_is_not_over():
    # an unknown non-winning volume (None in a list) reads as NaN: not above anything
    assert m.nonwinning_over([None, 5.0], [1.0, 1.0]).tolist() == [False, True]
    assert m.nonwinning_over([None, 5.0], [1.0, 1.0], share=0.5).tolist() == [False, True]  # 5/6 > 0.5
    # nor against an unknown winning volume: nothing to compare with
    assert m.nonwinning_over([5.0, 5.0], [None, 1.0]).tolist() == [False, True]


def test_nonwinning_over_edges():
    # above the share is strictly above: 3 of 3 + 1 = 0.75 exactly is not over a 0.75 share, 3.01 is
    assert m.nonwinning_over(3.0, 1.0, share=0.75) is False
    assert m.nonwinning_over(3.01, 1.0, share=0.75) is True
    # any non-winning use counts, half a unit too; none never does, even against a net return (-5)
    assert m.nonwinning_over(0.5, 0.0) is True
    assert m.nonwinning_over(0.0, -5.0) is False
    out = m.nonwinning_over(pd.Series([2.0, 1.0], index=["a", "b"]), pd.Series([1.0, 2.0], index=["a", "b"]))
    assert out.index.tolist() == ["a", "b"] and out.tolist() == [True, False]  # aligned with its input


def test_overdue_bucket_positions_by_hand():
    ages = [float("nan"), 0, 30, 31, 60, 61, 90, 91, 400]
    assert m.overdue_bucket_index(ages, 30).tolist() == [-1, -1, -1, 0, 0, 1, 1, 2, 2]
    assert m.overdue_bucket_index([45, 46, 76], 45).tolist() == [-1, 0, 1]


def test_savings_and_price_drops_differ_when_big_products_fall_less():
    # two products: a big one falling 10%, a small one falling 70%
    drops = [m.price_drop(9.0, 10.0), m.price_drop(0.3, 1.0)]
    assert drops == pytest.approx([0.1, 0.7])
    assert m.mean_price_drop(drops) == pytest.approx(0.4)
    assert m.max_price_drop(drops) == pytest.approx(0.7)
    saved = m.savings(1000, 10.0, 9.0) + m.savings(100, 1.0, 0.3)  # 1000 + 70
    assert saved == pytest.approx(1070)
    assert m.savings_rate(saved, 1000 * 10.0 + 100 * 1.0) == pytest.approx(1070 / 10100)
    assert m.savings(10, None, 1.0) is None
    assert m.mean_price_drop([np.nan]) is None


def test_savings_element_wise_when_only_the_baseline_is_an_array():
    # 10 units at 1.0 against baselines 2.0, 3.0 and unknown: 10 x 1 = 10, 10 x 2 = 20, NaN
    out = m.savings(10, np.array([2.0, 3.0, np.nan]), 1.0)
    assert out[:2].tolist() == [10.0, 20.0] and np.isnan(out[2])


def test_time_elapsed_keeps_the_index_of_a_series_start():
    # one period end for two starts (1 and 3 Jan 2020, end 10 Jan): as of 5 Jan, 5/10 and 3/8; the
    # answer is labelled like the starts given
    got = m.time_elapsed(date(2020, 1, 5), pd.Series([T("2020-01-01"), T("2020-01-03")], index=[8, 6]),
                         T("2020-01-10"))
    assert isinstance(got, pd.Series) and got.index.tolist() == [8, 6]
    assert got.tolist() == pytest.approx([0.5, 0.375])


def test_winning_share():
    assert m.winning_share(300, 400) == 0.75
    assert m.winning_share(0, 0) is None


def test_retention_grades_and_amounts():
    s = Settings()
    assert m.retention_grade(1.0, 0.95, s) == "A"
    assert m.retention_grade(1.2, 0.9, s) == "B"  # complete but paid late
    assert m.retention_grade(0.9, 1.0, s) == "B"
    assert m.retention_grade(0.85, 1.0, s) == "C"
    assert m.retention_grade(0.5, 1.0, s) == "D"
    assert m.retention_grade(None, None, s) == "D"


def test_retained_savings_unknowns_and_mixed_inputs():
    s = Settings()  # fund share 0.7; grade shares A 0.5, B 0.4, C 0.3, D 0
    assert m.retained_savings(float("nan"), "A", s) is None  # no saving known: none retained, not NaN
    assert m.retained_savings(1000.0, None, s) == 0.0  # no grade: nothing retained
    # grades as an array: element-wise, 1000 x 0.7 x 0.5 = 350, D and an unknown grade 0
    assert m.retained_savings(1000.0, np.array(["A", "D", None], dtype=object), s).tolist() == pytest.approx(
        [350.0, 0.0, 0.0])
    # a Series keeps its index; an unknown saving in a list stays unknown (NaN), the others are figured
    out = m.retained_savings(pd.Series([1000.0, None], index=[5, 9]), pd.Series(["B", "A"], index=[5, 9]), s)
    assert out.index.tolist() == [5, 9] and out[5] == pytest.approx(280.0) and np.isnan(out[9])  # 1000 x 0.7 x 0.4
    listed = m.retained_savings([1000.0, None], ["A", "A"], s)
    assert listed[0] == pytest.approx(350.0) and np.isnan(listed[1])
    # one grade for a whole array of savings (a region graded once): 1000 x 0.7 x 0.5, 200 x 0.7 x 0.5
    assert m.retained_savings(np.array([1000.0, 200.0]), "A", s).tolist() == pytest.approx([350.0, 70.0])
    one_grade = m.retained_savings(pd.Series([1000.0, 200.0], index=[3, 1]), "C", s)  # x 0.7 x 0.3
    assert one_grade.index.tolist() == [3, 1] and one_grade.tolist() == pytest.approx([210.0, 42.0])


def test_retention_grade_edges_and_mixed_inputs():
    s = Settings()  # A: completion >= 1.0 and on time >= 0.95; B: >= 0.9; C: >= 0.8; else D
    assert m.retention_grade(0.8, 1.0, s) == "C" and m.retention_grade(0.799, 1.0, s) == "D"
    assert m.retention_grade(1.0, 0.949, s) == "B"
    # an unknown on-time rate (nothing due yet) never earns A: complete -> B, however read
    assert m.retention_grade(1.0, None, s) == "B" and m.retention_grade(1.0, float("nan"), s) == "B"
    # one side an array, the other a scalar: graded element-wise either way
    assert m.retention_grade(np.array([1.0, 0.5]), 0.95, s).tolist() == ["A", "D"]
    assert m.retention_grade(1.0, np.array([0.95, 0.5]), s).tolist() == ["A", "B"]
    # the element-wise path at the same edges as the scalar one: A at exactly 1.0 and 0.95, B at 0.9,
    # C at 0.8; unknowns (NaN, None in a list) as the scalar path reads them; a Series keeps its index
    got = m.retention_grade([1.0, 1.0, 0.9, 0.8, 0.799, None, 1.0, 1.0], [0.95, 0.949, 1.0, 1.0, 1.0, 1.0, np.nan, None], s)
    assert got.tolist() == ["A", "B", "B", "C", "D", "D", "B", "B"]
    graded = m.retention_grade(pd.Series([1.0, 0.5], index=[4, 2]), pd.Series([1.0, 1.0], index=[4, 2]), s)
    assert graded.index.tolist() == [4, 2] and graded.tolist() == ["A", "D"]
    # thresholds at 0: an unknown completion is still D, an unknown on-time rate still not A (both paths)
    zero = Settings(grade_a_on_time=0.0, grade_c_completion=0.0)
    assert m.retention_grade(None, 1.0, zero) == "D" and m.retention_grade(1.0, None, zero) == "B"
    assert m.retention_grade(np.array([np.nan, 1.0]), np.array([1.0, np.nan]), zero).tolist() == ["D", "B"]
    assert m.retained_savings(1000.0, "A", s) == pytest.approx(350.0)  # 1000 x 0.7 x 0.5
    assert m.retained_savings(1000.0, "C", s) == pytest.approx(210.0)
    assert m.retained_savings(1000.0, "D", s) == 0.0
    custom = Settings(fund_share=0.5, grade_shares=(("A", 0.6), ("B", 0.4), ("C", 0.2), ("D", 0.0)))
    assert m.retained_savings(1000.0, "A", custom) == pytest.approx(300.0)
    assert list(m.retention_grade(np.array([1.0, 0.95, 0.8, np.nan]), np.array([1.0, 1.0, 1.0, 1.0]), s)) == ["A", "B", "C", "D"]


def test_settings_are_frozen_and_hashable():
    s = Settings()
    with pytest.raises(AttributeError):
        s.payment_days = 10  # type: ignore[misc]
    assert hash(s) == hash(Settings())
    assert s.grade_share("B") == 0.4


def test_nonwinning_over():
    assert m.nonwinning_over(200, 100) is True
    assert m.nonwinning_over(100, 100) is False  # equal is not more
    assert m.nonwinning_over(0, 0) is False
    assert m.nonwinning_over(200, 100, share=0.7) is False  # 66.7% of use
    assert m.nonwinning_over(300, 100, share=0.7) is True  # 75%
    assert list(m.nonwinning_over(np.array([5.0, 1.0]), np.array([0.0, 2.0]))) == [True, False]
