"""The packaging model: what a specification/packaging text says, and which units it defines.

Expected values are read off the text by hand: ``0.25g×12片×2板/盒`` is 12 片 on a 板 and 2 板 in a
盒, so 板 = 12 and 盒 = 24 minimum units.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.ingest.packaging import Packaging, combine, conflicts, parse_packaging, unit_key


@pytest.mark.parametrize(
    ("text", "min_unit", "pack_unit", "pack_size", "levels"),
    [
        ("20mg*7片/盒", "片", "盒", 7, {}),
        ("0.25g×12片×2板/盒", "片", "盒", 24, {"板": 12}),
        ("10ml:0.5g*5支/盒", "支", "盒", 5, {}),
        ("1.0g*10支", "支", None, 10, {}),  # 支 is the minimum unit; the pack of 10 is not named
        ("100mg*12片/板*2板/盒", "片", "盒", 24, {"板": 12}),
        ("0.3g*20粒/盒", "粒", "盒", 20, {}),
        ("5mg*28片/瓶", "片", "瓶", 28, {}),
        ("3g*10袋/盒", "袋", "盒", 10, {}),
        ("75mg*7片/板*4板", "片", None, 28, {"板": 7}),
        ("15mg*12s*2板", None, None, 24, {"板": 12}),  # 's': a count whose unit the text does not name
        ("每盒20粒×0.25g", "粒", "盒", 20, {}),
        ("0.25g*10片/板*4板盒", "片", "盒", 40, {"板": 10}),  # the slash before 盒 left out
        # the 400 盒 are a shipping case: the pack is the 盒 of 4 板 x 15 片 = 60
        ("25mg（按C21H29N6O5P计）×15片×4板×400盒", "片", "盒", 60, {"板": 15}),
        ("0.3g/片*10片/板*3板/盒*200盒", "片", "盒", 30, {"板": 10}),
        ("0.3g*10片*2板*10盒/箱", "片", "盒", 20, {"板": 10, "箱": 200}),  # 箱 defined: the text says how many
        ("200丸", "丸", None, 200, {}),
        # a formula's digits are not counts: not 3 片 of 'O3S', nor a count of 's'
        ("20mg(按C17H19N3O3S计)×14片", "片", None, 14, {}),
        ("C17H19N3O3S 20mg×14片/盒", "片", "盒", 14, {}),
        ("20mg*28's", None, None, 28, {}),
    ],
)
def test_real_packaging_texts(text, min_unit, pack_unit, pack_size, levels):
    pkg = parse_packaging(text)
    assert pkg == Packaging(min_unit, pack_unit, float(pack_size), {k: float(v) for k, v in levels.items()})


@pytest.mark.parametrize(
    "text",
    ["100ml:0.5g", "75mg", "100ml/瓶", "27g/盒", "", None,
     "15G*6.5s*3板",  # a fraction of a count: nothing rather than something wrong
     "10mg×100片×600瓶/10瓶*60包",  # contradicts itself (瓶 twice)
     "20mg*2板/盒"],  # the first count is a 板: the minimum unit is not stated
)
def test_texts_that_state_no_count_give_nothing(text):
    assert parse_packaging(text) is None


# --- formatting variants ---------------------------------------------------------------------------

_FULL = {c: chr(ord(c) + 0xFEE0) for c in "0123456789.:*/mgl"}
_DOSES = ["20mg", "0.25g", "10ml:0.5g", "1.0g", "", "5mg"]


@st.composite
def _packaging_text(draw):
    """A packaging text built from parts, with the figures it must give (worked out from the parts)."""
    dose = draw(st.sampled_from(_DOSES))
    unit = draw(st.sampled_from(["片", "粒", "支", "袋", "丸"]))
    n = draw(st.integers(1, 60))
    boards = draw(st.none() | st.integers(1, 6))
    pack = draw(st.sampled_from([None, "盒", "瓶"]))
    if boards is not None and pack == "瓶":
        pack = "盒"
    counts = [f"{n}{unit}"] + ([f"{boards}板"] if boards is not None else [])
    expected = Packaging(unit, pack, float(n * (boards or 1)), {"板": float(n)} if boards is not None else {})
    return dose, counts, pack, expected


@settings(max_examples=200, deadline=None)
@given(_packaging_text(), st.sampled_from(["*", "×", "x", "X", "＊", " * ", " × ", "x "]), st.booleans(),
       st.booleans())
def test_formatting_variants_parse_the_same(parts, times, full_width, spaced):
    dose, counts, pack, expected = parts
    canonical = "*".join([dose, *counts] if dose else counts) + (f"/{pack}" if pack else "")
    variant = times.join([dose, *counts] if dose else counts) + (f"/{pack}" if pack else "")
    if full_width:
        variant = "".join(_FULL.get(c, c) for c in variant).replace("×", "×")
    if spaced:
        variant = " " + variant.replace("/", " / ") + " "
    assert parse_packaging(canonical) == expected
    assert parse_packaging(variant) == expected, (canonical, variant)


# --- which units a packaging defines ---------------------------------------------------------------

def test_units_of_a_box_of_two_boards():
    pkg = parse_packaging("0.25g×12片×2板/盒")
    assert [pkg.factor(u) for u in ("片", "板", "盒", None, "最小制剂单位", "最小销售包装单位")] == [1, 12, 24, 1, 1, 24]
    assert [pkg.factor(u) for u in ("箱", "件", "提", "瓶", "粒")] == [None] * 5


def test_board_is_refused_where_the_text_does_not_say_how_many():
    pkg = parse_packaging("20mg*7片/盒")
    assert pkg.factor("盒") == 7 and pkg.factor("板") is None and pkg.factor("箱") is None


def test_the_minimum_unit_is_never_multiplied():
    # Before issue 10, 支 was multiplied by the pack size even where it is the minimum unit.
    pkg = parse_packaging("1.0g*10支")
    assert pkg.factor("支") == 1 and pkg.factor("盒") == 10 and pkg.factor("箱") is None
    bag = Packaging(min_unit="袋", pack_size=10.0)
    assert bag.factor("袋") == 1 and bag.factor("盒") == 10


def test_unnamed_pack_needs_a_known_minimum_unit_for_ambiguous_words():
    # 支 may be a minimum unit or a pack: with neither named, it means nothing certain.
    pkg = Packaging(min_unit=None, pack_unit=None, pack_size=10.0)
    assert pkg.factor("支") is None and pkg.factor("盒") == 10 and pkg.factor("片") == 1


def test_unknown_pack_size_defines_no_pack():
    pkg = Packaging(min_unit="片")
    assert pkg.factor("盒") is None and pkg.factor("最小包装单位") is None and pkg.factor("片") == 1


def test_content_in_brackets_is_checked():
    pkg = Packaging(min_unit="片", pack_unit="盒", pack_size=14.0)
    assert pkg.factor("盒(14片)") == 14
    assert pkg.factor("盒(7片)") is None  # the file says 7 where the catalogue says 14
    assert Packaging(min_unit="片").factor("盒（28片）") == 28  # the unit states its own content


def test_unit_key_normalises_the_ways_units_are_written():
    assert [unit_key(u) for u in ("盒装", " 盒 ", "盒(14片)", "元/片", "毫升", "ＭＬ", "")] == \
        ["盒", "盒", "盒", "片", "ml", "ml", None]


def test_columns_win_over_the_text():
    text = parse_packaging("0.25g×12片×2板/盒")
    assert combine(text, None, None, None) == text
    # same pack: the text's 板 stays
    assert combine(text, "片", "盒", 24.0).levels == {"板": 12.0}
    # the column says 48: the text describes another pack, so its 板 is not trusted
    other = combine(text, "片", None, 48.0)
    assert other.pack_size == 48 and other.levels == {} and other.pack_unit is None
    assert conflicts(text, "片", None, 48.0) == ["pack_size"]
    assert combine(None, "片", "瓶", 100.0) == Packaging("片", "瓶", 100.0, {})


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["盒", "板", "片", "箱"]), st.booleans(), st.booleans(), st.booleans())
def test_unit_spellings_convert_the_same(unit, ideographic_space, padded, suffixed):
    # 盒 / ' 盒 ' / '盒装' / '\u3000盒': one unit; 板 = 12, 盒 = 24, 箱 undefined, as the text says
    pkg = parse_packaging("0.25g×12片×2板/盒")
    written = unit + ("装" if suffixed else "")
    if ideographic_space:
        written = "\u3000" + written
    if padded:
        written = f"  {written} "
    assert pkg.factor(written) == {"盒": 24, "板": 12, "片": 1, "箱": None}[unit]
