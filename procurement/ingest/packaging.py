"""A product's packaging: its minimum unit, its pack, and the units in between, never guessed.

Volumes are stored in minimum units (片/粒/支/袋/ml...) and prices per minimum unit, so every
quantity and price a file gives in another unit must be converted, and the conversion must come
from what the file or the catalogue *says*: the catalogue columns 最小单位 / 包装单位 / 包装转换比,
else the specification/packaging text (``0.25g×12片×2板/盒``: 板 = 12 片, 盒 = 24 片). A unit that
neither defines (箱, 件, 提, or 板 where the text does not say how many) has no factor, and the
caller makes it an error on that row: reading 1 箱 as 1 盒 silently multiplies volumes.

``parse_packaging`` is pure and works on one text; the importer calls it once per distinct text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Words a packaging text counts things in. The first count of a text names the minimum unit;
# later counts name the levels above it (板, 盒...). ``s`` (``28s``) is a count of minimum units
# whose name the text does not give.
_COUNT_WORDS = (
    "小盒", "中盒", "大盒", "胶囊", "片", "粒", "丸", "袋", "支", "瓶", "贴", "枚", "揿", "喷", "吸", "包",
    "条", "块", "张", "管", "板", "盒", "箱", "件", "提", "桶", "罐", "听", "筒", "泡", "排",
)
# Levels that are never a minimum unit: a text whose first count is one of them does not say
# what the minimum unit is.
_NEVER_MINIMUM = frozenset(["板", "盒", "小盒", "中盒", "大盒", "箱", "件", "提", "排"])
# Outer cases: shipping units, never the sales pack a price or a quantity is normally given in.
OUTER_CASES = frozenset(["箱", "件", "提", "大箱", "中箱", "小箱"])
# Sales packs: what 包装转换比 counts minimum units per.
SALES_PACKS = frozenset(["盒", "瓶", "袋", "包", "支", "罐", "听", "筒", "桶", "管", "小盒", "中盒", "大盒", "box", "pack", "bottle"])
# Pack words that are never a minimum unit, so they name the pack even when the minimum unit is unknown.
_PACK_ONLY = frozenset(["盒", "小盒", "中盒", "大盒", "box"])
# Words that are always a minimum (dosage) unit, never a pack.
_DOSAGE_ONLY = frozenset(["片", "粒", "丸", "胶囊", "贴", "枚"])
# Generic words for the two levels, as headers and unit columns write them.
MINIMUM_WORDS = frozenset([
    "最小单位", "最小制剂单位", "最小计量单位", "制剂单位", "最小使用单位", "基本单位", "最小剂量单位",
])
PACK_WORDS = frozenset([
    "包装", "包装单位", "最小包装", "最小包装单位", "最小销售包装", "最小销售包装单位", "销售包装单位",
    "销售单位", "整包装",
])

_WORDS = "|".join(sorted(_COUNT_WORDS, key=len, reverse=True))
_TOKEN = re.compile(
    rf"(?<![\d.])(\d+(?:\.\d+)?)(?:({_WORDS})|('?s)(?![a-z]))(?:装)?(?:/?({_WORDS})(?![\d]))?"
)
_EACH = re.compile(rf"每({_WORDS})(?:装|含)?(\d+)({_WORDS})")  # 每盒20粒 -> 20粒/盒
_TIMES = re.compile(r"(?<=[^\s*/])\s*[x×]\s*(?=\d)")


@dataclass(frozen=True)
class Packaging:
    """How one product is packed: everything a quantity or price unit may be converted with.

    ``pack_size`` is the number of minimum units per pack (None: not known); ``levels`` maps each
    other unit the text or the catalogue defines (板, 箱...) to its minimum units.
    """

    min_unit: str | None = None
    pack_unit: str | None = None
    pack_size: float | None = None
    levels: dict[str, float] = field(default_factory=dict, hash=False, compare=True)

    def factor(self, unit: object) -> float | None:
        """Minimum units per ``unit`` for this product; None when the packaging does not define it.

        Blank means the minimum unit (the spec's default). The generic words (最小制剂单位,
        最小销售包装单位...) name the two levels. A pack word is the pack only where the pack is
        known: named by the packaging, or unnamed but counted (then only words that cannot be
        the minimum unit, or that differ from a known minimum unit, name it).
        """
        u = unit_key(unit)
        if not u:
            return 1.0
        count = _bracket_count(unit)
        factor = self._factor(u)
        if count is not None:
            if factor is None and (self.min_unit is None or count[1] in (self.min_unit, "s")):
                return count[0] if u not in OUTER_CASES else None
            if factor is not None and not math.isclose(factor, count[0]) and count[1] in (self.min_unit, None, "s"):
                return None  # 盒(14片) for a box of 7: the file contradicts the catalogue
        return factor

    def _factor(self, u: str) -> float | None:
        if u in MINIMUM_WORDS or u == self.min_unit:
            return 1.0
        if u in PACK_WORDS or u == self.pack_unit:
            return self.pack_size
        if u in self.levels:
            return self.levels[u]
        if self.min_unit is None and u in _DOSAGE_ONLY:
            return 1.0
        unnamed_pack = self.pack_unit is None and self.pack_size is not None and u in SALES_PACKS
        if unnamed_pack and (u in _PACK_ONLY or (self.min_unit is not None and u != self.min_unit)):
            return self.pack_size
        return None

    def describe(self) -> tuple[str, str]:
        """The packaging in words (Chinese, English), for messages."""
        mu = self.min_unit or "?"
        parts_zh, parts_en = [f"最小单位 {self.min_unit or '未知'}"], [f"minimum unit {self.min_unit or 'unknown'}"]
        for name, n in sorted(self.levels.items(), key=lambda t: t[1]):
            parts_zh.append(f"{name}={n:g}{mu}")
            parts_en.append(f"{name}={n:g} {mu}")
        if self.pack_size is not None:
            pu = self.pack_unit or "包装"
            parts_zh.append(f"{pu}={self.pack_size:g}{mu}")
            parts_en.append(f"{self.pack_unit or 'pack'}={self.pack_size:g} {mu}")
        else:
            parts_zh.append("包装转换比未知")
            parts_en.append("pack size unknown")
        return "，".join(parts_zh), ", ".join(parts_en)


def unit_key(unit: object) -> str | None:
    """The comparable form of a unit as written: half-width, lower case, no spaces, brackets or 装."""
    if unit is None or (isinstance(unit, float) and math.isnan(unit)):
        return None
    text = unicodedata.normalize("NFKC", str(unit)).strip().lower()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[(\[【].*$", "", text) or text
    if text.startswith("元/"):
        text = text[2:]
    if len(text) > 1 and text.endswith("装"):
        text = text[:-1]
    if text in ("毫升",):
        text = "ml"
    return text or None


def _bracket_count(unit: object) -> tuple[float, str | None] | None:
    """The content a unit states in brackets: ``盒(14片)`` -> (14, "片")."""
    if unit is None:
        return None
    text = unicodedata.normalize("NFKC", str(unit)).strip().lower()
    match = re.search(rf"[(\[【]\s*(\d+)\s*({_WORDS}|s)?\s*[)\]】]", text)
    if not match:
        return None
    return float(match.group(1)), match.group(2)


_AS_BASIS = re.compile(r"[(\[]([^()\[\]]*[按以][^()\[\]]*计[^()\[\]]*)[)\]]")  # (按C17H19N3O3S计)


def _normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _AS_BASIS.sub("", text)  # a chemical formula's digits are not counts
    text = text.replace("×", "*").replace("・", "*")
    text = _TIMES.sub("*", text)
    text = re.sub(r"\s+", "", text)
    return _EACH.sub(r"\2\3/\1", text)


@lru_cache(maxsize=65536)
def parse_packaging(text: str | None) -> Packaging | None:
    """The packaging a specification/packaging text states, or None when it states no count.

    ``20mg*7片/盒`` -> 片, 盒 = 7; ``0.25g×12片×2板/盒`` -> 片, 板 = 12, 盒 = 24;
    ``10ml:0.5g*5支/盒`` -> 支, 盒 = 5; ``1.0g*10支`` -> 支, a pack of 10 (its name not given);
    ``100ml:0.5g`` -> None. Each count ``N X`` says a level holds N of X: ``15片×4板×400盒`` is
    板 = 15, 盒 = 60 and a case of 400 盒 (the case is not the pack). A text that contradicts
    itself, or counts fractions, gives None: nothing is read rather than something wrong.
    """
    if not text or not isinstance(text, str):
        return None
    norm = _normalise_text(text)
    # 's' counts (28s) only where a count can start, never inside a word such as a formula (O3S)
    tokens = [m.groups() for m in _TOKEN.finditer(norm)
              if not m.group(3) or m.start() == 0 or norm[m.start() - 1] in "*/:;,+( "]
    if not tokens:
        return None
    names: list[str | None] = []  # name of each level, bottom (minimum unit) first
    sizes: list[float] = [1.0]
    for number, word, s_word, container in tokens:
        if not float(number).is_integer() or float(number) <= 0:
            return None
        word = word or None  # 's': a count whose unit the text does not name
        if not names:
            if word in _NEVER_MINIMUM:
                return None
            names.append(word)
        elif names[-1] is None and word is not None:
            if word in names:
                return None
            names[-1] = word
        elif word is not None and names[-1] != word:
            return None
        if s_word and len(names) > 1:
            return None
        if container and container in names:
            return None
        names.append(container or None)
        sizes.append(sizes[-1] * float(number))
    return _from_levels(names, sizes)


def _from_levels(names: list[str | None], sizes: list[float]) -> Packaging | None:
    """Pick the pack among the counted levels; the others become named levels."""
    top = len(names) - 1
    pack = top
    if names[top] is None and top >= 2 and names[top - 1] in SALES_PACKS:
        pack = top - 1  # 15片×4板×400盒: the 400 盒 are a shipping case, the pack is the 盒
    elif names[top] in OUTER_CASES:
        below = [i for i in range(1, top) if names[i] in SALES_PACKS]
        pack = below[-1] if below else top
    levels = {n: s for n, s in zip(names[1:], sizes[1:], strict=True) if n is not None}
    pack_unit = names[pack]
    if pack_unit is not None:
        levels.pop(pack_unit, None)
    return Packaging(min_unit=names[0], pack_unit=pack_unit, pack_size=sizes[pack], levels=levels)


def combine(
    text: Packaging | None,
    min_unit: str | None = None,
    pack_unit: str | None = None,
    pack_size: float | None = None,
) -> Packaging:
    """Catalogue columns over the text: a column given wins, the text fills the rest.

    Levels parsed from the text (板 = 12 片) are kept only where they cannot contradict a column:
    the same minimum unit and the same pack size, since a text that disagrees on those does not
    describe the product the columns do.
    """
    mu = unit_key(min_unit)
    pu = unit_key(pack_unit)
    size = pack_size if pack_size is not None and math.isfinite(pack_size) and pack_size > 0 else None
    if text is None:
        return Packaging(mu, pu, size, {})
    agrees = (mu is None or text.min_unit in (None, mu)) and (size is None or text.pack_size == size) \
        and (pu is None or text.pack_unit in (None, pu))
    levels = dict(text.levels) if agrees else {}
    out = Packaging(
        min_unit=mu or text.min_unit,
        pack_unit=pu or (text.pack_unit if agrees else None),
        pack_size=size if size is not None else text.pack_size,
        levels=levels,
    )
    if out.pack_unit is not None:
        out.levels.pop(out.pack_unit, None)
    return out


def conflicts(text: Packaging | None, min_unit: str | None, pack_unit: str | None,
              pack_size: float | None) -> list[str]:
    """What the catalogue columns say that the packaging text contradicts (for warnings)."""
    if text is None:
        return []
    out = []
    mu, pu = unit_key(min_unit), unit_key(pack_unit)
    if mu and text.min_unit and mu != text.min_unit:
        out.append("min_unit")
    if pu and text.pack_unit and pu != text.pack_unit:
        out.append("pack_unit")
    if pack_size is not None and math.isfinite(pack_size) and text.pack_size is not None \
            and not math.isclose(pack_size, text.pack_size):
        out.append("pack_size")
    return out
