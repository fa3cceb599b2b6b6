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

from procurement.labels import KIND_LABELS_ZH

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
                  "医院代码", "定点医疗机构编码", "机构id", "医药机构编码", "医药机构省平台编码", "医疗机构省平台编码")
_HOSPITAL_NAME = _f("hospital_name", "机构名称", "医疗机构名称", "医院名称", "单位名称", "医疗机构", "医院",
                    "定点医疗机构名称", "机构", "医药机构名称", "组织机构名称")
# A product's other codes (province platform, YPID, insurance code): in a products sheet they fill
# other_codes; elsewhere a column of any of them names the product (each resolves, see resolve.py).
_OTHER_CODE_ALIASES = ("省级药品集中采购平台药品编码", "省平台产品编码", "省平台药品编码", "国家药品编码",
                       "ypid", "商品统编代码", "药品统编代码", "统编代码", "医保代码", "平台药品编码",
                       "国家药管平台药品编码", "国家医保药品编码")
_PRODUCT_ID = _f("product_id", "产品编码", "药品编码", "产品代码", "医保药品编码", "药品代码", "产品id", "药品id",
                 "产品编号", "药品编号")
_PRODUCT_ANY_ID = Field("product_id", "产品编码", _PRODUCT_ID.aliases + _OTHER_CODE_ALIASES)
_GENERIC = _f("generic_name", "通用名", "药品通用名", "药品名称", "品种名称", "通用名称", "品名", "产品名称", "产品")
_SPEC = _f("specification", "规格", "规格型号", "药品规格", "包装规格", "规格包装")
_SUPPLIER = _f("supplier", "中选企业", "生产企业", "企业名称", "供应企业", "生产厂家", "厂家", "生产厂商",
               "中选生产企业", "企业", "厂商", "中选企业名称", "生产企业名称", "产地简称", "产地", "生产商")
# The unit a row's quantity is written in. Not 包装单位: an export's 包装单位 column describes the
# product's pack (盒), whatever unit the quantity beside it is counted in.
# 包装单位名称 is the Shanghai GPO interface's name for the unit its 配送数量 counts in (interface YY003:
# "按药品基础信息中包装单位名称所界定的货品配送数量"), so it is the quantity's unit, unlike 包装单位.
_QTY_UNIT = _f("unit", "单位", "计量单位", "数量单位", "采购单位", "采购计量单位", "入库单位", "库存单位",
               "包装单位名称", "配送单位")
# 配送企业: who delivered and invoiced; never read as the winner (maker). 药企名称 in invoice and
# payment lists of the provincial platforms is the distributor that invoiced; 供应商/供货单位 of a
# hospital's HRP purchase record is the company it bought from, the distributor, not the maker.
_DISTRIBUTOR = _f("distributor", "配送企业", "配送公司", "配送商", "配送单位", "配送企业名称", "配送公司名称",
                  "药企名称", "配送企业全称", "供应商", "供应商名称", "供货单位", "供货公司", "供货商", "供货企业")
_INVOICE = _f("invoice_id", "发票号", "发票号码", "发票编号", "发票id")
_VBP_FLAG = _f("vbp_flag", "带量采购标志", "是否集采", "集采标志", "是否带量", "是否带量采购", "带量标志",
               "是否集采药品", "集采药品标识")
# Packaging (procurement/ingest/packaging.py): catalogue columns win over the specification text.
_PACK_SIZE = _f("pack_size", "包装转换比", "包装数量", "转换比", "转换系数", "转换包装系数", "最小包装数量", "包装系数",
                "包装转换系数", "包装比例", "换算比", "换算系数", "包装换算比", "最小包装转换比")
_MIN_UNIT = _f("unit", "最小单位", "最小制剂单位", "计量单位", "最小计量单位", "最小使用单位", "制剂单位")
_PACK_UNIT = _f("pack_unit", "包装单位", "最小销售包装单位", "最小包装单位", "销售包装单位")
# A packaging column apart from the specification (规格 20mg, 包装 7片/盒): parsed as packaging text
# only, so a cell holding a material (铝塑板) or a bare word (盒) says nothing.
_PACK_TEXT = _f("pack_text", "包装", "包装说明", "包装描述", "包装规格说明", "最小包装规格")
# Prices: per minimum unit, or per pack of the row's packaging (a bracketed unit in the header,
# 中选价格(元/片), says otherwise and wins). Never 单价 alone: it does not say which.
_UNIT_PRICE = _f("unit_price", "中选单价", "单位制剂价格", "最小单位价格", "最小制剂单位价格", "中选最小单位价格",
                 "最小计量单位价格", "单位价格", "制剂单价", "最小单位中选价", "最小制剂单位中选价格")
_PACK_PRICE = _f("pack_price", "中选价", "中选价格", "包装价格", "挂网价", "挂网价格", "中选包装价格", "包装中选价格",
                 "中标价", "中标价格", "最小包装中选价格", "最小包装价格")
_BASELINE_PRICE = _f("baseline_price", "集采前价格", "基准价", "原采购价", "集采前采购均价", "参比价格", "原价",
                     "集采前单价", "中选前价格", "集采前价", "原采购单价", "集采前最小单位价格")

FIELDS: dict[str, tuple[Field, ...]] = {
    "hospitals": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _f("region", "所属地区", "地区", "区县", "行政区划", "统筹区", "所在地区", "区域"),
        _f("level", "机构级别", "医院等级", "级别", "等级", "医院级别", "机构等级"),
        _f("other_ids", "其他编码", "统一社会信用代码", "医保机构编码", "省平台编码", "医保定点机构编码"),
    ),
    "products": (
        _PRODUCT_ID,
        _f("other_codes", "其他编码", *_OTHER_CODE_ALIASES),
        _f("batch", "集采批次", "批次", "采购批次", "集采批次名称", "批次名称"),
        _GENERIC,
        _f("dosage_form", "剂型"),
        _SPEC,
        _PACK_SIZE,
        _MIN_UNIT,
        _PACK_UNIT,
        _PACK_TEXT,
        _SUPPLIER,
        _UNIT_PRICE,
        _PACK_PRICE,
        _BASELINE_PRICE,
        _f("agreement_start", "协议期起", "执行开始日期", "协议开始日期", "开始日期"),
        _f("agreement_end", "协议期止", "执行结束日期", "协议结束日期", "结束日期"),
    ),
    "agreements": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ANY_ID,
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        _f("agreed_volume", "约定采购量", "约定量", "协议采购量", "任务量", "约定用量"),
        _QTY_UNIT,
        _f("amount", "约定采购金额", "约定金额", "协议采购金额", "约定采购总金额"),
        # which year of a multi-year agreement period (1, 2, 3 from the product's agreement start)
        _f("agreement_year", "协议年度", "年度", "执行年度"),
    ),
    "purchases": (
        _f("order_id", "订单编号", "订单号", "配送单号", "入库单号", "订单id", "订单代码", "采购单号", "订单明细编号",
           "配送明细编号", "入库明细编号", "订单明细id"),
        # received (delivery) dates; an order date is order_date, or the date when no delivery date exists
        _f("date", "入库日期", "到货日期", "验收日期", "配送日期", "数据上报日期", "日期", "入库时间", "到货时间",
           "验收时间", "配送时间", "收货日期", "收货时间", "配送单创建日期", "配送单日期"),
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ANY_ID,
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        # received quantities (what arrived); an ordered quantity is ordered_quantity, or the quantity
        # when the sheet has no received one (see ``_promote``)
        _f("quantity", "入库数量", "到货数量", "实收数量", "验收数量", "配送数量", "数量", "入库量", "到货量",
           "收货数量", "实际入库数量"),
        _QTY_UNIT,
        _f("amount", "采购金额", "金额", "入库金额", "配送金额", "订单金额", "入库总金额", "采购总金额"),
        _f("ordered_quantity", "订单数量", "采购数量", "订购数量", "下单数量", "订单量"),
        _f("order_date", "订单日期", "下单时间", "下单日期", "采购日期", "采购时间", "订单时间", "创建日期",
           "创建时间", "订单创建时间"),
        _DISTRIBUTOR,
        _f("status", "订单状态", "状态", "配送状态", "入库状态", "明细状态", "订单明细状态"),
        _INVOICE,
        _VBP_FLAG,
    ),
    "payments": (
        _f("payment_id", "回款单号", "付款单号", "支付单号", "回款编号", "结算单号", "付款编号", "支付编号"),
        _f("order_id", "订单编号", "关联订单号", "订单号", "入库单号"),
        _INVOICE,
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _PRODUCT_ANY_ID,
        _SUPPLIER,
        _DISTRIBUTOR,
        _f("amount", "回款金额", "付款金额", "支付金额", "结算金额", "发票含税总金额", "回款总金额", "付款总金额"),
        _f("date", "回款日期", "付款日期", "支付日期", "结算日期", "回款时间", "支付时间", "付款时间", "结算时间"),
        _f("status", "支付状态", "付款状态", "结算状态", "回款状态"),
        _f("payer", "支付方", "结算方式", "付款方", "付款主体", "支付主体"),
        _VBP_FLAG,
    ),
    "demand": (
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _GENERIC,
        _SPEC,
        _f("declared_volume", "申报量", "报量", "预采量", "历史用量", "上年度用量", "需求量", "申报数量", "预计采购量"),
        _QTY_UNIT,
        _f("current_supplier", "现用企业", "原用企业", "在用厂家", "在用企业"),
    ),
    "offers": (
        _GENERIC,
        _SPEC,
        _SUPPLIER,
        _UNIT_PRICE,
        _PACK_PRICE,
        _PACK_SIZE,
        _MIN_UNIT,
        _PACK_UNIT,
        _PACK_TEXT,
        _f("capacity", "供应能力", "产能", "最大供应量"),
        _f("regions", "供应地区", "供应省份", "供应区域"),
        _f("min_share", "最低份额"),
        _f("agreed_ratio", "约定比例", "带量比例"),
        _f("backup", "备选企业", "备供企业", "是否备选", "备选", "备供", "备选供应"),
    ),
    # 可替代产品: the winning drug (generic name + specification) and a product that can replace it,
    # by code or generic name in one column (a list gives one or the other)
    "substitutes": (
        Field("generic_name", "通用名", ("中选药品通用名", "中选药品名称", "中选药品", *_GENERIC.aliases)),
        Field("specification", "规格", ("中选药品规格", "中选规格", *_SPEC.aliases)),
        _f("substitute", "可替代产品", "可替代药品", "替代品种", "可替代产品编码", "可替代产品通用名", "可替代产品名称",
           "可替代药品通用名", "可替代药品名称", "可替代药品编码", "可替代品种", "替代药品", "替代产品"),
    ),
    # the insurance bureau's fund records: one row a transfer; its kind from a type column beside one
    # amount column, or from the amount column's own name (预付金额, 冲抵金额, 直接结算金额)
    "fund_transfers": (
        _f("transfer_id", "拨付单号", "预付单号", "冲抵单号", "资金单号", "流水号", "业务流水号", "凭证号"),
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        _f("batch", "集采批次", "批次", "采购批次", "批次名称"),
        _f("kind", "资金类型", "款项类型", "业务类型", "拨付类型", "结算类型", "类型", "预付类型"),
        _f("amount", "金额", "拨付金额", "资金金额", "发生金额"),
        _f("prepay_amount", "预付金额", "预付款金额", "医保预付金额", "预付资金", "预拨金额", "医保预付款"),
        _f("offset_amount", "冲抵金额", "冲减金额", "抵扣金额", "已冲抵金额", "冲抵预付金额", "预付冲抵金额"),
        _f("direct_amount", "直接结算金额", "医保直接结算金额", "基金直接结算金额", "医保基金直接结算金额"),
        _f("date", "拨付日期", "预付日期", "冲抵日期", "结算日期", "日期", "拨付时间", "业务日期", "发生日期"),
        _SUPPLIER,
    ),
    # shortages (缺货) registered by hospitals or exported by the platform (e.g. the 集采缺货 export:
    # 医药机构名称, 医药机构省平台编码, 缺货分类, 药品(耗材)名称, 规格, 省阳光采购平台产品编码,
    # 缺货开始采购日期, 缺货订单提交次数, 数量, 生产企业, 配送公司, 线索类型)
    "shortages": (
        _f("shortage_id", "缺货编号", "缺货单号", "登记编号", "缺货登记号"),
        _HOSPITAL_ID,
        _HOSPITAL_NAME,
        Field("product_id", "产品编码", (*_PRODUCT_ANY_ID.aliases, "省阳光采购平台产品编码", "阳光采购平台产品编码")),
        Field("generic_name", "通用名", (*_GENERIC.aliases, "药品(耗材)名称", "药品耗材名称", "缺货药品")),
        _SPEC,
        _SUPPLIER,
        _DISTRIBUTOR,
        _f("category", "缺货分类", "分类", "产品类别"),
        _f("start_date", "缺货开始日期", "缺货开始采购日期", "缺货日期", "登记日期", "开始缺货日期", "缺货时间"),
        _f("end_date", "恢复供应日期", "关闭日期", "解决日期", "结束日期", "缺货结束日期", "办结日期"),
        _f("status", "状态", "处理状态", "缺货状态", "是否解决", "办理状态"),
        _f("orders", "缺货订单提交次数", "订单提交次数", "缺货订单数"),
        _f("quantity", "缺货数量", "数量"),
    ),
}

# Where a sheet has several columns of one of these fields, the one whose header comes first in the
# field's list is taken: what was stocked in (入库数量) over what was dispatched (配送数量).
def _rank(kind: str, name: str) -> dict[str, int]:
    fld = next(f for f in FIELDS[kind] if f.name == name)
    return {normalize_header(a): i for i, a in enumerate((fld.zh, *fld.aliases))}


_RANKED: dict[str, dict[str, dict[str, int]]] = {
    "purchases": {"quantity": _rank("purchases", "quantity"), "date": _rank("purchases", "date")},
}

# An ordered quantity or order date stands for the received one when the sheet has none
# (an order list): data-templates.md lists 采购数量/订单数量 and 订单日期/下单时间 under both.
_PROMOTE: dict[str, tuple[tuple[str, str], ...]] = {
    "purchases": (("ordered_quantity", "quantity"), ("order_date", "date")),
}

# A sheet of quantities may describe the product's pack beside them (包装单位: 盒). That column is
# never the quantity's unit: the importer only warns when it is the one hint a quantity has.
# Its own 包装转换比 and 最小制剂单位 (or a 规格包装 text) convert a row's quantity where the catalogue
# does not: always for a non-winning product, which is another maker's pack.
# Not 包装数量 there: beside a quantity it may be the number of packs bought.
_ROW_MIN_UNIT = _f("min_unit", "最小单位", "最小制剂单位", "最小计量单位", "最小使用单位", "制剂单位")
_ROW_PACK_SIZE = Field("pack_size", _PACK_SIZE.zh, tuple(a for a in _PACK_SIZE.aliases if a != "包装数量"))
for _kind in ("agreements", "purchases"):
    FIELDS[_kind] = (*FIELDS[_kind], _ROW_PACK_SIZE, _ROW_MIN_UNIT, _PACK_UNIT, _PACK_TEXT)

# Required columns, as groups of alternatives: each inner tuple is one way to satisfy the group.
_HOSPITAL_REQ = (("hospital_id",), ("hospital_name",))
_PRODUCT_REQ = (("product_id",), ("generic_name", "specification", "supplier"))
REQUIRED: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = {
    "hospitals": ((("hospital_id",),), (("hospital_name",),)),
    "products": (*(((f,),) for f in ("batch", "generic_name", "specification", "supplier")),
                 (("unit_price",), ("pack_price",))),
    "agreements": (_HOSPITAL_REQ, _PRODUCT_REQ, (("agreed_volume",),)),
    "purchases": ((("date",),), _HOSPITAL_REQ, _PRODUCT_REQ, (("quantity",),)),
    # a payment may name only its distributor, its invoice, or nothing but the hospital (matched then
    # to the hospital's oldest unpaid deliveries): product, supplier and distributor are optional
    "payments": (_HOSPITAL_REQ, (("amount",),), (("date",),)),
    "demand": (_HOSPITAL_REQ, (("generic_name",),), (("specification",),), (("declared_volume",),)),
    "offers": (*(((f,),) for f in ("generic_name", "specification", "supplier")), (("unit_price",), ("pack_price",))),
    "substitutes": tuple(((f,),) for f in ("generic_name", "specification", "substitute")),
    "fund_transfers": (_HOSPITAL_REQ, (("date",),),
                       (("kind", "amount"), ("prepay_amount",), ("offset_amount",), ("direct_amount",))),
    "shortages": (_HOSPITAL_REQ, (("product_id",), ("generic_name", "specification")), (("start_date",),)),
}
# The required group a file may leave to the uploader (a hospital's own export): see ``supplied``.
HOSPITAL_GROUP = _HOSPITAL_REQ


# Outputs, not inputs: a sheet with these headers is a report the tool (or the national platform)
# produces. Its counts must never become purchases or agreements (metrics.md, last section).
EXECUTION_REPORT_HEADERS = (
    "医疗机构", "医疗机构编码", "地区", "批次名称", "批次开始时间", "批次结束时间", "序时进度", "签约产品总数",
    "零采购产品数", "零采购产品数占比", "低于序时进度产品数", "低于序时进度产品数占比", "超量采购产品数",
    "超量采购产品数占比", "正常采购产品数", "正常采购产品数占比", "对应非中选产品总数", "采购非中选产品数",
    "非中选超量产品数", "非中选超额产品数", "对应可替代产品总数", "采购可替代产品数", "低于序时进度且非中选超量的产品数",
)
_REPORT_ONLY = frozenset(normalize_header(h) for h in EXECUTION_REPORT_HEADERS[6:])


def is_execution_report(headers: Sequence[object]) -> bool:
    """Whether a header row is the national execution report's (国采医疗机构带量执行报表).

    Three or more of its count columns (签约产品总数, 零采购产品数...) say so: no input table has them.
    """
    return sum(1 for h in headers if normalize_header(h) in _REPORT_ONLY) >= 3


def _alias_table(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for fld in FIELDS[kind]:
        for name in (fld.name, fld.zh, *fld.aliases):
            table.setdefault(normalize_header(name), fld.name)
    return table


ALIASES: dict[str, dict[str, str]] = {kind: _alias_table(kind) for kind in FIELDS}
# each field's own Chinese name, normalised: a column headed so wins the field over alias matches
CANONICAL: dict[str, dict[str, str]] = {
    kind: {normalize_header(f.zh): f.name for f in FIELDS[kind]} for kind in FIELDS
}


def field_of(kind: str, name: str) -> Field:
    """The field definition of ``name`` in ``kind``."""
    return next(f for f in FIELDS[kind] if f.name == name)


def match_headers(kind: str, headers: Sequence[object]) -> dict[int, str]:
    """Column index -> field name for the headers ``kind`` recognises (first column wins a field).

    A column headed with a field's own name wins it over an earlier column matching only an alias
    (发票号 over a platform's internal 发票ID, which reads as the alias 发票id).
    """
    table = ALIASES[kind]
    found: dict[int, str] = {}
    own = CANONICAL[kind]
    taken: set[str] = {own[k] for k in (normalize_header(h) for h in headers) if k in own}
    for i, header in enumerate(headers):
        name = own.get(normalize_header(header))
        if name and name not in found.values():
            found[i] = name
    ranked = _RANKED.get(kind, {})
    for i, header in enumerate(headers):
        key = normalize_header(header)
        name = table.get(key)
        if i in found:
            continue
        if name and name not in taken:
            found[i] = name
            taken.add(name)
        elif name == "product_id" and kind != "products" and "alt_product_id" not in taken:
            # a second code column (YPID next to the platform code): each row may resolve by either
            found[i] = "alt_product_id"
            taken.add("alt_product_id")
        elif name in ranked:  # a second received quantity: the more final one wins (入库 over 配送)
            j = next(c for c, n in found.items() if n == name)
            if ranked[name].get(key, 99) < ranked[name].get(normalize_header(headers[j]), 99):
                del found[j]
                found[i] = name
    for secondary, primary in _PROMOTE.get(kind, ()):
        if secondary in taken and primary not in taken:
            col = next(i for i, n in found.items() if n == secondary)
            found[col] = primary
            taken.discard(secondary)
    return found


def promoted(kind: str, field: str) -> str:
    """The field a lone column of ``field`` is taken as (订单数量 alone is the quantity)."""
    return dict(_PROMOTE.get(kind, ())).get(field, field)


def missing_required(kind: str, fields: set[str]) -> list[tuple[tuple[str, ...], ...]]:
    """The required groups of ``kind`` that ``fields`` does not satisfy."""
    return [grp for grp in REQUIRED[kind] if not any(set(alt) <= fields for alt in grp)]


def score(kind: str, headers: Sequence[object]) -> float:
    """How well ``headers`` fit ``kind``: matched columns, less a penalty per missing requirement."""
    fields = set(match_headers(kind, headers).values())
    if not fields:
        return 0.0
    # a missing hospital column costs nothing here: a hospital's own export has none, and is then
    # either supplied one (--hospital, the uploading account) or refused naming the column
    missing = [g for g in missing_required(kind, fields) if g != _HOSPITAL_REQ]
    return len(fields) - 1.5 * len(missing)


def closest_kind(headers: Sequence[object]) -> tuple[str | None, float]:
    """The kind ``headers`` come closest to, however poorly (for the message of an unrecognised sheet)."""
    ranked = sorted(((score(k, headers), len(match_headers(k, headers)), k) for k in FIELDS),
                    key=lambda t: (-t[1], -t[0]))
    _, matched, kind = ranked[0]
    return (kind if matched else None), ranked[0][0]


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
    # a column promoted to this field (订单日期 standing for the date) is accepted too
    names = [n for alt in group for n in alt]
    extra = [sec for sec, prim in _PROMOTE.get(kind, ()) if prim in names]
    aliases = "、".join([a for n in names for a in field_of(kind, n).aliases]
                       + [a for n in extra for a in (field_of(kind, n).zh, *field_of(kind, n).aliases)])
    zh = " 或 ".join(zh_parts) + (f"（可用列名：{aliases}）" if aliases else "")
    en = " or ".join(en_parts) + (f" (accepted headers: {aliases})" if aliases else "")
    if group == _HOSPITAL_REQ and kind in ("agreements", "purchases", "payments", "demand"):
        zh += "；医院自己的导出文件可由医院账号上传，或在命令行用 --hospital 指定医院"
        en += "; a hospital's own export can be uploaded by its hospital account, or given --hospital on the command line"
    return zh, en


@lru_cache(maxsize=256)
def kind_label(kind: str) -> str:
    """Chinese name of a table kind, for messages."""
    return KIND_LABELS_ZH[kind]
