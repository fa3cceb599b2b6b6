"""One number format for every card, table, chart and sentence of the app (pure pandas, no Streamlit).

The rules (README "Number formats"):
- counts and volumes: thousands separators, no decimals (1,064,400);
- percentages: two decimals and the % sign (70.04%); tables hold the rate × 100 and show the sign;
- money: 元 to the yuan with thousands separators (156,700 元) wherever a yuan matters (tables, overdue
  amounts, the plan); headline cards of large totals in 万元 with two decimals (106.44 万元), their exact
  yuan figure in the card's help; English cards use ¥ and the exact figure (¥1,064,400), which fits;
- unit prices: four decimals (1.2482), the precision of the price lists;
- dates: YYYY-MM-DD, never a time of day;
- missing values: blank in tables, "—" on a card (an empty card reads as "still loading").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd

from webapp.i18n import MONEY_KEYS, RATE_KEYS, label, t

# printf formats for st.column_config.NumberColumn (Streamlit's sprintf accepts "," for thousands).
MONEY_FORMAT = "%,.0f"
VOLUME_FORMAT = "%,.0f"
PRICE_FORMAT = "%,.4f"
PERCENT_FORMAT = "%.2f%%"
DAYS_FORMAT = "%,.1f"
COUNT_FORMAT = "%,d"
DECIMAL_FORMAT = "%,.2f"  # a number the app has no rule for (a user's own column)
_PY_FORMATS = {MONEY_FORMAT: "{:,.0f}", PRICE_FORMAT: "{:,.4f}", PERCENT_FORMAT: "{:.2f}%", DAYS_FORMAT: "{:,.1f}",
               COUNT_FORMAT: "{:,.0f}", DECIMAL_FORMAT: "{:,.2f}"}
ALLOWED_FORMATS = frozenset({MONEY_FORMAT, PRICE_FORMAT, PERCENT_FORMAT, DAYS_FORMAT, COUNT_FORMAT, DECIMAL_FORMAT})

VOLUME_KEYS = frozenset({"agreed_volume", "purchased_volume", "volume", "load", "capacity", "shortage_volume",
                         "declared_volume", "planned_volume", "remaining_volume", "load_before", "spare",
                         "ordered_quantity", "delivered_quantity"})
PRICE_KEYS = frozenset({"unit_price", "from_price", "to_price", "baseline_price", "price_gap", "cost_per_unit",
                        "cost_per_unit_change"})
DAYS_KEYS = frozenset({"avg_days_to_pay", "days_short"})
COUNT_KEYS = frozenset({"switches", "suppliers_used", "rows_added", "rows_replaced", "rows_unchanged",
                        "rows_removed", "import_id", "idle_winners", "open_shortages", "orders"})
PERCENT_KEYS = RATE_KEYS | {"share", "gap"}
# Cards whose amount is small enough that 万元 to two decimals would hide up to 50 yuan.
EXACT_MONEY_CARDS = frozenset({"overdue_amount"})


def missing(value: object) -> bool:
    """None, NaN, NaT, pd.NA and blank text: shown as nothing, never as "None" or "nan"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value: object, digits: int = 0) -> str:
    """1064400 -> "1,064,400"."""
    return "" if missing(value) else f"{float(value):,.{digits}f}"


def pct(rate: object, digits: int = 2) -> str:
    """A fraction as a percentage: 0.70041 -> "70.04%"."""
    return "" if missing(rate) else f"{float(rate) * 100:,.{digits}f}%"


def yuan(amount: object, lang: str = "zh") -> str:
    """Money to the yuan: "156,700 元" / "¥156,700"."""
    if missing(amount):
        return ""
    value = round(float(amount))
    text = f"{abs(value):,.0f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{text} 元" if lang == "zh" else f"{sign}¥{text}"


def wan(amount: object, lang: str = "zh") -> str:
    """A large total in 万元 with two decimals ("106.44 万元"); English keeps the exact ¥ figure."""
    if missing(amount):
        return ""
    if lang != "zh":
        return yuan(amount, lang)
    return f"{float(amount) / 10_000:,.2f} 万元"


def price(value: object) -> str:
    return "" if missing(value) else f"{float(value):,.4f}"


def day(value: object) -> str:
    """A date without its time of day: "2026-12-10"."""
    if missing(value):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(pd.Timestamp(value).strftime("%Y-%m-%d"))


def metric(key: str, value: object, lang: str = "zh") -> str:
    """A headline card's value, by what the metric is; "—" when there is none."""
    if missing(value):
        return "—"
    if key in MONEY_KEYS:
        return yuan(value, lang) if key in EXACT_MONEY_CARDS else wan(value, lang)
    if key in PERCENT_KEYS:
        return pct(value)
    if key in DAYS_KEYS:
        return num(value, 1)
    if key in PRICE_KEYS:
        return price(value)
    return num(value)


def metric_help(key: str, value: object, lang: str = "zh") -> str | None:
    """The exact yuan behind a card shown in 万元 (a card's help tooltip)."""
    if key in MONEY_KEYS and key not in EXACT_MONEY_CARDS and lang == "zh" and not missing(value):
        return f"= {yuan(value, lang)}"
    return None


def header(key: str, lang: str = "zh") -> str:
    """A column header with its unit where the cells do not carry it: "采购金额（元）"."""
    name = label(key, lang)
    if key in MONEY_KEYS:
        return f"{name}（元）" if lang == "zh" else f"{name} (yuan)"
    if key in PRICE_KEYS:
        return f"{name}（元/单位）" if lang == "zh" else f"{name} (yuan/unit)"
    if key in DAYS_KEYS:
        return f"{name}（{t('days', lang)}）" if lang == "zh" else f"{name} ({t('days', lang)})"
    return name


def column_format(key: str) -> str | None:
    """The printf format of a column by what it holds (None: text, dates, flags)."""
    if key in MONEY_KEYS:
        return MONEY_FORMAT
    if key in PERCENT_KEYS:
        return PERCENT_FORMAT
    if key in PRICE_KEYS:
        return PRICE_FORMAT
    if key in DAYS_KEYS:
        return DAYS_FORMAT
    if key in VOLUME_KEYS:
        return VOLUME_FORMAT
    if key in COUNT_KEYS:
        return COUNT_FORMAT
    return None


def table(frame: pd.DataFrame, columns: Sequence[str] | None = None, lang: str = "zh",
          text: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``columns`` of ``frame`` (all when None) ready to show: headers translated with their unit,
    rates × 100, dates as text, text blanks for missing values. The printf format of each numeric
    column is left in ``.attrs["formats"]`` (header -> format) for st.column_config. A numeric column
    with a missing value is formatted here as text (``.attrs["text_numbers"]``), since the grid would
    print "None" in the gap; it then sorts as text, the price of a blank."""
    cols = [c for c in (columns if columns is not None else frame.columns) if c in frame.columns]
    out = pd.DataFrame(index=frame.index)
    formats: dict[str, str] = {}
    text_numbers: list[str] = []
    for col in cols:
        values = frame[col]
        name = (text or {}).get(col) or header(col, lang)
        fmt = (kinds or {}).get(col) or column_format(col)
        if pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_bool_dtype(values):
            out[name] = values.map({True: t("yes", lang), False: t("no", lang)}).fillna("")
        elif (fmt is not None and _numeric(values)) or pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            if fmt is None:
                fmt = VOLUME_FORMAT if (numbers.dropna() % 1 == 0).all() else DECIMAL_FORMAT
            numbers = numbers * 100 if fmt == PERCENT_FORMAT else numbers
            if numbers.isna().any():  # the grid would print "None": such a column is shown as text
                out[name] = numbers.map(lambda v, f=fmt: "" if v != v else _PY_FORMATS[f].format(v))
                text_numbers.append(name)
            else:
                out[name] = numbers
                formats[name] = fmt
        else:
            out[name] = values.map(lambda v: "" if missing(v) else (day(v) if isinstance(v, (date, datetime))
                                                                     else str(v)))
    out = out.reset_index(drop=True)
    out.attrs["formats"] = formats
    out.attrs["text_numbers"] = text_numbers  # right-aligned like numbers
    return out


def execution_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The 国采医疗机构带量执行报表 (Chinese headers fixed by the form): shares as %, counts, dates."""
    kinds = {c: PERCENT_FORMAT if c.endswith("占比") or c == "序时进度" else COUNT_FORMAT
             for c in frame.columns if c.endswith(("数", "占比")) or c == "序时进度"}
    return table(frame, None, "zh", text={c: c for c in frame.columns}, kinds=kinds)


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) or pd.to_numeric(values.dropna(), errors="coerce").notna().all()
