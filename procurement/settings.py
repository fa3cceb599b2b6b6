"""Policy settings behind the metrics: local rules differ, so every threshold is a parameter.

Defaults are those of ``shared/spec/metrics.md``. The dataclass is frozen and hashable so that it can
key caches (the app caches reports per settings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Payment terms, warning rule and the retained-savings (结余留用) policy."""

    payment_days: int = 30  # deliveries must be paid within this many days (回款时限)
    warning_factor: float = 0.8  # warn when completion < factor x time elapsed
    warning_from_month: int = 3  # ... from this month of the agreement period on
    fund_share: float = 0.7  # share of purchase spend paid by the insurance fund
    # hospital's retained share of the fund's saving by grade; a tuple of pairs to stay hashable
    grade_shares: tuple[tuple[str, float], ...] = (("A", 0.5), ("B", 0.4), ("C", 0.3), ("D", 0.0))
    grade_a_completion: float = 1.0
    grade_a_on_time: float = 0.95
    grade_b_completion: float = 0.9
    grade_c_completion: float = 0.8
    # a drug is "non-winning over" (非中选超量) when non-winning volume exceeds this share of its total
    # use; None: when non-winning volume exceeds winning volume
    nonwinning_over_share: float | None = None
    # the insurance fund prepays at least this share of a hospital's agreed amount (医保预付, policy 30%)
    prepay_share_min: float = 0.3
    # a later agreement year (协议年度) with no agreed volume given takes the previous year's (domain.md)
    carry_agreed_volume: bool = True
    # the next cycle's agreed volume / actual use (接续采购); None: the ratio by number of winners
    renewal_ratio: float | None = None

    def grade_share(self, grade: str) -> float:
        """Retained share for a grade (0 for an unknown grade: nothing is retained by mistake)."""
        return dict(self.grade_shares).get(grade, 0.0)


_RATIO_BY_WINNERS = {1: 0.5, 2: 0.6, 3: 0.7}


def agreed_ratio_by_winners(n_winners: int) -> float:
    """National rule since the 7th batch: 1 winner 50%, 2 60%, 3 70%, 4 or more 80% of declared volume."""
    if n_winners < 1:
        raise ValueError("a drug needs at least one winner / 至少需要一个中选企业")
    return _RATIO_BY_WINNERS.get(n_winners, 0.8)
