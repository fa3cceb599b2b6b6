"""A synthetic alliance (示例联盟): every table of the tool, filled with made-up but plausible data.

Used for the committed ``sample_data/`` spreadsheets, the tests, the benchmarks and the app's
provincial demo. Every hospital, region and company name is invented ("示例", "样例", "模拟"...); prices
and volumes are drawn at random within realistic ranges. Deterministic for a seed, and vectorised so a
province of 1,000 hospitals and a million purchase lines generates in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from procurement.model import Dataset, conform

# (generic name, dosage form, specifications, minimum unit, pack sizes, baseline price range, antibacterial)
_DRUGS: tuple[tuple[str, str, tuple[str, ...], str, tuple[int, ...], tuple[float, float], bool], ...] = (
    ("阿托伐他汀钙片", "片剂", ("10mg", "20mg"), "片", (7, 14, 28), (2.0, 6.0), False),
    ("瑞舒伐他汀钙片", "片剂", ("5mg", "10mg"), "片", (7, 14, 28), (2.5, 5.0), False),
    ("苯磺酸氨氯地平片", "片剂", ("5mg",), "片", (7, 14, 28), (1.5, 4.5), False),
    ("缬沙坦胶囊", "胶囊剂", ("80mg",), "粒", (7, 14, 28), (2.0, 4.0), False),
    ("盐酸二甲双胍片", "片剂", ("0.5g",), "片", (30, 48, 100), (0.3, 1.2), False),
    ("阿卡波糖片", "片剂", ("50mg",), "片", (30, 48), (1.0, 2.5), False),
    ("恩替卡韦分散片", "片剂", ("0.5mg",), "片", (7, 14, 28), (8.0, 18.0), False),
    ("硫酸氢氯吡格雷片", "片剂", ("75mg",), "片", (7, 14, 28), (6.0, 15.0), False),
    ("头孢呋辛酯片", "片剂", ("0.25g",), "片", (10, 14, 24), (1.5, 4.0), True),
    ("左氧氟沙星注射液", "注射剂", ("100ml:0.5g",), "支", (10,), (12.0, 30.0), True),
    ("蒙脱石散", "散剂", ("3g",), "袋", (10, 24, 30), (1.0, 2.5), False),
    ("奥美拉唑肠溶胶囊", "胶囊剂", ("20mg",), "粒", (7, 14, 28), (1.5, 5.0), False),
    ("注射用头孢曲松钠", "注射剂", ("1.0g", "2.0g"), "支", (10,), (6.0, 20.0), True),
    ("甲钴胺片", "片剂", ("0.5mg",), "片", (24, 30, 48), (0.8, 2.0), False),
    ("替格瑞洛片", "片剂", ("90mg",), "片", (14, 28), (6.0, 9.0), False),
    ("达格列净片", "片剂", ("10mg",), "片", (7, 14, 28, 30), (4.0, 7.0), False),
    ("坎地沙坦酯片", "片剂", ("8mg",), "片", (14, 28), (1.5, 4.0), False),
    ("厄贝沙坦片", "片剂", ("0.15g",), "片", (7, 14, 28), (1.5, 3.5), False),
    ("硝苯地平控释片", "片剂", ("30mg",), "片", (7, 14), (3.0, 6.0), False),
    ("琥珀酸美托洛尔缓释片", "片剂", ("47.5mg",), "片", (7, 14, 28), (1.5, 4.0), False),
    ("孟鲁司特钠片", "片剂", ("10mg",), "片", (7, 14), (3.0, 7.0), False),
    ("盐酸莫西沙星片", "片剂", ("0.4g",), "片", (7, 10), (8.0, 20.0), True),
    ("阿奇霉素片", "片剂", ("0.25g",), "片", (7, 10, 14), (2.0, 5.0), True),
    ("塞来昔布胶囊", "胶囊剂", ("0.2g",), "粒", (10, 14, 24), (3.0, 7.0), False),
    ("磷酸奥司他韦胶囊", "胶囊剂", ("75mg",), "粒", (10,), (4.0, 9.0), False),
    ("布地奈德吸入混悬液", "吸入剂", ("2ml:1mg",), "支", (10, 30), (6.0, 12.0), False),
    ("盐酸氨溴索注射液", "注射剂", ("2ml:15mg",), "支", (10,), (2.0, 8.0), False),
    ("布洛芬混悬液", "口服混悬剂", ("100ml:2g",), "ml", (100,), (0.15, 0.4), False),
    ("乳果糖口服溶液", "口服溶液剂", ("100ml:66.7g",), "ml", (100,), (0.2, 0.5), False),
    ("氯沙坦钾片", "片剂", ("50mg", "100mg"), "片", (7, 14, 28), (1.5, 4.0), False),
    ("格列美脲片", "片剂", ("2mg",), "片", (30, 36, 48), (0.8, 2.5), False),
    ("利伐沙班片", "片剂", ("10mg",), "片", (7, 10, 14), (8.0, 18.0), False),
    ("富马酸替诺福韦二吡呋酯片", "片剂", ("0.3g",), "片", (30,), (6.0, 15.0), False),
    ("注射用奥美拉唑钠", "注射剂", ("40mg",), "支", (10,), (8.0, 25.0), False),
    ("蒙脱石混悬液", "口服混悬剂", ("100ml:10g",), "ml", (100,), (0.1, 0.3), False),
    ("阿莫西林胶囊", "胶囊剂", ("0.25g",), "粒", (24, 36, 48), (0.2, 0.6), True),
    ("头孢克肟颗粒", "颗粒剂", ("50mg",), "袋", (10, 24), (1.0, 3.0), True),
    ("非布司他片", "片剂", ("40mg",), "片", (10, 14, 28), (3.0, 6.0), False),
    ("沙库巴曲缬沙坦钠片", "片剂", ("100mg",), "片", (14, 28), (4.0, 8.0), False),
    ("吗替麦考酚酯胶囊", "胶囊剂", ("0.25g",), "粒", (24, 48, 100), (3.0, 6.0), False),
)

_MAKER_PREFIXES = ("示例", "样例", "模拟", "演示", "虚拟", "范例", "仿真", "试样")
_MAKER_SUFFIXES = ("制药有限公司", "药业股份有限公司", "医药科技有限公司", "生物制药有限公司")
MAKERS: tuple[str, ...] = tuple(p + s for s in _MAKER_SUFFIXES for p in _MAKER_PREFIXES)

# (region, name used in hospital names, is a city district)
_REGIONS = (("示例市城区", "示例市", True), ("样例县", "样例县", False), ("模拟县", "模拟县", False),
            ("演示县", "演示县", False), ("范例区", "示例市范例区", False))
_CITY_KINDS = ("第一人民医院", "第二人民医院", "中医院", "妇幼保健院", "东街社区卫生服务中心", "第三人民医院",
               "北苑社区卫生服务中心", "中西医结合医院", "西湖社区卫生服务中心")
_DISTRICT_KINDS = ("人民医院", "中医院", "东湖街道社区卫生服务中心", "妇幼保健院", "第二人民医院",
                   "南苑街道社区卫生服务中心")
_COUNTY_KINDS = ("人民医院", "中医院", "城关镇卫生院", "妇幼保健院", "第二人民医院", "东关镇卫生院",
                 "西河镇卫生院", "南山乡卫生院")

# (batch, product-code prefix, months after ``start`` the agreement period begins)
BATCHES: tuple[tuple[str, str, int], ...] = (
    ("第九批国采", "G9", 0), ("第十批国采", "G10", 3), ("省际联盟第三批", "LM3", 5))
RATIO_BY_WINNERS = {1: 0.5, 2: 0.6, 3: 0.7, 4: 0.8}
AS_OF_WEEKS_BEFORE_END = 3  # the data stops this many weeks before the first batch's period ends


def alliance_as_of(start: date = date(2026, 1, 1)) -> date:
    """The last day with data: a few weeks before the first batch's one-year period ends."""
    return _add_months(start, 12) - timedelta(days=1 + 7 * AS_OF_WEEKS_BEFORE_END)


@dataclass(frozen=True)
class Traits:
    """Which hospitals and pairs were made to misbehave, so tests and demos can point at them."""

    laggard_hospitals: tuple[str, ...]
    late_paying_hospitals: tuple[str, ...]
    zero_purchase_pairs: tuple[tuple[str, str], ...]  # (hospital_id, product_id)
    over_purchase_pairs: tuple[tuple[str, str], ...]
    tight_capacity_drug: tuple[str, str] | None  # (generic_name, specification)
    min_share_offer: tuple[str, str, str] | None  # (generic_name, specification, supplier)


def generate_alliance(
    seed: int = 2026,
    n_hospitals: int = 20,
    n_products: int = 60,
    purchases_per_year: int | None = None,
    start: date = date(2026, 1, 1),
) -> Dataset:
    """A whole synthetic alliance; ``purchases_per_year`` is the number of purchase lines (default ~12 per agreement)."""
    return generate_alliance_with_traits(seed, n_hospitals, n_products, purchases_per_year, start)[0]


def generate_alliance_with_traits(
    seed: int = 2026,
    n_hospitals: int = 20,
    n_products: int = 60,
    purchases_per_year: int | None = None,
    start: date = date(2026, 1, 1),
) -> tuple[Dataset, Traits]:
    """Same as :func:`generate_alliance`, also saying which rows were made laggard, late, zero or over."""
    if n_hospitals < 1 or n_products < 1:
        raise ValueError("n_hospitals and n_products must be positive")
    rng = np.random.default_rng(seed)
    as_of = alliance_as_of(start)
    hospitals = _hospitals(n_hospitals)
    products, drugs = _products(rng, n_products, start)
    pairs, demand = _demand_and_agreements(rng, hospitals, products, drugs, purchases_per_year)
    offers, tight, min_share = _offers(rng, products, drugs, pairs, hospitals)
    behaviour = _behaviour(rng, hospitals, pairs)
    n_lines = purchases_per_year if purchases_per_year is not None else 12 * len(pairs)
    if n_lines < 0:
        raise ValueError("purchases_per_year must not be negative")
    purchases = _purchases(rng, hospitals, products, drugs, pairs, behaviour, n_lines, as_of)
    payments = _payments(rng, purchases, behaviour["late_payers"], as_of)
    agreements = pairs[["hospital_id", "product_id", "agreed_volume"]]
    data = Dataset(
        hospitals=conform("hospitals", hospitals),
        products=conform("products", products),
        agreements=conform("agreements", agreements),
        purchases=conform("purchases", purchases),
        payments=conform("payments", payments),
        demand=conform("demand", demand),
        offers=conform("offers", offers),
    )
    traits = Traits(
        laggard_hospitals=tuple(hospitals["hospital_id"].to_numpy()[behaviour["laggards"]]),
        late_paying_hospitals=tuple(hospitals["hospital_id"].to_numpy()[behaviour["late_payers"]]),
        zero_purchase_pairs=_pair_tuples(pairs, behaviour["zero"]),
        over_purchase_pairs=_pair_tuples(pairs, behaviour["over"]),
        tight_capacity_drug=tight,
        min_share_offer=min_share,
    )
    return data, traits


def _pair_tuples(pairs: pd.DataFrame, mask: np.ndarray) -> tuple[tuple[str, str], ...]:
    sel = pairs[mask]
    return tuple(zip(sel["hospital_id"], sel["product_id"], strict=True))


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1) if d.day == 1 else date(d.year + y, m + 1, min(d.day, 28))


def _hospitals(n: int) -> pd.DataFrame:
    """Hospitals grouped by region: the city has the big 三级 hospitals, counties 二级 and 一级."""
    n_regions = min(5, max(1, n // 3)) if n <= 100 else max(5, n // 20)
    regions = list(_REGIONS[:n_regions]) + [
        (f"样例{k:02d}县", f"样例{k:02d}县", False) for k in range(len(_REGIONS) + 1, n_regions + 1)]
    weights = np.array([1.6 if r[2] else 1.0 for r in regions])
    counts = np.maximum(1, np.floor(n * weights / weights.sum()).astype(int))
    counts[0] += n - counts.sum()  # the city absorbs the rounding
    names, regs, levels = [], [], []
    for (region, short, is_city), count in zip(regions, counts, strict=True):
        kinds = _CITY_KINDS if is_city else _DISTRICT_KINDS if region.endswith("区") else _COUNTY_KINDS
        for k in range(count):
            kind = kinds[k] if k < len(kinds) else f"第{k + 1}社区卫生服务中心"
            names.append(short + kind)
            regs.append(region)
            if "卫生院" in kind or "社区" in kind:
                levels.append("一级")
            elif is_city and k in (0, 1):
                levels.append("三级")
            else:
                levels.append("二级")
    width = max(3, len(str(n)))
    ids = [f"H{i:0{width}d}" for i in range(1, n + 1)]
    return pd.DataFrame({"hospital_id": ids, "hospital_name": names, "region": regs, "level": levels})


def _products(rng: np.random.Generator, n_products: int, start: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Winning products: 1-4 winners per drug (通用名+规格), each 30-90% below the baseline price."""
    catalogue = [(g, form, spec, unit, packs, price, anti)
                 for g, form, specs, unit, packs, price, anti in _DRUGS for spec in specs]
    order = rng.permutation(len(catalogue))
    winners_per_drug: list[int] = []
    while sum(winners_per_drug) < n_products:
        if len(winners_per_drug) == len(catalogue):
            raise ValueError(f"too many products: the drug catalogue has {len(catalogue)} drugs (1-4 winners each)")
        winners_per_drug.append(int(rng.choice([1, 2, 3, 4], p=[0.2, 0.3, 0.3, 0.2])))
    winners_per_drug[-1] -= sum(winners_per_drug) - n_products
    n_drugs = len(winners_per_drug)
    # batches take consecutive slices of the drugs: 40% / 35% / 25%
    cuts = np.round(np.array([0.4, 0.75]) * n_drugs).astype(int)
    batch_of_drug = np.searchsorted(cuts, np.arange(n_drugs), side="right")
    drug_rows, product_rows = [], []
    counters = [0, 0, 0]
    for d in range(n_drugs):
        generic, form, spec, unit, packs, (lo, hi), anti = catalogue[order[d]]
        b = int(batch_of_drug[d])
        batch, prefix, offset = BATCHES[b]
        begin = _add_months(start, offset)
        end = _add_months(begin, 12) - timedelta(days=1)
        baseline = round(float(rng.uniform(lo, hi)), 4)
        k = winners_per_drug[d]
        makers = rng.choice(len(MAKERS), size=k, replace=False)
        drops = np.sort(rng.uniform(0.3, 0.9, size=k))[::-1]  # first winner is the cheapest
        drug_rows.append({"drug": d, "batch": batch, "generic_name": generic, "specification": spec,
                          "unit": unit, "antibacterial": anti, "baseline_price": baseline,
                          "n_winners": k, "agreement_start": begin, "agreement_end": end})
        for w in range(k):
            counters[b] += 1
            product_rows.append({
                "product_id": f"{prefix}-{counters[b]:03d}", "batch": batch, "generic_name": generic,
                "dosage_form": form, "specification": spec, "pack_size": float(rng.choice(packs)),
                "unit": unit, "supplier": MAKERS[makers[w]],
                "unit_price": round(baseline * (1 - float(drops[w])), 4),
                "baseline_price": baseline, "agreement_start": pd.Timestamp(begin),
                "agreement_end": pd.Timestamp(end), "drug": d, "rank": w})
    products = pd.DataFrame(product_rows)
    drugs = pd.DataFrame(drug_rows)
    ratio = np.where(drugs["batch"] == BATCHES[2][0], np.where(drugs["antibacterial"], 0.6, 0.7),
                     drugs["n_winners"].clip(upper=4).map(RATIO_BY_WINNERS))
    drugs["ratio"] = ratio.astype(float)
    drugs["explicit_ratio"] = drugs["batch"] == BATCHES[2][0]
    return products, drugs


_LEVEL_SIZE = {"三级": 5.0, "二级": 2.0, "一级": 0.5}
_LEVEL_USES = {"三级": 0.95, "二级": 0.75, "一级": 0.5}


def _restrict_regions(rng: np.random.Generator, drugs: pd.DataFrame, products: pd.DataFrame,
                      regions: np.ndarray) -> dict[int, set[str]]:
    """Some non-cheapest winners serve only part of the regions; the cheapest always serves all."""
    restricted: dict[int, set[str]] = {}
    if len(regions) < 2:
        return restricted
    for d in drugs.index[drugs["n_winners"] >= 2]:
        if rng.random() < 0.35:
            idx = products.index[(products["drug"] == d) & (products["rank"] > 0)]
            w = int(rng.choice(idx))
            k = int(rng.integers(1, len(regions)))
            restricted[w] = set(rng.choice(regions, size=k, replace=False).tolist())
    return restricted


def _demand_and_agreements(rng: np.random.Generator, hospitals: pd.DataFrame, products: pd.DataFrame,
                           drugs: pd.DataFrame, n_lines: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Declared need per hospital and drug; agreed = ceil(ratio × declared) on one serving winner.

    When many purchase lines are asked for, volumes are scaled up so that every line can still be at
    least one whole pack (a benchmark's million lines need that many packs).
    """
    nh, nd = len(hospitals), len(drugs)
    level = hospitals["level"].to_numpy()
    uses = rng.random((nh, nd)) < np.vectorize(_LEVEL_USES.get)(level)[:, None]
    uses[:, uses.sum(axis=0) == 0] = True  # every drug is declared by somebody
    h_idx, d_idx = np.nonzero(uses)
    size = np.vectorize(_LEVEL_SIZE.get)(level)[h_idx]
    base = 3000.0 / np.sqrt(drugs["baseline_price"].to_numpy())[d_idx]  # cheap drugs sell more units
    declared = np.round(base * size * rng.lognormal(0.0, 0.5, len(h_idx)), -2).clip(min=500.0)
    regions = hospitals["region"].to_numpy()
    restricted = _restrict_regions(rng, drugs, products, np.unique(regions))
    products["regions"] = [",".join(sorted(restricted[i])) if i in restricted else pd.NA
                           for i in products.index]
    # choose a winner per pair among those serving the hospital's region
    first = np.flatnonzero(products["rank"].to_numpy() == 0)  # rows are in drug order, cheapest first
    nwin = drugs["n_winners"].to_numpy()
    choice = first[d_idx] + (rng.random(len(h_idx)) * nwin[d_idx]).astype(int)
    for w, regs in restricted.items():  # few restricted offers: fall back to the cheapest winner
        bad = (choice == w) & ~np.isin(regions[h_idx], list(regs))
        choice[bad] = first[products.at[w, "drug"]]
    ratio = drugs["ratio"].to_numpy()[d_idx]
    if n_lines:
        packs = float((ratio * declared / products["pack_size"].to_numpy()[choice]).sum()) * 0.6
        if packs < 3 * n_lines:
            declared = np.round(declared * (3 * n_lines / packs), -2)
    agreed = np.ceil(ratio * declared - 1e-9)
    pairs = pd.DataFrame({
        "h": h_idx, "d": d_idx, "p": choice,
        "hospital_id": hospitals["hospital_id"].to_numpy()[h_idx],
        "product_id": products["product_id"].to_numpy()[choice],
        "declared_volume": declared, "agreed_volume": agreed})
    # current supplier: mostly the assigned winner, sometimes another maker, sometimes unknown
    r = rng.random(len(pairs))
    other = np.array(MAKERS)[rng.integers(0, len(MAKERS), len(pairs))]
    current = np.where(r < 0.65, products["supplier"].to_numpy()[choice], other).astype(object)
    current[r >= 0.88] = pd.NA
    demand = pd.DataFrame({
        "hospital_id": pairs["hospital_id"], "generic_name": drugs["generic_name"].to_numpy()[d_idx],
        "specification": drugs["specification"].to_numpy()[d_idx], "declared_volume": declared,
        "current_supplier": current})
    return pairs, demand


def _offers(rng: np.random.Generator, products: pd.DataFrame, drugs: pd.DataFrame, pairs: pd.DataFrame,
            hospitals: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, str] | None, tuple[str, str, str] | None]:
    """Winners as the optimizer sees them: generous capacities for some, one tight drug, one min share."""
    load = pairs.groupby("p")["agreed_volume"].sum().reindex(products.index, fill_value=0.0)
    drug_total = pairs.groupby("d")["agreed_volume"].sum().reindex(drugs.index, fill_value=0.0)
    total_of = drug_total.to_numpy()[products["drug"].to_numpy()]
    capacity = np.where(rng.random(len(products)) < 0.3,
                        np.ceil(total_of * rng.uniform(1.2, 2.0, len(products))), np.nan)
    min_share = np.zeros(len(products))
    multi = drugs.index[drugs["n_winners"] >= 2]
    tight = min_sh = None
    if len(multi):
        # tight: the cheapest winner of the biggest multi-winner drug can take only a little more than today
        d = int(drug_total[multi].idxmax())
        cheapest = products.index[(products["drug"] == d) & (products["rank"] == 0)][0]
        capacity[cheapest] = np.ceil(max(load[cheapest], 0.25 * drug_total[d]) * 1.05)
        tight = (drugs.at[d, "generic_name"], drugs.at[d, "specification"])
        # min share: the dearest winner of another multi-winner drug keeps 10%, serving everywhere
        others = [x for x in multi if x != d] or [d]
        d2 = int(others[0])
        dearest = products.index[products["drug"] == d2].max()
        min_share[dearest] = 0.1
        capacity[dearest] = np.nan
        products.loc[dearest, "regions"] = pd.NA
        min_sh = (drugs.at[d2, "generic_name"], drugs.at[d2, "specification"], products.at[dearest, "supplier"])
    explicit = drugs["explicit_ratio"].to_numpy()[products["drug"].to_numpy()]
    offers = pd.DataFrame({
        "generic_name": products["generic_name"], "specification": products["specification"],
        "supplier": products["supplier"], "unit_price": products["unit_price"], "capacity": capacity,
        "regions": products["regions"], "min_share": min_share,
        "agreed_ratio": np.where(explicit, drugs["ratio"].to_numpy()[products["drug"].to_numpy()], np.nan)})
    del hospitals
    return offers, tight, min_sh


def _behaviour(rng: np.random.Generator, hospitals: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Who lags, who pays late, which pairs buy nothing or too much."""
    nh, n = len(hospitals), len(pairs)
    n_lag = max(1, round(nh * 0.1)) if nh >= 3 else 0
    n_late = max(1, round(nh * 0.05)) if nh >= 2 else 0
    picks = rng.permutation(nh)
    lag = np.zeros(nh, bool)
    lag[picks[:n_lag]] = True
    late = np.zeros(nh, bool)
    late[picks[n_lag:n_lag + n_late]] = True
    r = rng.permutation(n)
    n_zero = max(1, round(n * 0.04)) if n >= 10 else 0
    n_over = max(2, round(n * 0.01)) if n >= 10 else 0
    zero = np.zeros(n, bool)
    zero[r[:n_zero]] = True
    over = np.zeros(n, bool)
    over[r[n_zero:n_zero + n_over]] = True
    return {"laggards": lag, "late_payers": late, "zero": zero, "over": over}


def _purchases(rng: np.random.Generator, hospitals: pd.DataFrame, products: pd.DataFrame, drugs: pd.DataFrame,
               pairs: pd.DataFrame, behaviour: dict[str, np.ndarray], n_lines: int, as_of: date) -> pd.DataFrame:
    """Order lines from each batch's start to ``as_of``, plus some non-winning buys of the same drugs."""
    as_of_ts = np.datetime64(as_of, "D")
    begin = products["agreement_start"].to_numpy().astype("datetime64[D]")[pairs["p"].to_numpy()]
    end = products["agreement_end"].to_numpy().astype("datetime64[D]")[pairs["p"].to_numpy()]
    active_days = np.clip((as_of_ts - begin).astype(int) + 1, 0, None)
    period_days = (end - begin).astype(int) + 1
    elapsed = active_days / period_days
    h = pairs["h"].to_numpy()
    factor = np.where(behaviour["laggards"][h], rng.uniform(0.2, 0.45, len(pairs)),
                      rng.normal(1.03, 0.06, len(pairs)).clip(0.88, 1.18))
    factor *= rng.lognormal(0.0, 0.12, len(pairs))
    target = pairs["agreed_volume"].to_numpy() * elapsed * factor
    over = behaviour["over"]
    target[over] = pairs["agreed_volume"].to_numpy()[over] * rng.uniform(1.1, 1.3, over.sum())
    target[behaviour["zero"] | (active_days == 0)] = 0.0
    capped = np.minimum(target, pairs["agreed_volume"].to_numpy() * 0.98)
    target = np.where(over, target, capped)  # only the chosen pairs go over their agreed volume
    # a few pairs also buy the same drug from a maker that did not win; one buys mostly off-list
    n_pairs = len(pairs)
    nonwin = (rng.random(n_pairs) < 0.08) & (target > 0)
    heavy = np.flatnonzero(nonwin)[:1]
    nonwin_target = np.where(nonwin, target * rng.uniform(0.05, 0.3, n_pairs), 0.0)
    nonwin_target[heavy] = target[heavy] * 1.5
    n_nonwin_lines = int(round(n_lines * 0.05)) if nonwin.any() else 0
    parts = [_lines(rng, pairs, products, target, ~over, n_lines - n_nonwin_lines, begin, as_of_ts,
                    winning=True)]
    if n_nonwin_lines:
        parts.append(_lines(rng, pairs, products, nonwin_target, np.zeros(n_pairs, bool), n_nonwin_lines,
                            begin, as_of_ts, winning=False, drugs=drugs))
    cols = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    # order by day, hospital and generic name (integer keys: sorting a million strings is slow)
    name_rank = pd.Series(drugs["generic_name"]).rank(method="dense").to_numpy().astype(np.int64)
    order = np.lexsort((name_rank[cols["_d"]], cols["_h"], cols["date"]))
    out = pd.DataFrame({k: v[order] for k, v in cols.items()})
    out["date"] = out["date"].astype("datetime64[ns]")
    out.insert(0, "order_id", _codes("DD", len(out)))
    return out


def _lines(rng: np.random.Generator, pairs: pd.DataFrame, products: pd.DataFrame, target: np.ndarray,
           within_agreed: np.ndarray, n_lines: int, begin: np.ndarray, as_of: np.datetime64, *,
           winning: bool, drugs: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Split each pair's target volume into order lines of whole packs on random days.

    Pairs order in proportion to their volume in packs, never more lines than packs, so the total of
    each pair is its target rounded to whole packs (and stays within the agreed volume when asked).
    """
    pack_of_pair = products["pack_size"].to_numpy()[pairs["p"].to_numpy()]
    packs = np.where(target > 0, np.maximum(1.0, np.round(target / pack_of_pair)), 0.0)
    limit = np.maximum(1.0, np.floor(pairs["agreed_volume"].to_numpy() / pack_of_pair))
    packs = np.where(within_agreed & (packs > 0), np.minimum(packs, limit), packs).astype(np.int64)
    counts = (packs > 0).astype(np.int64)
    if counts.sum() > n_lines:  # fewer lines than buying pairs: only some pairs buy at all
        keep = rng.choice(np.flatnonzero(counts), size=n_lines, replace=False)
        counts[:] = 0
        counts[keep] = 1
    rest = n_lines - int(counts.sum())
    if rest > 0 and counts.any():
        counts += rng.multinomial(rest, packs / packs.sum())
    counts = np.minimum(counts, packs)
    pair = np.repeat(np.arange(len(pairs)), counts)
    n = len(pair)
    # each line gets one pack, and the pair's remaining packs are shared out by cumulative rounding
    share = rng.gamma(2.0, 1.0, n)
    share /= np.bincount(pair, share, minlength=len(pairs))[pair]
    first_line = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cum = np.cumsum(share)
    cum_before_pair = np.concatenate([[0.0], cum])[first_line][pair]
    within = cum - cum_before_pair  # cumulative share inside the pair, ends at 1
    extra = (packs - counts)[pair]
    upto = np.round(within * extra)
    before = np.concatenate([[0.0], upto[:-1]])
    before[first_line[counts > 0]] = 0.0
    line_packs = 1 + upto - before
    span = (as_of - begin[pair]).astype(int) + 1
    day = begin[pair] + (rng.random(n) * span).astype(int).astype("timedelta64[D]")
    p = pairs["p"].to_numpy()[pair]
    qty = line_packs * pack_of_pair[pair]
    if winning:
        price = products["unit_price"].to_numpy()[p]
        supplier = products["supplier"].to_numpy()[p]
        product_id = products["product_id"].to_numpy()[p]
    else:
        d = pairs["d"].to_numpy()[pair]
        assert drugs is not None
        maker_no = {m: i for i, m in enumerate(MAKERS)}
        won = np.zeros((len(drugs), len(MAKERS)), bool)
        won[products["drug"].to_numpy(), products["supplier"].map(maker_no).to_numpy()] = True
        # a maker that did not win this drug: one per pair, walking the maker list from a random start
        pick = rng.integers(0, len(MAKERS), len(pairs))[pair]
        for _ in range(len(MAKERS)):
            clash = won[d, pick]
            if not clash.any():
                break
            pick[clash] = (pick[clash] + 1) % len(MAKERS)
        supplier = np.array(MAKERS, dtype=object)[pick]
        price = drugs["baseline_price"].to_numpy()[d] * rng.uniform(0.85, 1.05, len(pairs))[pair]
        product_id = np.full(n, pd.NA, dtype=object)
    h = pairs["h"].to_numpy()[pair]
    return {
        "date": day, "hospital_id": pairs["hospital_id"].to_numpy()[pair], "product_id": product_id,
        "generic_name": products["generic_name"].to_numpy()[p],
        "specification": products["specification"].to_numpy()[p], "supplier": supplier,
        "quantity": qty, "amount": np.round(qty * price, 2), "winning": np.full(n, winning),
        "_h": h, "_d": products["drug"].to_numpy()[p]}


def _codes(prefix: str, n: int) -> np.ndarray:
    """Running document numbers (DD00000001...), built in C: a million take a fraction of a second."""
    number = np.arange(1, n + 1)
    width = len(prefix) + 8
    buf = np.empty((n, width), np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), np.uint8)
    for k in range(8):
        buf[:, width - 1 - k] = 48 + (number // 10**k) % 10
    return buf.view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def _payments(rng: np.random.Generator, purchases: pd.DataFrame, late_payers: np.ndarray,
              as_of: date) -> pd.DataFrame:
    """``late_payers`` is a mask over hospitals. One payment per winning delivery, mostly within 30 days; late ones, and some not yet paid."""
    win = purchases[purchases["winning"]].reset_index(drop=True)
    n = len(win)
    late = late_payers[win["_h"].to_numpy()]
    # delay buckets: ≤30, 31-60, 61-90, 91-150 days, never
    normal_p = np.array([0.82, 0.08, 0.04, 0.02, 0.04])
    late_p = np.array([0.2, 0.35, 0.25, 0.1, 0.1])
    u = rng.random(n)
    bucket = np.where(late, np.searchsorted(np.cumsum(late_p), u, side="right"),
                      np.searchsorted(np.cumsum(normal_p), u, side="right")).clip(max=4)
    lo = np.array([3, 31, 61, 91, 0])[bucket]
    hi = np.array([30, 60, 90, 150, 1])[bucket]
    delay = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
    delivered = win["date"].to_numpy().astype("datetime64[D]")
    paid_on = delivered + delay.astype("timedelta64[D]")
    keep = np.flatnonzero((bucket < 4) & (paid_on <= np.datetime64(as_of, "D")))
    unlinked = rng.random(len(keep)) < 0.1
    by_day = np.lexsort((win["_h"].to_numpy()[keep], paid_on[keep]))  # by day, then hospital
    keep, unlinked = keep[by_day], unlinked[by_day]
    order_id = win["order_id"].to_numpy()[keep].copy()
    order_date = delivered[keep].astype("datetime64[ns]")
    order_id[unlinked] = pd.NA
    order_date[unlinked] = np.datetime64("NaT")
    return pd.DataFrame({
        "payment_id": _codes("HK", len(keep)), "order_id": order_id,
        "hospital_id": win["hospital_id"].to_numpy()[keep], "product_id": win["product_id"].to_numpy()[keep],
        "supplier": win["supplier"].to_numpy()[keep], "amount": win["amount"].to_numpy()[keep],
        "date": paid_on[keep].astype("datetime64[ns]"), "order_date": order_date})
