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

from procurement.arrays import first_seen, sorted_groups_of
from procurement.ingest import values as V
from procurement.ingest.headers import ALIASES, normalize_header
from procurement.ingest.packaging import Packaging, combine, conflicts, parse_packaging, unit_key
from procurement.ingest.sheets import SheetData, Typed, show
from procurement.ingest.statuses import (
    BACKUP_FLAG,
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

_PRODUCT_INFO = ["product_id", "generic_name", "specification", "supplier", "unit", "pack_unit", "pack_size",
                 "unit_price"]


def catalogue_packaging(spec: object, unit: object, pack_unit: object, pack_size: object) -> Packaging:
    """A stored product's packaging: its columns, the specification text filling what they leave.

    A pack size of 1 with no pack unit is what an import stores when nothing said how many
    minimum units a pack holds, so it counts as unknown: a quantity in 盒 then is an error, not 1.
    """
    size = None if pack_size is None or pd.isna(pack_size) else float(pack_size)
    pu = None if pack_unit is None or pd.isna(pack_unit) else str(pack_unit)
    if size == 1.0 and pu is None:
        size = None
    text = parse_packaging(str(spec)) if spec is not None and not pd.isna(spec) else None
    return combine(text, None if unit is None or pd.isna(unit) else str(unit), pu, size)


def common_packaging(pkgs: list[Packaging]) -> Packaging:
    """What all of ``pkgs`` agree on (the packaging of a drug whose winners differ, say)."""
    mus = {p.min_unit for p in pkgs}
    packs = {(p.pack_unit, p.pack_size) for p in pkgs}
    levels = [p.levels for p in pkgs]
    pack_unit, pack_size = packs.pop() if len(packs) == 1 else (None, None)
    return Packaging(mus.pop() if len(mus) == 1 else None, pack_unit, pack_size,
                     dict(levels[0]) if levels and all(lv == levels[0] for lv in levels) else {})


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
    # the province's substitutes list (可替代产品): a purchase of a listed substitute is kept as a
    # non-winning line (the execution report counts it), not left out as a drug outside the procurement
    substitutes: pd.DataFrame | None = None

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
        # One packaging per position of ``ext``: the products, one per drug (what its winners share),
        # and the empty row. Every quantity and price unit is converted with these.
        self.packagings = [catalogue_packaging(*(cols[c][i] for c in ("specification", "unit", "pack_unit", "pack_size")))
                           for i in range(len(p))]
        for members in drugs.values():
            shared = common_packaging([self.packagings[i] for i in members])
            self.packagings.append(shared)
            for c in _PRODUCT_INFO:
                cols[c].append(cols[c][members[0]] if c in ("generic_name", "specification") else None)
            cols["unit"][-1], cols["pack_unit"][-1], cols["pack_size"][-1] = (
                shared.min_unit, shared.pack_unit, shared.pack_size)
        listed = self.substitutes["substitute"] if self.substitutes is not None and len(self.substitutes) else []
        self.substitute_keys = {k for k in (V.norm_key(v) for v in listed) if k}
        self.packagings += [Packaging(), Packaging()]
        for c in _PRODUCT_INFO:
            cols[c].append(None)  # the row a listed substitute points at (its names come from the line)
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

    @property
    def substitute_row(self) -> int:
        return len(self.ext) - 2

    def listed_substitutes(self, values: list[object]) -> np.ndarray:
        """Which of ``values`` (codes or generic names) are on the substitutes list."""
        keys = self.substitute_keys
        return np.array([bool(keys) and V.norm_key(v) in keys for v in values], dtype=bool)

    @classmethod
    def from_dataset(cls, ds: Dataset) -> Catalogue:
        return cls(ds.hospitals, ds.products, ds.substitutes)

    def extended(self, hospital_parts: list, product_parts: list, substitute_parts: list = ()) -> Catalogue:
        """This catalogue plus the hospitals, products and substitutes parsed in the same call (they win)."""
        hospitals = pd.concat([self.hospitals, *[conform("hospitals", f) for _, f in hospital_parts]],
                              ignore_index=True)
        products = pd.concat([self.products, *[conform("products", f) for _, f in product_parts]],
                             ignore_index=True)
        substitutes = pd.concat([conform("substitutes", f) for f in
                                 ([] if self.substitutes is None else [self.substitutes])
                                 + [f for _, f in substitute_parts]] or [conform("substitutes", pd.DataFrame())],
                                ignore_index=True)
        return Catalogue(hospitals, products, substitutes)


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
        if mask is False:
            return np.zeros(self.n, bool)
        new = np.asarray(mask, bool) & ~self.skip & ~self.invalid
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


def meaning(r: Rows, name: str, vocab: dict[str, str]) -> np.ndarray | None:
    """What each row's status/flag/payer cell means (a vocabulary label, None when blank), or None
    when the sheet has no such column.

    Values not in the vocabulary are one problem naming every distinct one, never a guess.
    """
    tc = r.t.text.get(name)
    if tc is None:
        return None
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


def rows_meaning(labels: np.ndarray | None, label: str) -> np.ndarray | bool:
    """Rows whose cell means ``label`` (False for every row when the column is absent)."""
    return False if labels is None else labels == label


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
    supplier = (tsup.codes[idx], len(tsup.values)) if tsup is not None else (np.full(len(idx), -1), 0)
    combo = first_seen((tg.codes[idx], len(tg.values)), (ts.codes[idx], len(ts.values)), supplier)
    n_combos = int(combo.max(initial=-1)) + 1
    first = np.zeros(n_combos, np.int64)
    first[combo[::-1]] = np.arange(len(combo))[::-1]  # a representative row of each combination
    rows = idx[first]
    gk = [V.norm_key(tg.values[tg.codes[i]]) for i in rows]
    sk = [V.norm_key(ts.values[ts.codes[i]]) for i in rows]
    supk = [V.norm_key(tsup.values[tsup.codes[i]]) if tsup is not None else None for i in rows]
    status = np.zeros(n_combos, np.int64)  # 0 unknown drug, 1 winner, 2 non-winning, 3 no maker
    target = np.full(n_combos, cat.empty_row, np.int64)
    for j in range(n_combos):
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
        if allow_nonwinning and cat.substitute_keys and unresolved.any():  # unless the province lists it
            at = np.flatnonzero(unresolved)
            tpid = r.t.text.get("product_id")
            listed = cat.listed_substitutes([tg.values[tg.codes[i]] for i in at])
            if tpid is not None:  # listed by its code
                listed |= cat.listed_substitutes([tpid.values[tpid.codes[i]] for i in at])
            pos[at[listed]] = cat.substitute_row
            unresolved[at[listed]] = False
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
        alt = r.t.text.get("alt_product_id")
        if alt is not None:  # a second code column: rows its code resolves are known
            alt_u = cat.product_positions(alt.values)
            by_alt = (pos == cat.empty_row) & (alt_u >= 0)[alt.codes]
            pos = np.where(by_alt, alt_u[alt.codes], pos)
            unknown_code &= ~by_alt
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
        if classify and allow_nonwinning and cat.substitute_keys and still.any():  # a listed substitute's code
            at = np.flatnonzero(still)
            listed = cat.listed_substitutes([raw[i] for i in at])
            pos[at[listed]] = cat.substitute_row
            still[at[listed]] = False
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
    """Minimum units per unit written, per row (NaN where undefined, and then a row error).

    A winning product's unit is converted with its catalogue packaging; where that does not
    define the unit, with what the row itself states (包装转换比, 最小制剂单位, a 规格包装 text).
    A non-winning product is another maker's: its own statement first, else what the drug's
    winners share, with a warning, since another maker's pack may differ.
    """
    codes, units = _unit_codes(r, qty)
    codes = np.where(codes < 0, len(units) - 1, codes).astype(np.int64)
    factors = _factor_table(codes, units, pos, cat.packagings)
    _warn_unstated_unit(r, qty, codes, units, _min_unit_keys(cat.packagings, pos), pos != cat.empty_row)
    resolved = pos != cat.empty_row
    left_out = getattr(r, "skip", None)  # rows left out (cancelled, not VBP) need no unit
    if left_out is not None:
        resolved = resolved & ~left_out
    nonwin = (pos >= cat.n_products) & resolved
    own = np.zeros(r.n, bool)
    need = (np.isnan(factors) | nonwin) & resolved
    if need.any() and _states_packaging(r):
        idx = np.flatnonzero(need)
        own_codes, own_pkgs = row_packagings(r, "min_unit", idx)
        own_factors = _factor_table(codes[idx], units, own_codes, own_pkgs)
        # a winning row's own statement counts only where it is about the same minimum unit
        same_unit = np.array([pos[i] >= cat.n_products or own_pkgs[c].min_unit is None
                              or cat.packagings[pos[i]].min_unit in (None, own_pkgs[c].min_unit)
                              for i, c in zip(idx, own_codes, strict=True)], dtype=bool)
        found = ~np.isnan(own_factors) & same_unit
        factors[idx[found]] = own_factors[found]
        own[idx[found]] = True
    borrowed = nonwin & ~own & np.isfinite(factors) & (factors != 1)
    name = "unit" if "unit" in r.sd.raw else qty
    if borrowed.any():
        r.sd.warn(borrowed, name, lambda p: (
            f"非中选产品按该药品中选产品的包装换算（1 单位 = {factors[p]:g} 最小单位），请核对其包装",
            f"non-winning product converted with the winners' packaging (1 unit = {factors[p]:g} minimum "
            "units); check its pack"))
    bad = np.isnan(factors) & resolved
    if bad.any():
        r.flag(bad, name, lambda p: _undefined_unit(units[codes[p]], cat.packagings[pos[p]]))
    return factors


def _states_packaging(r: Rows) -> bool:
    """Whether a sheet of quantities says anything of its products' packaging itself."""
    return any(n in r.t.cols for n in ("pack_size", "min_unit", "pack_unit", "pack_text", "specification"))


def _factor_table(codes: np.ndarray, units: np.ndarray, pkg_codes: np.ndarray, pkgs: list[Packaging]) -> np.ndarray:
    """``pkgs[pkg_codes[i]].factor(units[codes[i]])`` per row, NaN for None, per distinct pair."""
    combo, first = sorted_groups_of((codes, len(units)), (pkg_codes, len(pkgs)))
    table = np.empty(first.size)
    for i, row in enumerate(first.tolist()):
        f = pkgs[pkg_codes[row]].factor(units[codes[row]])
        table[i] = np.nan if f is None else f
    return table[combo]


def packaging_factors(
    r: Rows, qty: str, pkg_codes: np.ndarray, pkgs: list[Packaging], check: np.ndarray
) -> np.ndarray:
    """Minimum units per unit written, per row, with row ``i`` packed as ``pkgs[pkg_codes[i]]``.

    The unit comes from the row's unit column, else a unit typed in the quantity cell, else the
    header's bracketed unit, else the minimum unit. A unit the packaging does not define is an
    error on that row (rows outside ``check``, unresolved ones, are left to their own error).
    """
    codes, units = _unit_codes(r, qty)
    codes = np.where(codes < 0, len(units) - 1, codes).astype(np.int64)
    factors = _factor_table(codes, units, pkg_codes, pkgs)
    _warn_unstated_unit(r, qty, codes, units, _min_unit_keys(pkgs, pkg_codes), check)
    bad = np.isnan(factors) & check
    if bad.any():
        name = "unit" if "unit" in r.sd.raw else qty
        r.flag(bad, name, lambda p: _undefined_unit(units[codes[p]], pkgs[pkg_codes[p]]))
    return factors


def _min_unit_keys(pkgs: list[Packaging], codes: np.ndarray) -> np.ndarray:
    """Each row's minimum unit (comparable form) from its packaging."""
    return np.array([unit_key(p.min_unit) for p in pkgs], dtype=object)[codes]


def _warn_unstated_unit(r: Rows, qty: str, codes: np.ndarray, units: np.ndarray, min_key: np.ndarray,
                        resolved: np.ndarray) -> None:
    """Quantities that state no unit on a sheet with a 包装单位 column: read as minimum units.

    By the spec such quantities are minimum units, but an export listing the pack beside its
    quantities often counts in packs (a GPO delivery list's 配送数量 is in its 包装单位名称): where the
    row's 包装单位 names a unit that is not the product's minimum unit and no amount can tell the two
    readings apart, the row is refused (a silently wrong volume is worse than none); elsewhere one
    warning says how they were read.
    """
    tpack = r.t.text.get("pack_unit")
    if tpack is None:
        return
    unstated = np.fromiter((u is None for u in units), bool, len(units))[codes] & ~tpack.blank()
    if not unstated.any():
        return
    amount = r.col("amount")
    no_amount = np.ones(r.n, bool) if amount is None else amount.isna().to_numpy()
    pack_key = np.array([unit_key(v) for v in tpack.values], dtype=object)[tpack.codes]
    ambiguous = unstated & no_amount & resolved & (pack_key != min_key) & ~r.skip
    if ambiguous.any():
        pack_raw = _cells(r, "pack_unit")
        head_q, head_p = r.sd.header(qty), r.sd.header("pack_unit")
        r.flag(ambiguous, qty, lambda p: (
            f"{head_q} 未注明单位，而{head_p}为 '{show(pack_raw[p])}'（不是该产品的最小单位），且无金额可核对："
            f"无法判断数量是最小单位还是包装数，请在表头注明单位，如 {head_q}(盒) 或 {head_q}(片)",
            f"{head_q} states no unit while {head_p} is '{show(pack_raw[p])}' (not the product's minimum "
            f"unit) and no amount can tell: minimum units or packs? Say so in the header, e.g. {head_q}(盒)"))
        unstated &= ~ambiguous
    if not unstated.any():
        return
    first = np.zeros(r.n, bool)
    first[np.argmax(unstated)] = True
    n, head, pack_head = int(unstated.sum()), r.sd.header(qty), r.sd.header("pack_unit")
    r.sd.warn(first, qty, lambda p: (
        f"{n} 行的{head}未注明单位（表中的{pack_head}列说明的是包装，不是数量的单位），已按最小单位读取；"
        "如数量是包装数，请在表头注明，如 采购数量(盒)",
        f"{n} rows: {head} states no unit ({pack_head} describes the pack, not the quantity), so it was read "
        "in minimum units; if it counts packs, say so in the header, e.g. 采购数量(盒)"))


def _undefined_unit(unit: object, pkg: Packaging) -> tuple[str, str]:
    zh, en = pkg.describe()
    return (f"无法换算的单位 '{show(unit)}'：该产品的包装（{zh}）没有说明 1 {show(unit)} 是多少最小单位，"
            "请改用最小单位或包装单位，或在中选产品表中补充最小单位、包装单位、包装转换比或规格包装（如 0.25g×12片×2板/盒）",
            f"unit '{show(unit)}' cannot be converted: the product's packaging ({en}) does not say how many "
            "minimum units it holds; use the minimum unit or the pack, or give the catalogue its minimum unit, "
            "pack unit, pack size or packaging text (e.g. 0.25g×12片×2板/盒)")


def _close(amount: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Amounts that match within 1% or 0.01 yuan, whichever is larger (both bounds included).

    Compared without sign: a return line may carry a negative amount beside a positive quantity.
    """
    with np.errstate(invalid="ignore"):
        a, e = np.abs(amount), np.abs(expected)
        return np.abs(a - e) <= np.maximum(0.01 * e, 0.01) + 1e-9


def check_amounts(r: Rows, cat: Catalogue, pos: np.ndarray, qty: str, quantity: np.ndarray) -> None:
    """Check each row's reading of its quantity against its amount and the winning unit price.

    amount / price is the quantity the row paid for. Where it matches the other reading (packs
    instead of minimum units, or the reverse) and not the one taken, the row is an error that
    says so: that is a file whose units were misread, and every figure from it would be wrong
    by the pack size. Where it matches neither, the row is imported and listed as a warning.
    """
    if "amount" not in r.t.cols or qty not in r.t.cols:
        return
    raw = r.col(qty).to_numpy(dtype=float)
    amount = r.col("amount").to_numpy(dtype=float)
    price = cat.ext["unit_price"].to_numpy(dtype=float, na_value=np.nan)[pos]
    pack = np.array([np.nan if p.pack_size is None else p.pack_size for p in cat.packagings])[pos]
    left_out = getattr(r, "skip", None)  # rows left out (cancelled, not VBP) are not read at all
    with np.errstate(invalid="ignore"):
        live = ((pos < cat.n_products) & ~r.invalid & np.isfinite(amount) & np.isfinite(price) & (price > 0)
                & np.isfinite(quantity) & np.isfinite(raw) & (raw != 0))
    if left_out is not None:
        live &= ~left_out
    if not live.any():
        return
    taken_ok = _close(amount, price * quantity)
    alt_ok = np.zeros(r.n, bool)
    alt = np.full(r.n, np.nan)
    for reading in (raw, raw * pack):
        hit = _close(amount, price * reading) & ~np.isclose(reading, quantity) & ~alt_ok
        alt = np.where(hit, reading, alt)
        alt_ok |= hit
    head, amount_head = r.sd.header(qty), r.sd.header("amount")
    r.flag(live & ~taken_ok & alt_ok, qty, lambda p: (
        f"{amount_head} {amount[p]:g} ÷ 中选单价 {price[p]:g} = {amount[p] / price[p]:g} 最小单位，"
        f"与把{head} {raw[p]:g} 读作 {alt[p]:g} 最小单位相符，而不是读作的 {quantity[p]:g}：数量的单位有误，"
        "请在单位列或表头注明（最小单位或包装）",
        f"amount {amount[p]:g} / winning unit price {price[p]:g} = {amount[p] / price[p]:g} minimum units, which "
        f"matches reading {raw[p]:g} as {alt[p]:g} minimum units, not the {quantity[p]:g} taken: the quantity's "
        "unit is wrong; state it in a unit column or the header (minimum unit or pack)"))
    r.sd.warn(live & ~taken_ok & ~alt_ok, "amount", lambda p: (
        f"价格与中选价不符：{amount_head} {amount[p]:g} ÷ {quantity[p]:g} 最小单位 = "
        f"{amount[p] / quantity[p]:.4g} 元，中选单价 {price[p]:g} 元",
        f"price differs from the winning price: amount {amount[p]:g} / {quantity[p]:g} minimum units = "
        f"{amount[p] / quantity[p]:.4g} yuan, winning unit price {price[p]:g} yuan"))


def row_hash(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'h:' + a short sha1 of the canonical values: a stable key for rows that carry none."""
    joined = pd.Series("", index=frame.index, dtype="string")
    for c in columns:
        joined = joined + "\x1f" + frame[c].astype("string").fillna("")
    return pd.Series(["h:" + hashlib.sha1(s.encode()).hexdigest()[:16] for s in joined],
                     index=frame.index, dtype="string")


def _take(cat: Catalogue, pos: np.ndarray, name: str) -> pd.Series:
    """The catalogue's ``name`` at each row's position, on the rows' own 0..n index: the array is
    taken once (``Series.take`` then ``reset_index`` made a second copy of a million cells)."""
    column = cat.ext[name]
    return pd.Series(column.array.take(pos), dtype=column.dtype, name=name)


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


def row_packagings(
    r: Rows, min_unit_field: str | None = "unit", idx: np.ndarray | None = None
) -> tuple[np.ndarray, list[Packaging]]:
    """(code per row, packagings): each row's packaging from its own columns and specification text.

    Columns win where present (最小单位, 包装单位, 包装转换比); the text fills what they leave. A
    text that contradicts a column is a warning, so a person sees which one was taken. In sheets
    of quantities, ``unit`` is the quantity's unit, not the minimum unit: pass None there. With
    ``idx``, only those rows (codes in their order).
    """
    unit = _text(r, min_unit_field) if min_unit_field else _text(r, "_none")
    parts = [_text(r, "specification"), _text(r, "pack_text"), unit, _text(r, "pack_unit")]
    size = _num(r, "pack_size")
    frame = pd.DataFrame({"s": parts[0], "t": parts[1], "u": parts[2], "pu": parts[3], "n": size})
    if idx is not None:
        frame = frame.iloc[idx]
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame.astype(object)))
    pkgs: list[Packaging] = []
    clash: list[list[str]] = []
    for spec, pack_text, unit, pack_unit, n in uniques:
        # a separate packaging column (包装: 7片/盒) says more than the specification (20mg)
        text = parse_packaging(None if pd.isna(pack_text) else str(pack_text)) \
            or parse_packaging(None if pd.isna(spec) else str(spec))
        mu, pu = (None if pd.isna(x) else str(x) for x in (unit, pack_unit))
        ns = None if pd.isna(n) or n <= 0 else float(n)
        pkgs.append(combine(text, mu, pu, ns))
        clash.append(conflicts(text, mu, pu, ns))
    pkgs.append(Packaging())
    clash.append([])
    codes = np.where(codes < 0, len(pkgs) - 1, codes)
    spec_raw = _cells(r, "specification") if "specification" in r.sd.raw else None
    row_code = np.full(r.n, len(pkgs) - 1)
    row_code[np.arange(r.n) if idx is None else idx] = codes
    hit = np.array([bool(c) for c in clash])[row_code]
    if hit.any() and spec_raw is not None:
        r.sd.warn(hit, "specification", lambda p: (
            f"规格包装 '{show(spec_raw[p])}' 与包装列（{'、'.join(clash[row_code[p]])}）不一致，以包装列为准",
            f"packaging text '{show(spec_raw[p])}' contradicts the packaging columns "
            f"({', '.join(clash[row_code[p]])}); the columns are taken"))
    return codes, pkgs


def _price_basis(r: Rows, name: str) -> str | None:
    """The unit a price header states (中选价格(元/片) -> 片), None for just 元 or nothing."""
    u = unit_key(r.sd.header_units.get(name))
    return None if u in (None, "元", "yuan", "rmb", "cny") else u


def _basis_factors(codes: np.ndarray, pkgs: list[Packaging], basis: str | None, per_pack: bool) -> np.ndarray:
    """Minimum units per priced unit, per row (NaN where the packaging does not define it)."""
    table = []
    for pkg in pkgs:
        f = pkg.factor(basis) if basis else (pkg.pack_size if per_pack else 1.0)
        table.append(np.nan if f is None else f)
    return np.asarray(table, dtype=float)[codes]


def prices_per_unit(r: Rows, codes: np.ndarray, pkgs: list[Packaging], required: bool) -> np.ndarray:
    """Winning prices in yuan per minimum unit, whichever basis the sheet gives them in.

    中选单价 and its aliases are per minimum unit, 中选价 and its aliases per pack (per unit = pack
    price / 包装转换比); a bracketed unit in the header wins over both. Where both are given they
    must agree within 0.5%. Taking a pack price as a unit price is what made amounts 7-28x too high.
    """
    per_unit = np.full(r.n, np.nan)
    given = np.zeros(r.n, bool)
    readings = []
    for name, per_pack in (("unit_price", False), ("pack_price", True)):
        col = r.col(name)
        if col is None:
            continue
        value = col.to_numpy(dtype=float, na_value=np.nan)
        factor = _basis_factors(codes, pkgs, _price_basis(r, name), per_pack)
        with np.errstate(invalid="ignore", divide="ignore"):
            readings.append((name, value / factor, np.isfinite(value), factor))
    for name, reading, present, factor in readings:
        undefined = present & ~np.isfinite(factor) & ~given
        head = r.sd.header(name)
        default_pack = name == "pack_price" and _price_basis(r, name) is None
        r.flag(undefined, name, lambda p, h=head, d=default_pack: _undefined_price(h, pkgs[codes[p]], d))
        usable = present & np.isfinite(factor) & ~given
        per_unit = np.where(usable, reading, per_unit)
        given |= usable | undefined
    if len(readings) == 2:
        (_, a, pa, fa), (pname, b, pb, fb) = readings
        both = pa & pb & np.isfinite(fa) & np.isfinite(fb)
        with np.errstate(invalid="ignore"):
            differ = both & (np.abs(a - b) > 0.005 * np.maximum(np.abs(a), np.abs(b)))
        ua, pb_head = r.sd.header("unit_price"), r.sd.header(pname)
        r.flag(differ, pname, lambda p: (
            f"{pb_head} 折合每最小单位 {b[p]:.4g} 元，与{ua} {a[p]:.4g} 元相差超过 0.5%，请核对价格或包装转换比",
            f"{pb_head} comes to {b[p]:.4g} yuan per minimum unit, more than 0.5% from {ua} {a[p]:.4g}; "
            "check the prices or the pack size"))
    if required:
        name = "unit_price" if "unit_price" in r.t.cols else "pack_price"
        missing = ~given
        for col in ("unit_price", "pack_price"):  # an unreadable price is reported already
            missing &= ~r.t.bad.get(col, np.zeros(r.n, bool))
        head = r.sd.header(name)
        r.flag(missing, name, lambda p: (f"缺少{head}，请填写", f"{head} ({name}) is missing; fill it in"))
    return per_unit


def _undefined_price(head: str, pkg: Packaging, per_pack: bool) -> tuple[str, str]:
    zh, en = pkg.describe()
    if per_pack:
        return (f"{head} 是每包装价格，但该产品的包装（{zh}）没有说明每包装多少最小单位，"
                "请填写包装转换比或规格包装（如 20mg*7片/盒），或改填中选单价",
                f"{head} is a price per pack, but the product's packaging ({en}) does not say how many "
                "minimum units a pack holds; add the pack size or packaging text, or give the unit price")
    return (f"{head} 的计价单位无法换算为最小单位（该产品的包装：{zh}）",
            f"the unit {head} is priced in cannot be converted to minimum units (packaging: {en})")


def baseline_per_unit(r: Rows, codes: np.ndarray, pkgs: list[Packaging], price: np.ndarray) -> np.ndarray:
    """The pre-procurement price per minimum unit: on its header's basis, else the winning price's.

    A baseline below the winning price is imported with a warning: it is how a baseline read on
    the wrong basis shows.
    """
    col = r.col("baseline_price")
    if col is None:
        return np.full(r.n, np.nan)
    value = col.to_numpy(dtype=float, na_value=np.nan)
    basis = _price_basis(r, "baseline_price")
    if basis is None and "unit_price" not in r.t.cols:  # the sheet prices per pack
        factor = _basis_factors(codes, pkgs, _price_basis(r, "pack_price"), True)
    else:
        factor = _basis_factors(codes, pkgs, basis, False)
    present = np.isfinite(value)
    head = r.sd.header("baseline_price")
    r.flag(present & ~np.isfinite(factor), "baseline_price",
           lambda p: _undefined_price(head, pkgs[codes[p]], basis is None))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = value / factor
        low = present & np.isfinite(out) & np.isfinite(price) & (out < price)
    r.sd.warn(low & ~r.invalid, "baseline_price", lambda p: (
        f"{head} 折合每最小单位 {out[p]:.4g} 元，低于中选单价 {price[p]:.4g} 元，请核对两者的计价单位",
        f"{head} comes to {out[p]:.4g} yuan per minimum unit, below the winning unit price {price[p]:.4g}; "
        "check that both are on the same basis"))
    return out


def _products(r: Rows, cat: Catalogue) -> pd.DataFrame:
    batch, generic = r.require("batch"), r.require("generic_name")
    spec, supplier = r.require("specification"), r.require("supplier")
    derived = batch + "|" + generic + "|" + spec + "|" + supplier
    given_pack = _num(r, "pack_size")
    r.flag((given_pack <= 0).to_numpy(), "pack_size", lambda p: (
        "包装转换比必须大于 0", "pack size must be greater than 0"))
    codes, pkgs = row_packagings(r)
    price = prices_per_unit(r, codes, pkgs, required=True)
    baseline = baseline_per_unit(r, codes, pkgs, price)
    min_unit = [p.min_unit for p in pkgs]
    pack_unit = [p.pack_unit for p in pkgs]
    pack = np.array([1.0 if p.pack_size is None else p.pack_size for p in pkgs])[codes]  # spec: else 1
    return pd.DataFrame({
        "product_id": _text(r, "product_id").fillna(derived),
        "batch": batch, "generic_name": generic, "dosage_form": _text(r, "dosage_form"),
        "specification": spec, "pack_size": pack,
        "unit": pd.array(min_unit, dtype="string").take(codes),
        "pack_unit": pd.array(pack_unit, dtype="string").take(codes),
        "supplier": supplier, "unit_price": price, "baseline_price": baseline,
        "agreement_start": r.col("agreement_start") if "agreement_start" in r.t.cols else pd.NaT,
        "agreement_end": r.col("agreement_end") if "agreement_end" in r.t.cols else pd.NaT,
        "other_codes": _codes_text(r, "other_codes"),
    })


def _agreements(r: Rows, cat: Catalogue) -> pd.DataFrame:
    hospital = resolve_hospitals(r, cat)
    pos = resolve_products(r, cat, allow_nonwinning=False)
    volume = r.require("agreed_volume")
    agreed = volume.to_numpy() * unit_factors(r, "agreed_volume", pos, cat)
    check_amounts(r, cat, pos, "agreed_volume", agreed)
    return pd.DataFrame({
        "hospital_id": hospital,
        "product_id": _take(cat, pos, "product_id"),
        "agreed_volume": agreed,
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


def _purchase_status(r: Rows) -> np.ndarray | None:
    """Leave out cancelled, not-VBP and not-yet-delivered lines; the status label of each row."""
    status = meaning(r, "status", PURCHASE_STATUS)
    if status is not None:
        r.leave_out(status == "cancelled", "cancelled")
    vbp = meaning(r, "vbp_flag", VBP_FLAG)
    if vbp is not None:
        r.leave_out(vbp == "not_vbp", "not_vbp")
    pending = rows_meaning(status, "pending")
    if np.any(pending):  # ordered, not received: only a received quantity > 0 says something arrived
        qty = r.col("quantity")
        arrived = np.zeros(r.n, bool)
        if qty is not None and not _is_ordered_header(r, "quantity"):
            arrived = np.nan_to_num(qty.to_numpy(dtype=float), nan=0.0) > 0
        r.leave_out(pending & ~arrived, "not_delivered")
    return status


def _purchases(r: Rows, cat: Catalogue) -> pd.DataFrame:
    status = _purchase_status(r)
    pos = resolve_products(r, cat, allow_nonwinning=True, classify=True)
    date = r.require("date")
    hospital = resolve_hospitals(r, cat)
    factors = unit_factors(r, "quantity", pos, cat)
    quantity = r.require("quantity").to_numpy() * factors
    check_amounts(r, cat, pos, "quantity", quantity)
    # a return (退货, 冲红, or a negative quantity) subtracts its volume and amount
    returned = (rows_meaning(status, "returned") | (quantity < 0)) & ~r.skip
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
    r.leave_out(rows_meaning(meaning(r, "status", PAYMENT_STATUS), "unpaid"), "unpaid")
    r.leave_out(rows_meaning(meaning(r, "vbp_flag", VBP_FLAG), "not_vbp"), "not_vbp")
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
        "payer": (pd.Series(pd.array(payer, dtype="string")) if payer is not None
                  else pd.Series(pd.NA, index=range(r.n), dtype="string")),
        "order_date": pd.Series(pd.NaT, index=range(r.n), dtype="datetime64[ns]"),
    })
    _fill_keys(frame, "payment_id", ["order_id", "hospital_id", "product_id", "supplier", "amount", "date"])
    return frame


def _drug_packagings(
    r: Rows, cat: Catalogue, pos: np.ndarray | None = None, min_unit_field: str | None = "unit"
) -> tuple[np.ndarray, list[Packaging]]:
    """(code per row, packagings) for planning rows, which name a drug rather than a product.

    The row's own columns and specification text where they say how many minimum units a pack
    holds, else the catalogue's packaging (the product ``pos`` names, or what the drug's winners
    share), else what the row says (a minimum unit, or nothing).
    """
    codes, pkgs = row_packagings(r, min_unit_field)
    g, sp = (_text(r, n) for n in ("generic_name", "specification"))
    keys = [None if pd.isna(a) or pd.isna(b) else f"{V.norm_key(a)}|{V.norm_key(b)}" for a, b in zip(g, sp, strict=True)]
    found = cat.drug_index.get_indexer(keys) if len(cat.drug_index) else np.full(r.n, -1)
    cat_pos = np.where(found >= 0, cat.n_products + found, cat.empty_row)
    if pos is not None:
        cat_pos = np.where(pos != cat.empty_row, pos, cat_pos)
    own_known = np.array([p.pack_size is not None for p in pkgs])[codes]  # says how many, not just a name
    use_cat = (cat_pos != cat.empty_row) & ~own_known
    return np.where(use_cat, len(pkgs) + cat_pos, codes), pkgs + cat.packagings


def _demand(r: Rows, cat: Catalogue) -> pd.DataFrame:
    declared = r.require("declared_volume")
    codes, pkgs = _drug_packagings(r, cat, min_unit_field=None)
    factors = packaging_factors(r, "declared_volume", codes, pkgs, np.ones(r.n, bool))
    return pd.DataFrame({
        "hospital_id": resolve_hospitals(r, cat),
        "generic_name": r.require("generic_name"), "specification": r.require("specification"),
        "declared_volume": declared.to_numpy() * factors, "current_supplier": _text(r, "current_supplier"),
    })


def _offers(r: Rows, cat: Catalogue) -> pd.DataFrame:
    g, sp, sup = (r.require(n) for n in ("generic_name", "specification", "supplier"))
    keys = [None if pd.isna(a) or pd.isna(b) or pd.isna(c) else "|".join(V.norm_key(x) or "" for x in (a, b, c))
            for a, b, c in zip(g, sp, sup, strict=True)]
    pos = np.array([cat.key_pos.get(k, cat.empty_row) if k else cat.empty_row for k in keys], dtype=np.int64)
    codes, pkgs = _drug_packagings(r, cat, pos)
    return pd.DataFrame({
        "generic_name": g, "specification": sp, "supplier": sup,
        "unit_price": prices_per_unit(r, codes, pkgs, required=True),
        "capacity": _num(r, "capacity"), "regions": _text(r, "regions"),
        "min_share": _num(r, "min_share", 0.0), "agreed_ratio": _num(r, "agreed_ratio"),
        "backup": np.zeros(r.n, bool) | rows_meaning(meaning(r, "backup", BACKUP_FLAG), "yes"),
    })


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
