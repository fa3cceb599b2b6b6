"""What the status, flag and payer cells of real exports mean (data-templates.md, purchases/payments).

Each vocabulary maps a normalised cell value to what the import does with the row. A value that is
in none of them is never guessed: the sheet is refused with the list of distinct unknown values, so no
total silently depends on a word the tool does not know.
"""

from __future__ import annotations

import re

from procurement.ingest.headers import to_simplified


def _vocab(**groups: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for label, words in groups.items():
        for word in words:
            out[norm_value(word)] = label
    return out


def norm_value(value: str) -> str:
    """A status cell in comparable form: simplified, lower case, no spaces or brackets around it."""
    text = to_simplified(value).lower()
    return re.sub(r"[\s\u3000【】\[\]()（）]+", "", text)


# Purchase line status: left out (cancelled, void, rejected, never delivered), a return (subtracts),
# or an ordinary line that counts.
PURCHASE_STATUS = _vocab(
    cancelled=("已取消", "取消", "作废", "已作废", "撤销", "已撤销", "已撤单", "撤单", "拒收", "已拒收", "拒绝",
               "已拒绝", "未配送", "不配送", "拒绝配送", "无法配送", "已关闭", "关闭", "已终止", "终止",
               "cancelled", "canceled", "void", "rejected"),
    returned=("退货", "已退货", "冲红", "已冲红", "红冲", "退货入库", "退库", "return", "returned"),
    counted=("已入库", "入库", "已完成", "完成", "已验收", "验收", "已到货", "到货", "已配送", "配送",
             "部分配送", "部分入库", "部分到货", "已收货", "收货", "正常", "已确认", "确认", "已签收", "签收",
             "已结算", "delivered", "received", "completed", "ok"),
    # ordered, not (yet) received: count only what a received-quantity column says arrived
    pending=("已下单", "下单", "已响应", "响应", "待配送", "待发货", "待入库", "待验收", "待收货", "配送中",
             "已发货", "发货", "在途", "pending", "shipped"),
)

# Payment status: only paid rows are payments; unpaid invoices are left out and counted.
PAYMENT_STATUS = _vocab(
    paid=("已支付", "已付款", "已结算", "支付成功", "付款成功", "结算成功", "已回款", "已到账", "已完成", "完成",
          "paid", "settled"),
    unpaid=("待支付", "未支付", "支付中", "已退回", "退回", "待付款", "未付款", "付款中", "待结算", "未结算",
            "结算中", "支付失败", "付款失败", "已驳回", "驳回", "待审核", "unpaid", "pending"),
)

# Who paid: the hospital, or the insurance fund settling directly with the distributor (直接结算).
PAYER = _vocab(
    hospital=("医院", "医疗机构", "医院支付", "医疗机构支付", "医院自付", "自行结算", "医院结算", "机构支付",
              "医疗机构自行支付", "医院自行支付", "医院自行结算", "hospital"),
    fund=("医保基金", "直接结算", "医保直接结算", "医保基金直接结算", "医保基金支付", "医保支付", "医保", "基金",
          "统筹基金", "医保结算", "医保统筹", "统筹", "基金直接结算", "fund"),
)

# VBP flag: rows flagged as not VBP are left out and counted.
# The words of yes and no in any yes/no column; each flag adds the words of its own meaning.
_YES = ("是", "y", "yes", "1", "true", "√")
_NO = ("否", "n", "no", "0", "false", "×")

VBP_FLAG = _vocab(
    vbp=(*_YES, "带量", "集采", "带量采购", "是带量", "国采", "国家集采", "省采", "联盟集采", "集中带量采购",
         "集采药品"),
    not_vbp=(*_NO, "非带量", "非集采", "非带量采购", "非集采药品"),
)

# Offers: whether a supplier is a backup (备选企业) for a disruption; blank is no.
BACKUP_FLAG = _vocab(yes=(*_YES, "✓", "备选", "备供", "备选企业"), no=(*_NO, "x"))

# Fund transfers: what the insurance fund did (医保基金预付, 冲抵, 直接结算).
FUND_KIND = _vocab(
    prepay=("预付", "预付款", "医保预付", "预拨", "预付资金", "拨付预付款", "prepay", "prepayment"),
    offset=("冲抵", "冲减", "抵扣", "预付冲抵", "冲抵预付", "冲抵预付款", "offset"),
    direct=("直接结算", "医保直接结算", "基金直接结算", "直接支付", "direct"),
)

# A shortage's state, where the register says it; a closed one with no closing date never counts open.
SHORTAGE_STATUS = _vocab(
    open=("未解决", "处理中", "待处理", "未处理", "缺货中", "未恢复", "已登记", "登记", "否", "open"),
    closed=("已解决", "已处理", "已关闭", "关闭", "已恢复", "恢复供应", "已恢复供应", "办结", "已办结", "是",
            "closed", "resolved"),
)

# What kind of product a shortage concerns; consumables (耗材) are outside this tool.
SHORTAGE_CATEGORY = _vocab(drug=("药品", "1", "药"), device=("耗材", "2", "医用耗材"))


def known_values(vocab: dict[str, str], label: str) -> list[str]:
    """The words of one meaning, for messages that say what the tool understands."""
    return [word for word, lab in vocab.items() if lab == label]
