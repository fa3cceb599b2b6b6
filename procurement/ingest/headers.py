"""Header recognition: which column of a user's sheet is which field, and which table a sheet is.

Real exports name the same column many ways (Traditional or Simplified, full-width, a unit in
brackets, a platform's own wording), so headers are normalised before they are compared with the
canonical names and aliases of ``shared/spec/data-templates.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from procurement.model import KIND_LABELS_ZH

_T2S = opencc.OpenCC("t2s")
_TRAILING_UNIT = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]$")
_SPACES = re.compile(r"[\s_\-·:：]+")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese, cached because the same cells repeat a lot."""
    return _T2S.convert(text)


@lru_cache(maxsize=4096)
def split_header(text: object) -> tuple[str, str | None]:
    """Normalised header and the unit written in trailing brackets (``数量(盒)`` -> ("数量", "盒"))."""
    if text is None:
        return "", None
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    raw = to_simplified(raw).lower()
    unit = None
    match = _TRAILING_UNIT.search(raw)
    if match and match.start() > 0:
        unit = match.group(0)[1:-1].strip() or None
        raw = raw[: match.start()]
    elif "/" in raw and raw.index("/") > 0:  # 数量/盒, 金额/元
        raw, unit = raw.split("/", 1)
        unit = unit.strip() or None
    return _SPACES.sub("", raw), unit


def normalize_header(text: object) -> str:
    """The comparable form of a header: simplified, half-width, lower case, no spaces or unit."""
    return split_header(text)[0]


@dataclass(frozen=True)
class Field:
    """One column a sheet of some kind may carry."""

    name: str  # the internal field name (a canonical column, or hospital_name etc.)
    zh: str  # canonical Chinese header
    aliases: tuple[str, ...] = ()


def _f(name: str, zh: str, *aliases: str) -> Field:
    return Field(name, zh, aliases)


# Shared field definitions; a kind lists the ones it accepts.
_HOSPITAL_ID = _f("hospital_id", "机构编码", "医疗机构编码", "医院编码", "机构代码", "单位编码", "医疗机构代码",
                  "医院代码", "定点医疗机构编码", "机构id")
_HOSPITAL_NAME = _f("hospital_name", "机构名称", "医疗机构名称", "医院名称", "单位名称", "医疗机构", "医院",
                    "定点医疗机构名称", "机构")
_PRODUCT_ID = _f("product_id", "产品编码", "药品编码", "产品代码", "医保药品编码", "药品代码", "产品id", "药品id",
                 "产品编号", "药品编号")
_GENERIC = _f("generic_name", "通用名", "药品通用名", "药品名称", "品种名称", "通用名称", "品名", "产品名称")
_SPEC = _f("specification", "规格", "规格型号", "药品规格", "包装规格", "规格包装")
_SUPPLIER = _f("supplier", "中选企业", "生产企业", "企业名称", "供应企业", "生产厂家", "厂家", "生产厂商",
               "中选生产企业", "企业", "厂商")
_QTY_UNIT = _f("unit", "单位", "计量单位", "包装单位", "数量单位", "采购单位")

FIELDS: dict[str, tuple[Field, ...]] = {
    "hospitals": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _f("region", "所属地区", "地区", "区县", "行政区划", "统筹区", "所在地区", "区域"),
        _f("level", "机构级别", "医院等级", "级别", "等级", "医院级别", "机构等级"),
    ),
    "products": (
        _PRODUCT_ID,
        _f("batch", "集采批次", "批次", "采购批次", "集采批次名称", "批次名称"),
        _GENERIC,
        _f("dosage_form", "剂型"),
        _SPEC,
        _f("pack_size", "包装转换比", "包装数量", "转换比", "转换系数", "最小包装数量", "包装系数", "包装转换系数"),
        _f("unit", "最小单位", "最小制剂单位", "计量单位", "最小计量单位"),
        _SUPPLIER,
        _f("unit_price", "中选单价", "中选价", "中选价格", "单价"),
        _f("baseline_price", "集采前价格", "基准价", "原采购价", "集采前采购均价", "参比价格", "原价", "集采前单价"),
        _f("agreement_start", "协议期起", "执行开始日期", "协议开始日期", "开始日期"),
        _f("agreement_end", "协议期止", "执行结束日期", "协议结束日期", "结束日期"),
    ),
    "agreements": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ID,
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        _f("agreed_volume", "约定采购量", "约定量", "协议采购量", "任务量", "约定用量"),
        _QTY_UNIT,
    ),
    "purchases": (
        _f("order_id", "订单编号", "订单号", "配送单号", "入库单号", "订单id", "订单代码", "采购单号"),
        _f("date", "入库日期", "采购日期", "订单日期", "配送日期", "验收日期", "日期", "入库时间", "采购时间"),
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ID,
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        _f("quantity", "采购数量", "数量", "入库数量", "配送数量", "采购量", "订单数量"),
        _QTY_UNIT,
        _f("amount", "采购金额", "金额", "入库金额", "配送金额", "订单金额"),
    ),
    "payments": (
        _f("payment_id", "回款单号", "付款单号", "支付单号", "回款编号", "结算单号"),
        _f("order_id", "订单编号", "关联订单号", "发票号", "订单号"),
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ID,
        _SUPPLIER,
        _f("amount", "回款金额", "付款金额", "支付金额", "结算金额"),
        _f("date", "回款日期", "付款日期", "支付日期", "结算日期", "回款时间"),
    ),
    "demand": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _GENERIC,
        _SPEC,
        _f("declared_volume", "申报量", "报量", "预采量", "历史用量", "上年度用量", "需求量", "申报数量", "预计采购量"),
        _f("current_supplier", "现用企业", "原用企业", "在用厂家", "在用企业"),
    ),
    "offers": (
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        _f("unit_price", "中选单价", "中选价", "中选价格", "单价"),
        _f("capacity", "供应能力", "产能", "最大供应量"),
        _f("regions", "供应地区", "供应省份", "供应区域"),
        _f("min_share", "最低份额"),
        _f("agreed_ratio", "约定比例", "带量比例"),
        _f("backup", "备选企业", "备供企业", "是否备选", "备选", "备供", "备选供应"),
    ),
}

# Required columns, as groups of alternatives: each inner tuple is one way to satisfy the group.
_HOSPITAL_REQ = (("hospital_id",), ("hospital_name",))
_PRODUCT_REQ = (("product_id",), ("generic_name", "specification", "supplier"))
REQUIRED: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = {
    "hospitals": ((("hospital_id",),), (("hospital_name",),)),
    "products": tuple(((f,),) for f in ("batch", "generic_name", "specification", "supplier", "unit_price")),
    "agreements": (_HOSPITAL_REQ, _PRODUCT_REQ, (("agreed_volume",),)),
    "purchases": ((("date",),), _HOSPITAL_REQ, _PRODUCT_REQ, (("quantity",),)),
    "payments": (_HOSPITAL_REQ, (("product_id",), ("supplier",)), (("amount",),), (("date",),)),
    "demand": (_HOSPITAL_REQ, (("generic_name",),), (("specification",),), (("declared_volume",),)),
    "offers": tuple(((f,),) for f in ("generic_name", "specification", "supplier", "unit_price")),
}


def _alias_table(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for fld in FIELDS[kind]:
        for name in (fld.name, fld.zh, *fld.aliases):
            table.setdefault(normalize_header(name), fld.name)
    return table


ALIASES: dict[str, dict[str, str]] = {kind: _alias_table(kind) for kind in FIELDS}


def field_of(kind: str, name: str) -> Field:
    """The field definition of ``name`` in ``kind``."""
    return next(f for f in FIELDS[kind] if f.name == name)


def match_headers(kind: str, headers: Sequence[object]) -> dict[int, str]:
    """Column index -> field name for the headers ``kind`` recognises (first column wins a field)."""
    table = ALIASES[kind]
    found: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(headers):
        name = table.get(normalize_header(header))
        if name and name not in taken:
            found[i] = name
            taken.add(name)
    return found


def missing_required(kind: str, fields: set[str]) -> list[tuple[tuple[str, ...], ...]]:
    """The required groups of ``kind`` that ``fields`` does not satisfy."""
    return [grp for grp in REQUIRED[kind] if not any(set(alt) <= fields for alt in grp)]


def score(kind: str, headers: Sequence[object]) -> float:
    """How well ``headers`` fit ``kind``: matched columns, less a penalty per missing requirement."""
    fields = set(match_headers(kind, headers).values())
    if not fields:
        return 0.0
    return len(fields) - 1.5 * len(missing_required(kind, fields))


def best_kind(headers: Sequence[object]) -> tuple[str | None, float]:
    """The best-fitting kind and its score; None when no kind fits well enough to be meant."""
    ranked = sorted(((score(k, headers), k) for k in FIELDS), key=lambda t: -t[0])
    top, kind = ranked[0]
    if top < 2:
        return None, top
    return kind, top


def detect_kind(headers: Sequence[str]) -> str | None:
    """The table kind these headers belong to, or None (an instructions sheet, say).

    A kind is returned even when one of its required columns is missing, so the importer can
    say which column is missing instead of silently skipping the sheet.
    """
    return best_kind(headers)[0]


def describe_group(kind: str, group: tuple[tuple[str, ...], ...]) -> tuple[str, str]:
    """Chinese and English text naming a missing required group and its accepted headers."""
    zh_parts, en_parts = [], []
    for alt in group:
        flds = [field_of(kind, n) for n in alt]
        zh_parts.append("+".join(f.zh for f in flds))
        en_parts.append("+".join(f.name for f in flds))
    aliases = "、".join(a for alt in group for n in alt for a in field_of(kind, n).aliases)
    zh = " 或 ".join(zh_parts) + (f"（可用列名：{aliases}）" if aliases else "")
    en = " or ".join(en_parts) + (f" (accepted headers: {aliases})" if aliases else "")
    return zh, en


@lru_cache(maxsize=256)
def kind_label(kind: str) -> str:
    """Chinese name of a table kind, for messages."""
    return KIND_LABELS_ZH[kind]
