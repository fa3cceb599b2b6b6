"""Domain rules of the import: codes and names to catalogue keys, units to minimum units, keys.

Resolution works on positions: each row gets the index of its product in an extended catalogue
(winning products, then one entry per drug for non-winning purchases, then an empty row), so all
later look-ups (unit, pack size, price, names) are a single ``take``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from procurement.ingest import values as V
from procurement.ingest.headers import ALIASES, normalize_header
from procurement.ingest.sheets import SheetData, Typed, show
from procurement.ingest.statuses import (
    FUND_KIND,
    PAYER,
    PAYMENT_STATUS,
    PURCHASE_STATUS,
    SHORTAGE_CATEGORY,
    SHORTAGE_STATUS,
    VBP_FLAG,
    known_values,
    norm_value,
)
from procurement.model import COLUMNS, Dataset, conform

_PRODUCT_INFO = ["product_id", "generic_name", "specification", "supplier", "unit", "pack_size", "unit_price"]


_CODE_SEPARATORS = re.compile(r"[,，;；、\s]+")
TOP_OUTSIDE = 10  # codes and names of drugs outside the procurement shown in the summary


def split_codes(value: object) -> list[str]:
    """The codes of an other-codes cell (comma-, semicolon- or space-separated)."""
    text = V.clean_text(value)
    return [c for c in _CODE_SEPARATORS.split(text) if c] if text else []


_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "厂")


def supplier_core(name: str) -> str:
    """A normalised company name without its legal-form suffix (齐鲁制药有限公司 -> 齐鲁制药)."""
    core = name
    for suffix in _COMPANY_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
    return core


@dataclass
class Catalogue:
    """Hospitals and winning products known to an import, indexed for vectorised look-ups."""

    hospitals: pd.DataFrame
    products: pd.DataFrame

    def __post_init__(self) -> None:
        # Catalogues are small (hundreds of rows): plain Python keeps the fixed cost of a call low.
        h = self.hospitals
        ids = [None if pd.isna(x) else str(x) for x in h["hospital_id"]]
        self.hospital_id_set = {x for x in ids if x is not None}
        self.name_map = {}
        for hid, name in zip(ids, h["hospital_name"], strict=True):
            key = V.norm_key(name) if hid is not None and not pd.isna(name) else None
            if key:
                self.name_map[key] = hid
        # other codes of a hospital (credit code, insurance code, platform code) name it too
        self.hospital_alias: dict[str, str] = {}
        if "other_ids" in h.columns:
            for hid, others in zip(ids, h["other_ids"], strict=True):
                for code in split_codes(others) if hid is not None else []:
                    self.hospital_alias.setdefault(code, hid)
        p = self.products
        latest: dict[str, int] = {}
        for i, pid in enumerate(p["product_id"]):
            if not pd.isna(pid):
                latest[str(pid)] = i
        p = p.iloc[sorted(latest.values())]
        cols = {c: p[c].tolist() if c in p.columns else [None] * len(p) for c in _PRODUCT_INFO}
        cols = {c: [None if (v is None or v is pd.NA or v is pd.NaT or v != v) else v for v in vs]
                for c, vs in cols.items()}
        self.n_products = len(p)
        self.product_index = pd.Index([str(x) for x in cols["product_id"]], dtype=object)
        # a product may carry several codes (platform code, YPID, insurance code): each resolves
        self.code_pos: dict[str, int] = {}
        if "other_codes" in p.columns:
            for i, others in enumerate(p["other_codes"]):
                for code in split_codes(others):
                    self.code_pos.setdefault(code, i)
        self.key_pos: dict[str, int] = {}
        self.winners: dict[str, list[tuple[str, int]]] = {}  # drug -> (supplier core name, position)
        drugs: dict[str, list[int]] = {}
        for i in range(len(p)):
            g, sp, sup = (V.norm_key(cols[c][i]) for c in ("generic_name", "specification", "supplier"))
            if g and sp:
                drugs.setdefault(f"{g}|{sp}", []).append(i)
                if sup:
                    self.key_pos[f"{g}|{sp}|{sup}"] = i
                    self.winners.setdefault(f"{g}|{sp}", []).append((supplier_core(sup), i))
        self.drug_index = pd.Index(list(drugs), dtype=object)
        for members in drugs.values():
            units = {cols["unit"][i] for i in members}
            packs = {cols["pack_size"][i] for i in members}
            for c in _PRODUCT_INFO:
                cols[c].append(cols[c][members[0]] if c in ("generic_name", "specification") else None)
            cols["unit"][-1] = units.pop() if len(units) == 1 else None
            cols["pack_size"][-1] = packs.pop() if len(packs) == 1 else None
        for c in _PRODUCT_INFO:
            cols[c].append(None)  # the empty row unresolved rows point at
        self.ext = pd.DataFrame({
            c: pd.array(cols[c], dtype="float64" if c in ("pack_size", "unit_price") else "string")
            for c in _PRODUCT_INFO
        })

    def winner_by_name(self, drug: str, supplier: str) -> int | None:
        """The one winner of ``drug`` whose name is the supplier's, give or take 有限公司 and the like.

        Platforms write 齐鲁制药有限公司 where the tender result says 齐鲁制药; counting such a
        purchase as non-winning would silently lower the hospital's completion.
        """
        core = supplier_core(supplier)
        found = {pos for name, pos in self.winners.get(drug, []) if len(name) >= 2 and len(core) >= 2
                 and (name == core or name in core or core in name)}
        return found.pop() if len(found) == 1 else None

    def product_positions(self, codes: np.ndarray) -> np.ndarray:
        """Catalogue position of each code (its product code or any of its other codes), -1 if unknown."""
        found = self.product_index.get_indexer(codes)
        if self.code_pos:
            for i in np.flatnonzero(found < 0):
                found[i] = self.code_pos.get(codes[i], -1) if codes[i] is not None else -1
        return found

    @property
    def empty_row(self) -> int:
        return len(self.ext) - 1

    @classmethod
    def from_dataset(cls, ds: Dataset) -> Catalogue:
        return cls(ds.hospitals, ds.products)

    def extended(self, hospital_parts: list, product_parts: list) -> Catalogue:
        """This catalogue plus the hospitals and products parsed in the same call (they win)."""
        hospitals = pd.concat([self.hospitals, *[conform("hospitals", f) for _, f in hospital_parts]],
                              ignore_index=True)
        products = pd.concat([self.products, *[conform("products", f) for _, f in product_parts]],
                             ignore_index=True)
        return Catalogue(hospitals, products)


class Rows:
    """Bookkeeping of one sheet's rows: which are invalid so far."""

    def __init__(self, sd: SheetData, t: Typed):
        self.sd, self.t = sd, t
        self.n = len(sd.rows)
        self.invalid = np.zeros(self.n, bool)
        for bad in t.bad.values():
            self.invalid |= bad
        # rows left out on purpose (cancelled, not VBP, outside the procurement, unpaid): never errors
        self.skip = np.zeros(self.n, bool)

    def leave_out(self, mask: np.ndarray, reason: str) -> np.ndarray:
        """Leave rows out and count them under ``reason`` (a row counts under its first reason).

        A row with an unreadable cell stays a problem: it is not left out, whatever else it says.
        """
        new = mask & ~self.skip & ~self.invalid
        n = int(new.sum())
        if n:
            self.sd.left_out[reason] = self.sd.left_out.get(reason, 0) + n
            self.skip |= new
        return new

    def col(self, name: str) -> pd.Series | None:
        return self.t.cols.get(name)

    def require(self, name: str) -> pd.Series:
        """The column, with every blank cell reported as missing."""
        series = self.t.cols[name]
        missing = series.isna().to_numpy() & ~self.t.bad[name] & ~self.skip
        head = self.sd.header(name)
        self.sd.report(missing, name, lambda p: (f"缺少{head}，请填写", f"{head} ({name}) is missing; fill it in"))
        self.invalid |= missing
        return series

    def flag(self, mask: np.ndarray, name: str | None, message) -> np.ndarray:
        """Report each row of ``mask`` (a row may have several bad cells); return the mask.

        Rows already left out are not reported: a cancelled line of an unknown drug is no error.
        """
        self.sd.report(mask & ~self.skip, name, message)
        self.invalid |= mask & ~self.skip
        return mask


def _cells(r: Rows, name: str) -> np.ndarray:
    return r.sd.raw[name]


def _hospital_of(cat: Catalogue, value: str | None, by_code: bool) -> str | None:
    """The code a cell names: a known code, or an exact hospital name (also in a code column)."""
    if value is None:
        return None
    if by_code and value in cat.hospital_id_set:
        return value
    if by_code and value in cat.hospital_alias:
        return cat.hospital_alias[value]
    return cat.name_map.get(V.norm_key(value) or "")


def resolve_hospitals(r: Rows, cat: Catalogue) -> pd.Series:
    """Hospital codes of the rows, from a code or an exact name; unknown ones are row errors.

    Resolved per distinct cell value and broadcast, so a million rows cost a few hundred look-ups.
    """
    tid, tname = r.t.text.get("hospital_id"), r.t.text.get("hospital_name")
    have_catalogue = len(cat.hospital_id_set) > 0
    if tid is None and tname is None and r.sd.supplied_hospital is not None:
        return _supplied_hospital(r, cat, have_catalogue)
    out: np.ndarray | None = None  # resolved code per row (object), None when unresolved
    out_u = codes = None
    reported = np.zeros(r.n, bool)
    if tid is not None:
        out_u = tid.map(lambda v: _hospital_of(cat, v, True)) if have_catalogue else tid.values
        codes = tid.codes
        if have_catalogue:
            unknown_u = np.array([v is not None and o is None for v, o in zip(tid.values, out_u, strict=True)])
            raw = _cells(r, "hospital_id")
            reported |= r.flag(unknown_u[codes], "hospital_id", lambda p: (
                f"未知的医疗机构 {show(raw[p])}，请核对编码或先导入医疗机构表",
                f"unknown hospital {show(raw[p])}; check the code or import the hospitals sheet first"))
    if tname is not None:
        name_u = tname.map(lambda v: _hospital_of(cat, v, False)) if have_catalogue else tname.values
        need = tid.blank() if tid is not None else np.ones(r.n, bool)
        need &= ~tname.blank()
        if need.any():
            if out_u is None:
                out_u, codes = name_u, tname.codes
            else:
                out = out_u[codes]
                out[need] = name_u[tname.codes[need]]
            if have_catalogue:
                unknown_u = np.array([v is not None and o is None for v, o in zip(tname.values, name_u, strict=True)])
                raw = _cells(r, "hospital_name")
                reported |= r.flag(need & unknown_u[tname.codes], "hospital_name", lambda p: (
                    f"未知的医疗机构 {show(raw[p])}，请核对名称或先导入医疗机构表",
                    f"unknown hospital {show(raw[p])}; check the name or import the hospitals sheet first"))
    if out is not None:
        series = pd.Series(pd.array(out, dtype="string"))
        missing = np.fromiter((v is None for v in out), bool, len(out))
    elif out_u is not None:
        series = pd.Series(pd.array(out_u, dtype="string").take(codes))
        missing = np.fromiter((v is None for v in out_u), bool, len(out_u))[codes]
    else:
        series = pd.Series(pd.NA, index=range(r.n), dtype="string")
        missing = np.ones(r.n, bool)
    name = "hospital_id" if tid is not None else "hospital_name"
    r.flag(missing & ~reported, name, lambda p: (
        "缺少机构编码或机构名称，请填写", "hospital code or name is missing; fill it in"))
    return series


def _supplied_hospital(r: Rows, cat: Catalogue, have_catalogue: bool) -> pd.Series:
    """A hospital's own export without a hospital column: every row is the supplied hospital's."""
    given = r.sd.supplied_hospital
    hid = _hospital_of(cat, given, True) if have_catalogue else given
    if hid is None:
        r.sd.problems.append(r.sd.problem(None, None,
            f"未知的医疗机构 {given}（文件无机构列，由 --hospital 或上传账号指定），请核对编码",
            f"unknown hospital {given} (the file has no hospital column; it was supplied by --hospital "
            "or the uploading account); check the code"))
        r.invalid[:] = True
        return pd.Series(pd.NA, index=range(r.n), dtype="string")
    return pd.Series(hid, index=range(r.n), dtype="string")


def meaning(r: Rows, name: str, vocab: dict[str, str]) -> np.ndarray:
    """What each row's status/flag/payer cell means (a vocabulary label, None when blank).

    Values not in the vocabulary are one problem naming every distinct one, never a guess.
    """
    tc = r.t.text.get(name)
    if tc is None:
        return np.full(r.n, None, dtype=object)
    labels_u = np.array([None if v is None else vocab.get(norm_value(v), "?") for v in tc.values], dtype=object)
    per_row = labels_u[tc.codes]
    unknown = (per_row == "?") & ~r.skip
    if unknown.any():
        head = r.sd.header(name)
        values = list(dict.fromkeys(str(tc.values[c]) for c in tc.codes[unknown]))
        rows = [str(int(x)) for x in r.sd.rows[unknown][:5]]
        shown = "、".join(f"'{v}'" for v in values[:20]) + ("…" if len(values) > 20 else "")
        meanings = sorted(set(vocab.values()))
        known_zh = "；".join(f"{lab}：{'、'.join(known_values(vocab, lab)[:6])}" for lab in meanings)
        r.sd.problems.append(r.sd.problem(int(r.sd.rows[unknown][0]), name,
            f"{head} 有本工具不认识的取值 {shown}（共 {int(unknown.sum())} 行，如第 {'、'.join(rows)} 行），"
            f"无法判断是否计入；可识别的取值 {known_zh}",
            f"{head} has values the tool does not know: {shown} ({int(unknown.sum())} rows, e.g. row "
            f"{', '.join(rows)}), so it cannot tell whether they count; known values {known_zh}"))
        r.invalid |= unknown
    return np.where(per_row == "?", None, per_row)


def _leave_outside(r: Rows, mask: np.ndarray) -> None:
    """Leave out rows of drugs outside the procurement, keeping their top codes and names for the summary.

    A monthly export lists every drug a hospital bought, so these are no errors; the summary shows
    which were left out so a mistyped code can still be seen.
    """
    new = r.leave_out(mask, "outside_procurement")
    if not new.any():
        return
    idx = np.flatnonzero(new)
    parts = {}
    for name in ("product_id", "generic_name", "specification", "supplier"):
        tc = r.t.text.get(name)
        parts[name] = (pd.Series(tc.values[tc.codes[idx]], dtype=object) if tc is not None
                       else pd.Series([None] * len(idx), dtype=object))
    labels = pd.DataFrame({
        "code": parts["product_id"].fillna(""),
        "name": (parts["generic_name"].fillna("") + " " + parts["specification"].fillna("") + " "
                 + parts["supplier"].fillna("")).str.strip(),
    })
    top = labels.value_counts(sort=True).head(TOP_OUTSIDE)
    found = r.sd.details.setdefault("outside_procurement_top", [])
    found += [{"code": code or None, "name": name or None, "rows": int(n)} for (code, name), n in top.items()]


def _resolve_by_names(
    r: Rows, cat: Catalogue, allow_nonwinning: bool, pos: np.ndarray, idx: np.ndarray,
    tg: V.TextCol, ts: V.TextCol, tsup: V.TextCol | None, classify: bool = False,
) -> np.ndarray:
    """Resolve rows ``idx`` by generic name + specification + supplier, per distinct combination.

    A combination naming a winner is that product; one whose drug was tendered but whose maker
    did not win is a non-winning purchase (its own entry per drug in ``cat.ext``) when allowed.
    """
    sup_codes = tsup.codes[idx] if tsup is not None else np.full(len(idx), -1)
    pair, _ = pd.factorize(tg.codes[idx].astype(np.int64) * (len(ts.values) + 1) + ts.codes[idx])
    n_sup = len(tsup.values) + 1 if tsup is not None else 1
    combo, combos = pd.factorize(pair.astype(np.int64) * n_sup + (sup_codes + 1))
    first = np.zeros(len(combos), np.int64)
    first[combo[::-1]] = np.arange(len(combo))[::-1]  # a representative row of each combination
    rows = idx[first]
    gk = [V.norm_key(tg.values[tg.codes[i]]) for i in rows]
    sk = [V.norm_key(ts.values[ts.codes[i]]) for i in rows]
    supk = [V.norm_key(tsup.values[tsup.codes[i]]) if tsup is not None else None for i in rows]
    status = np.zeros(len(combos), np.int64)  # 0 unknown drug, 1 winner, 2 non-winning, 3 no maker
    target = np.full(len(combos), cat.empty_row, np.int64)
    for j in range(len(combos)):
        drug = f"{gk[j]}|{sk[j]}"
        hit = cat.key_pos.get(f"{drug}|{supk[j]}") if supk[j] else None
        if hit is None and supk[j]:
            hit = cat.winner_by_name(drug, supk[j])
        d = cat.drug_index.get_indexer([drug])[0]
        if hit is not None:
            status[j], target[j] = 1, hit
        elif d >= 0 and not supk[j]:
            status[j] = 3
        elif d >= 0 and allow_nonwinning:
            status[j], target[j] = 2, cat.n_products + d
        elif d >= 0:
            status[j] = 4
    row_status = status[combo]
    pos[idx] = target[combo]
    no_sup = np.zeros(r.n, bool)
    no_sup[idx[row_status == 3]] = True
    reported = r.flag(no_sup, "supplier" if tsup is not None else "generic_name", lambda p: (
        "缺少中选企业/生产企业，无法确定产品，请填写产品编码或企业",
        "supplier (maker) is missing, so the product cannot be identified; fill in the product code or maker"))
    unresolved = np.zeros(r.n, bool)
    unresolved[idx[row_status == 0]] = True
    gr, sr = _cells(r, "generic_name"), _cells(r, "specification")
    supr = _cells(r, "supplier") if tsup is not None else None
    loser = np.zeros(r.n, bool)
    loser[idx[row_status == 4]] = True
    if classify:  # a payment of a non-winning drug, a purchase of a drug outside the procurement
        reported |= r.leave_out(loser, "non_winning")
        _leave_outside(r, unresolved)
        return reported | unresolved
    reported |= r.flag(loser, "supplier", lambda p: (
        f"{show(supr[p])} 不是 {show(gr[p])} {show(sr[p])} 的中选企业，请核对企业名称",
        f"{show(supr[p])} is not a winner of {show(gr[p])} {show(sr[p])}; check the supplier"))
    reported |= r.flag(unresolved, "generic_name", lambda p: (
        f"未知的药品 {show(gr[p])} {show(sr[p])}"
        f"{'（' + show(supr[p]) + '）' if supr is not None else ''}：中选产品目录中没有该药品",
        f"unknown drug {show(gr[p])} {show(sr[p])}"
        f"{' (' + show(supr[p]) + ')' if supr is not None else ''}: not in the winning products catalogue"))
    return reported


def resolve_products(
    r: Rows, cat: Catalogue, allow_nonwinning: bool, optional: np.ndarray | None = None,
    classify: bool = False,
) -> np.ndarray:
    """Position of each row's product in ``cat.ext`` (the empty row when unresolved).

    In order: any of the catalogue's codes; else generic name + specification + maker (with a
    warning when the row's code was unknown); else, with ``allow_nonwinning``, the drug's
    non-winning entry. With ``classify`` (purchases, payments) a drug outside the procurement is
    left out and counted instead of refused. ``optional`` marks rows that may name no product
    (a payment naming its supplier or distributor instead).
    """
    pos = np.full(r.n, cat.empty_row, dtype=np.int64)
    pid = r.col("product_id")
    tpid = r.t.text.get("product_id")
    reported = np.zeros(r.n, bool)
    unknown_code = np.zeros(r.n, bool)
    if tpid is not None:
        found_u = cat.product_positions(tpid.values)
        unknown_u = (found_u < 0) & np.fromiter((v is not None for v in tpid.values), bool, len(tpid.values))
        pos = np.where(found_u >= 0, found_u, cat.empty_row)[tpid.codes]
        unknown_code = unknown_u[tpid.codes]
    tg, ts, tsup = (r.t.text.get(n) for n in ("generic_name", "specification", "supplier"))
    if tg is not None and ts is not None:
        need = (pos == cat.empty_row) & ~tg.blank() & ~ts.blank() & ~r.skip
        if need.any():
            reported |= _resolve_by_names(r, cat, allow_nonwinning, pos, np.flatnonzero(need), tg, ts, tsup,
                                          classify)
    if unknown_code.any():
        raw = _cells(r, "product_id")
        ext_ids = cat.ext["product_id"].to_numpy(dtype=object, na_value=None)
        by_name = unknown_code & (pos < cat.n_products) & ~r.skip
        r.sd.warn(by_name, "product_id", lambda p: (
            f"产品编码 {show(raw[p])} 不在中选产品目录中，已按通用名+规格+企业识别为 {ext_ids[pos[p]]}，请核对",
            f"product code {show(raw[p])} is not in the catalogue; identified by name, specification and "
            f"maker as {ext_ids[pos[p]]}; please check"))
        still = unknown_code & (pos == cat.empty_row) & ~reported
        if classify:
            _leave_outside(r, still)
            reported |= still
        else:
            reported |= r.flag(still, "product_id", lambda p: (
                f"未知的产品编码 {show(raw[p])}，中选产品目录中没有该编码",
                f"unknown product code {show(raw[p])}: not in the winning products catalogue"))
    missing = (pos == cat.empty_row) & ~reported
    if optional is not None:
        missing &= ~optional
    if pid is not None or tg is not None:
        r.flag(missing, "product_id" if pid is not None else "generic_name", lambda p: (
            "缺少产品编码（或通用名+规格+中选企业），请填写",
            "product code (or generic name + specification + supplier) is missing; fill it in"))
    return pos


def _unit_codes(r: Rows, qty: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct unit texts) of the unit each row's quantity is written in."""
    tunit = r.t.text.get("unit")
    cell_units = r.t.units_in_cells.get(qty)
    header_unit = r.sd.header_units.get(qty)
    if header_unit and header_unit.startswith("万"):  # 数量(万片): the 万 was applied on reading
        header_unit = header_unit[1:] or None
    if cell_units is not None and cell_units.notna().any():  # '12盒' typed in the quantity cell
        unit = tunit.series() if tunit is not None else pd.Series(pd.NA, index=range(r.n), dtype="string")
        unit = unit.fillna(cell_units.reset_index(drop=True))
        if header_unit:
            unit = unit.fillna(header_unit)
        codes, uniques = pd.factorize(unit.to_numpy(dtype=object, na_value=None), use_na_sentinel=True)
        return codes, np.append(np.asarray(uniques, dtype=object), header_unit)
    if tunit is None:
        return np.zeros(r.n, np.int64), np.array([header_unit], dtype=object)
    values = np.array([header_unit if v is None else v for v in tunit.values], dtype=object)
    return tunit.codes, values


def unit_factors(r: Rows, qty: str, pos: np.ndarray, cat: Catalogue) -> np.ndarray:
    """Minimum units per unit written, per row (NaN where the unit cannot be converted)."""
    codes, units = _unit_codes(r, qty)
    codes = np.where(codes < 0, len(units) - 1, codes).astype(np.int64)
    width = len(cat.ext)
    combo, combos = pd.factorize(codes * width + pos)
    units_ext = cat.ext["unit"].to_numpy(dtype=object, na_value=None)
    packs_ext = cat.ext["pack_size"].to_numpy(dtype=float)
    table = np.empty(len(combos))
    for i, c in enumerate(combos):
        u_code, p = divmod(int(c), width)
        f = V.unit_factor(units[u_code], units_ext[p], packs_ext[p])
        table[i] = np.nan if f is None else f
    factors = table[combo]
    bad = np.isnan(factors) & (pos != cat.empty_row)
    if bad.any():
        name = "unit" if "unit" in r.sd.raw else qty
        r.flag(bad, name, lambda p: (
            f"无法换算的单位 '{units[codes[p]]}'（该产品最小单位为 {units_ext[pos[p]] or '未知'}，"
            f"包装转换比 {packs_ext[pos[p]]:g}），请改用最小单位或包装单位",
            f"unit '{units[codes[p]]}' cannot be converted (the product's minimum unit is "
            f"{units_ext[pos[p]] or 'unknown'}, pack size {packs_ext[pos[p]]:g}); use the minimum unit or the pack"))
    return factors


def row_hash(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'h:' + a short sha1 of the canonical values: a stable key for rows that carry none."""
    joined = pd.Series("", index=frame.index, dtype="string")
    for c in columns:
        joined = joined + "\x1f" + frame[c].astype("string").fillna("")
    return pd.Series(["h:" + hashlib.sha1(s.encode()).hexdigest()[:16] for s in joined],
                     index=frame.index, dtype="string")


def _take(cat: Catalogue, pos: np.ndarray, name: str) -> pd.Series:
    return cat.ext[name].take(pos).reset_index(drop=True)


def _text(r: Rows, name: str) -> pd.Series:
    col = r.col(name)
    return col.reset_index(drop=True) if col is not None else pd.Series(pd.NA, index=range(r.n), dtype="string")


def _num(r: Rows, name: str, default: float = np.nan) -> pd.Series:
    col = r.col(name)
    if col is None:
        return pd.Series(default, index=range(r.n), dtype="float64")
    return col.fillna(default) if not np.isnan(default) else col


def _hospitals(r: Rows, cat: Catalogue) -> pd.DataFrame:
    return pd.DataFrame({
        "hospital_id": r.require("hospital_id"),
        "hospital_name": r.require("hospital_name"),
        "region": _text(r, "region"),
        "level": _text(r, "level"),
        "other_ids": _codes_text(r, "other_ids"),
    })


def _codes_text(r: Rows, name: str) -> pd.Series:
    """An other-codes column written the one way the catalogue reads it ('A,B')."""
    tc = r.t.text.get(name)
    if tc is None:
        return pd.Series(pd.NA, index=range(r.n), dtype="string")
    joined = [",".join(split_codes(v)) or None for v in tc.values]
    return pd.Series(pd.array(joined, dtype="string").take(tc.codes))


def _products(r: Rows, cat: Catalogue) -> pd.DataFrame:
    batch, generic = r.require("batch"), r.require("generic_name")
    spec, supplier = r.require("specification"), r.require("supplier")
    r.require("unit_price")
    derived = batch + "|" + generic + "|" + spec + "|" + supplier
    pack = _num(r, "pack_size", 1.0)
    r.flag((pack <= 0).to_numpy(), "pack_size", lambda p: (
        "包装转换比必须大于 0", "pack size must be greater than 0"))
    return pd.DataFrame({
        "product_id": _text(r, "product_id").fillna(derived),
        "batch": batch, "generic_name": generic, "dosage_form": _text(r, "dosage_form"),
        "specification": spec, "pack_size": pack, "unit": _text(r, "unit"), "supplier": supplier,
        "unit_price": r.col("unit_price"), "baseline_price": _num(r, "baseline_price"),
        "agreement_start": r.col("agreement_start") if "agreement_start" in r.t.cols else pd.NaT,
        "agreement_end": r.col("agreement_end") if "agreement_end" in r.t.cols else pd.NaT,
        "other_codes": _codes_text(r, "other_codes"),
    })


def _agreements(r: Rows, cat: Catalogue) -> pd.DataFrame:
    hospital = resolve_hospitals(r, cat)
    pos = resolve_products(r, cat, allow_nonwinning=False)
    volume = r.require("agreed_volume")
    factors = unit_factors(r, "agreed_volume", pos, cat)
    return pd.DataFrame({
        "hospital_id": hospital,
        "product_id": _take(cat, pos, "product_id"),
        "agreed_volume": volume.to_numpy() * factors,
        "agreement_year": _agreement_years(r),
    })


_YEAR_TEXT = re.compile(r"^(?:第)?\s*(\d+)\s*(?:\.0+)?\s*(?:协议)?(?:年|年度)?$")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
MAX_AGREEMENT_YEAR = 10  # no agreement period runs longer; a larger number is a calendar year or a typo


def agreement_year_number(text: str | None) -> float | None:
    """协议年度 as the year number 1, 2, 3... of the agreement period; blank: 1; unreadable: None.

    Accepted: 1, "2", "2.0", "第2年", "第二年", "2年", "第2协议年度". A calendar year ("2026", "2026年度")
    is refused, not guessed: whether 2026年度 is the first or the second year depends on the day the
    period starts, which the agreements sheet does not say.
    """
    if text is None:
        return 1.0
    t = str(text).strip().replace("（", "(").replace("）", ")")
    if t == "":
        return 1.0
    for zh, n in _CN_DIGITS.items():
        t = re.sub(rf"^第{zh}", f"第{n}", t)
    match = _YEAR_TEXT.match(t)
    if match is None:
        return None
    n = int(match.group(1))
    return float(n) if 1 <= n <= MAX_AGREEMENT_YEAR else None


def _agreement_years(r: Rows) -> np.ndarray:
    """Each row's 协议年度 (default 1); a cell that is not a year number 1..10 is a row problem."""
    col = r.col("agreement_year")
    if col is None:
        return np.ones(r.n)
    cells = col.reset_index(drop=True).to_numpy(dtype=object, na_value=None)
    years = np.array([agreement_year_number(v) for v in cells], dtype=object)
    bad = np.array([y is None for y in years], dtype=bool) & ~r.skip
    head = r.sd.header("agreement_year")
    r.flag(bad, "agreement_year", lambda p: (
        f"{head}应为协议期内的年度序号 1、2、3 (如 1 或 第2年)，不是日历年份",
        f"{head} (agreement_year) must be the year of the agreement period, 1, 2, 3 (e.g. 1 or 第2年), "
        "not a calendar year"))
    return np.array([1.0 if y is None else y for y in years], dtype="float64")


def _is_ordered_header(r: Rows, field: str) -> bool:
    """Whether the column taken as ``field`` is an ordered quantity (订单数量 standing for the quantity)."""
    head = r.sd.headers.get(field)
    return head is not None and ALIASES["purchases"].get(normalize_header(head)) == "ordered_quantity"


def _purchase_status(r: Rows) -> np.ndarray:
    """Leave out cancelled, not-VBP and not-yet-delivered lines; the status label of each row."""
    status = meaning(r, "status", PURCHASE_STATUS)
    r.leave_out(status == "cancelled", "cancelled")
    r.leave_out(meaning(r, "vbp_flag", VBP_FLAG) == "not_vbp", "not_vbp")
    pending = status == "pending"
    if pending.any():  # ordered, not received: only a received quantity > 0 says something arrived
        qty = r.col("quantity")
        arrived = (qty.to_numpy() > 0) if qty is not None and not _is_ordered_header(r, "quantity") else False
        r.leave_out(pending & ~arrived, "not_delivered")
    return status


def _purchases(r: Rows, cat: Catalogue) -> pd.DataFrame:
    status = _purchase_status(r)
    pos = resolve_products(r, cat, allow_nonwinning=True, classify=True)
    date = r.require("date")
    hospital = resolve_hospitals(r, cat)
    factors = unit_factors(r, "quantity", pos, cat)
    quantity = r.require("quantity").to_numpy() * factors
    # a return (退货, 冲红, or a negative quantity) subtracts its volume and amount
    returned = ((status == "returned") | (quantity < 0)) & ~r.skip
    quantity = np.where(returned, -np.abs(quantity), quantity)
    winning = pos < cat.n_products
    nonwin = ~winning & (pos != cat.empty_row)
    frame = pd.DataFrame({
        "order_id": _text(r, "order_id"),
        "date": date,
        "hospital_id": hospital,
        "product_id": _take(cat, pos, "product_id"),
    })
    for name in ("generic_name", "specification", "supplier"):
        from_cat = _take(cat, pos, name)
        if nonwin.any() and name in r.t.cols:
            from_cat = from_cat.mask(nonwin, _text(r, name))
        frame[name] = from_cat
    frame["quantity"] = quantity
    price = cat.ext["unit_price"].to_numpy(dtype=float)[pos]
    amount = _num(r, "amount").to_numpy()
    amount = np.where(returned, -np.abs(amount), amount)
    frame["amount"] = np.where(np.isnan(amount) & winning, quantity * price, amount)
    frame["winning"] = winning
    frame["ordered_quantity"] = _ordered_quantity(r, pos, cat, factors, returned)
    frame["order_date"] = r.col("order_date") if "order_date" in r.t.cols else pd.NaT
    frame["distributor"] = _text(r, "distributor")
    frame["invoice_id"] = _text(r, "invoice_id")
    r.sd.details["returns"] = int(returned.sum())
    _fill_keys(frame, "order_id", ["date", "hospital_id", "product_id", "generic_name", "specification",
                                   "supplier", "quantity", "amount"])
    return frame


def _ordered_quantity(r: Rows, pos: np.ndarray, cat: Catalogue, factors: np.ndarray,
                      returned: np.ndarray) -> np.ndarray:
    """Minimum units ordered (NaN where not given, and on return lines, which are not orders)."""
    col = r.col("ordered_quantity")
    if col is None:
        return np.full(r.n, np.nan)
    own_unit = r.sd.header_units.get("ordered_quantity") != r.sd.header_units.get("quantity") or (
        "ordered_quantity" in r.t.units_in_cells and r.t.units_in_cells["ordered_quantity"].notna().any())
    f = unit_factors(r, "ordered_quantity", pos, cat) if own_unit else factors
    return np.where(returned, np.nan, col.to_numpy() * f)


def _payments(r: Rows, cat: Catalogue) -> pd.DataFrame:
    r.leave_out(meaning(r, "status", PAYMENT_STATUS) == "unpaid", "unpaid")
    r.leave_out(meaning(r, "vbp_flag", VBP_FLAG) == "not_vbp", "not_vbp")
    payer = meaning(r, "payer", PAYER)
    if "product_id" in r.t.cols:  # a payment may name only its supplier, distributor or invoice
        pos = resolve_products(r, cat, allow_nonwinning=False, optional=np.ones(r.n, bool), classify=True)
    else:
        pos = np.full(r.n, cat.empty_row)
    hospital = resolve_hospitals(r, cat)
    amount, date = r.require("amount"), r.require("date")
    supplier = _text(r, "supplier").fillna(_take(cat, pos, "supplier"))
    frame = pd.DataFrame({
        "payment_id": _text(r, "payment_id"), "order_id": _text(r, "order_id"),
        "hospital_id": hospital, "product_id": _take(cat, pos, "product_id"),
        "supplier": supplier, "amount": amount, "date": date,
        "invoice_id": _text(r, "invoice_id"), "distributor": _text(r, "distributor"),
        "payer": pd.Series(pd.array(payer, dtype="string")),
        "order_date": pd.Series(pd.NaT, index=range(r.n), dtype="datetime64[ns]"),
    })
    _fill_keys(frame, "payment_id", ["order_id", "hospital_id", "product_id", "supplier", "amount", "date"])
    return frame


def _demand(r: Rows, cat: Catalogue) -> pd.DataFrame:
    return pd.DataFrame({
        "hospital_id": resolve_hospitals(r, cat),
        "generic_name": r.require("generic_name"), "specification": r.require("specification"),
        "declared_volume": r.require("declared_volume"), "current_supplier": _text(r, "current_supplier"),
    })


def _offers(r: Rows, cat: Catalogue) -> pd.DataFrame:
    return pd.DataFrame({
        "generic_name": r.require("generic_name"), "specification": r.require("specification"),
        "supplier": r.require("supplier"), "unit_price": r.require("unit_price"),
        "capacity": _num(r, "capacity"), "regions": _text(r, "regions"),
        "min_share": _num(r, "min_share", 0.0), "agreed_ratio": _num(r, "agreed_ratio"),
        "backup": _flag(r, "backup"),
    })


_YES = frozenset(["是", "y", "yes", "true", "1", "√", "✓", "备选", "备供", "备选企业"])
_NO = frozenset(["否", "n", "no", "false", "0", "×", "x"])


def _flag(r: Rows, name: str) -> np.ndarray:
    """A yes/no column (是/否, Y/N, 1/0, √); blank is no, any other text is an error on its row."""
    text = r.t.text.get(name)
    if text is None:
        return np.zeros(r.n, bool)
    keys = [None if v is None else str(v).strip().lower() for v in text.values]
    yes = np.array([k in _YES for k in keys], bool)
    bad_u = np.array([k is not None and k not in _YES and k not in _NO for k in keys], bool)
    raw = _cells(r, name)
    r.flag(bad_u[text.codes], name, lambda p: (
        f"{r.sd.header(name)} '{show(raw[p])}' 应为 是/否", f"'{show(raw[p])}' must be yes or no (是/否)"))
    return yes[text.codes]


def _substitutes(r: Rows, cat: Catalogue) -> pd.DataFrame:
    """可替代产品 rows as the list gives them. The winning drug need not be in this alliance's catalogue
    (a province's list covers every batch); the report reads only the entries of signed drugs."""
    return pd.DataFrame({
        "generic_name": r.require("generic_name"), "specification": r.require("specification"),
        "substitute": r.require("substitute"),
    })


_FUND_AMOUNTS = {"prepay_amount": "prepay", "offset_amount": "offset", "direct_amount": "direct"}


def _fund_transfers(r: Rows, cat: Catalogue) -> pd.DataFrame:
    """The fund's prepayments, offsets and direct settlements, one transfer a row.

    A row's kind comes from its type column (预付/冲抵/直接结算) beside one amount column, or from the
    one amount column it fills (预付金额, 冲抵金额, 直接结算金额). An offset written as a negative
    amount is the same offset; a negative prepayment or settlement is a reversal and subtracts.
    """
    hospital = resolve_hospitals(r, cat)
    date = r.require("date")
    kind = np.full(r.n, None, dtype=object)
    amount = np.full(r.n, np.nan)
    if "kind" in r.t.cols and "amount" in r.t.cols:
        kind = meaning(r, "kind", FUND_KIND)
        amount = r.col("amount").to_numpy(dtype=float, na_value=np.nan)
    filled = np.zeros(r.n, np.int64)
    for name, label in _FUND_AMOUNTS.items():
        col = r.col(name)
        if col is None:
            continue
        values = col.to_numpy(dtype=float, na_value=np.nan)
        here = ~np.isnan(values) & (values != 0) & np.isnan(amount)
        filled += here
        kind = np.where(here & (kind == None), label, kind)  # noqa: E711 (object array)
        amount = np.where(here, values, amount)
    r.flag(filled > 1, None, lambda p: (
        "一行只能填写一种金额（预付、冲抵或直接结算），请拆成多行",
        "one kind of amount per row (prepayment, offset or direct settlement); split the row"))
    no_amount = np.isnan(amount) & ~r.skip
    r.flag(no_amount, "amount" if "amount" in r.t.cols else None, lambda p: (
        "缺少金额，请填写", "the amount is missing; fill it in"))
    no_kind = np.array([k is None for k in kind]) & ~no_amount & ~r.skip
    r.flag(no_kind, "kind" if "kind" in r.t.cols else None, lambda p: (
        "缺少资金类型（预付、冲抵或直接结算），请填写", "the kind (prepayment, offset or direct settlement) is missing"))
    amount = np.where(kind == "offset", np.abs(amount), amount)
    frame = pd.DataFrame({
        "transfer_id": _text(r, "transfer_id"), "hospital_id": hospital, "batch": _text(r, "batch"),
        "kind": pd.Series(pd.array(kind, dtype="string")), "amount": amount, "date": date,
        "supplier": _text(r, "supplier"),
    })
    _fill_keys(frame, "transfer_id", ["hospital_id", "batch", "kind", "amount", "date", "supplier"])
    return frame


def _shortages(r: Rows, cat: Catalogue) -> pd.DataFrame:
    """Registered shortages, open from their start until closed (a closing date, or a closed status).

    Consumables (耗材) in a platform's register are left out and counted; so are drugs outside the
    procurement. A row the register marks closed without a date was closed when it was registered.
    """
    r.leave_out(meaning(r, "category", SHORTAGE_CATEGORY) == "device", "consumables")
    status = meaning(r, "status", SHORTAGE_STATUS)
    hospital = resolve_hospitals(r, cat)
    pos = resolve_products(r, cat, allow_nonwinning=False, optional=None, classify=True)
    start = r.require("start_date")
    end = r.col("end_date") if "end_date" in r.t.cols else pd.Series(pd.NaT, index=range(r.n),
                                                                         dtype="datetime64[ns]")
    end = end.reset_index(drop=True).mask(pd.Series(status == "closed") & end.isna().reset_index(drop=True),
                                          start.reset_index(drop=True))
    r.flag((end < start).to_numpy() & ~r.skip, "end_date", lambda p: (
        "恢复供应日期早于缺货开始日期", "the closing date is before the shortage started"))
    frame = pd.DataFrame({
        "shortage_id": _text(r, "shortage_id"), "hospital_id": hospital,
        "product_id": _take(cat, pos, "product_id"),
        "generic_name": _take(cat, pos, "generic_name").fillna(_text(r, "generic_name")),
        "specification": _take(cat, pos, "specification").fillna(_text(r, "specification")),
        "supplier": _take(cat, pos, "supplier").fillna(_text(r, "supplier")),
        "distributor": _text(r, "distributor"), "start_date": start, "end_date": end,
        "orders": _num(r, "orders"), "quantity": _num(r, "quantity"),
    })
    _fill_keys(frame, "shortage_id", ["hospital_id", "product_id", "generic_name", "specification", "supplier",
                                      "start_date"])
    return frame


def _fill_keys(frame: pd.DataFrame, key: str, columns: list[str]) -> None:
    missing = frame[key].isna()
    if missing.any():
        frame.loc[missing, key] = row_hash(frame[missing], columns)


_BUILDERS = {
    "hospitals": _hospitals, "products": _products, "agreements": _agreements, "purchases": _purchases,
    "payments": _payments, "demand": _demand, "offers": _offers, "substitutes": _substitutes,
    "fund_transfers": _fund_transfers, "shortages": _shortages,
}


def _typed(kind: str, frame: pd.DataFrame) -> bool:
    """Whether ``frame`` already has the canonical columns and dtypes (so conform can be skipped)."""
    return all(c in frame.columns and str(frame[c].dtype) == str(pd.Series(dtype=t).dtype)
               for c, t in COLUMNS[kind].items())


def apply_kind(sd: SheetData, t: Typed, cat: Catalogue) -> tuple[pd.DataFrame, np.ndarray]:
    """The canonical frame of a sheet (plus ``_row``) and the mask of rows with problems."""
    r = Rows(sd, t)
    frame = _BUILDERS[sd.kind](r, cat)
    frame = conform(sd.kind, frame) if not _typed(sd.kind, frame) else frame[list(COLUMNS[sd.kind])]
    frame["_row"] = sd.rows
    return frame, r.invalid | r.skip
