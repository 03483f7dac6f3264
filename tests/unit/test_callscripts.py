# ruff: noqa: RUF001  (Russian text is intentional here)
"""The call-script core: markup parsing and its errors, substitution and escaping, the A/B split, and the
conversion statistics (Wilson, Newcombe, the verdict)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.callscripts import (
    FIELDS,
    Rotation,
    ScriptError,
    Tally,
    arm_of,
    compare,
    difference_interval,
    parse_script,
    render_html,
    unit_draw,
    version_for,
    wilson,
)
from dialer.callscripts.markup import Bold, Field, Link, Text

SCRIPT = """Здравствуйте! Это {operator}, компания «Дентал Сервис».

# Opening {#opening}
Добрый день, {contact_person|коллега}! Я звоню в {company} в {city}.
> Говорите медленно.

# Decision-maker {#decision}
- Вы отвечаете за закупки для {headcount} сотрудников?
- Кто ещё участвует в решении?

# Secretary {#secretary}
Соедините, пожалуйста, с главным врачом — это по **специализации {specialty}**.

# Objections {#objections}
## Already have a supplier {#supplier}
Понимаю. Что бы вы улучшили? Вернуться к [[#opening|началу]].
## No time
Перезвоню в удобное время. См. [[#supplier]].
"""

VALUES = {
    "operator": "Анна",
    "contact_person": "Иван Петров",
    "company": 'ООО "Улыбка"',
    "city": "Новосибирск",
    "headcount": "12",
    "specialty": "Стоматология",
}


def html(source: str, values: dict[str, str | None] | None = None) -> str:
    return render_html(parse_script(source), values or {}, lambda f: f"?{f}")


def test_sections_anchors_and_levels() -> None:
    s = parse_script(SCRIPT)
    assert [(x.anchor, x.level) for x in s.sections] == [
        ("intro", 0),
        ("opening", 1),
        ("decision", 1),
        ("secretary", 1),
        ("objections", 1),
        ("supplier", 2),
        ("s6", 2),  # no anchor given: the sixth titled section
    ]
    assert s.fields == {"operator", "contact_person", "company", "city", "headcount", "specialty"}


def test_blocks_kinds() -> None:
    opening = parse_script(SCRIPT).sections[1]
    assert [b.kind for b in opening.blocks] == ["p", "hint"]
    decision = parse_script(SCRIPT).sections[2]
    assert [b.kind for b in decision.blocks] == ["list"] and len(decision.blocks[0].lines) == 2


def test_fields_substituted_and_quick_links() -> None:
    out = html(SCRIPT, dict(VALUES))
    assert '<span class="script-field" data-field="company">ООО &quot;Улыбка&quot;</span>' in out
    assert "Иван Петров" in out and "Новосибирск" in out and "Анна" in out
    nav = re.search(r'<nav class="script-links">(.*?)</nav>', out)
    assert nav is not None
    assert re.findall(r'href="#script-([\w-]+)"', nav.group(1)) == [
        "opening", "decision", "secretary", "objections", "supplier", "s6",
    ]  # fmt: skip
    assert '<a class="script-jump" href="#script-opening">началу</a>' in out
    assert '<a class="script-jump" href="#script-supplier">Already have a supplier</a>' in out  # the title
    assert 'id="script-supplier"' in out and "<strong>специализации" in out


def test_fallback_and_missing_marked() -> None:
    out = html("Hi {contact_person|colleague}, {company}!", {"contact_person": None, "company": ""})
    assert "Hi colleague" in out
    assert '<span class="script-missing" data-field="company">[?company]</span>' in out


def test_values_and_text_are_escaped() -> None:
    out = html("<b>{company}</b> & co", {"company": "<script>alert(1)</script>"})
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&amp; co" in out


def test_literal_braces() -> None:
    assert html("a {{b}} c") == '<section class="script-section level0" id="script-intro"><p>a {b} c</p></section>'


@pytest.mark.parametrize(
    ("source", "key", "params"),
    [
        ("Hi {compny}", "script_unknown_field", {"line": 1, "field": "compny"}),
        ("ok\n\n# T\n{ city }\n{ fax |x}", "script_unknown_field", {"line": 5, "field": "fax"}),
        ("# A\nsee [[#nowhere]]", "script_unknown_anchor", {"line": 2, "anchor": "nowhere"}),
        ("# A {#x}\n# B {#x}", "script_duplicate_anchor", {"line": 2, "anchor": "x"}),
        ("# A {#bad anchor}", "script_bad_anchor", {"line": 1}),
        ("a\nb { c", "script_unclosed_brace", {"line": 2}),
        ("# A\n[[opening]]", "script_bad_link", {"line": 2}),
        ("   \n\n", "script_empty", {}),
        ("x" * 50_001, "script_too_long", {}),
    ],
)
def test_errors_name_the_line_and_field(source: str, key: str, params: dict[str, object]) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(source)
    assert err.value.key == key
    for name, value in params.items():
        assert err.value.params[name] == value


def test_unknown_field_error_lists_the_known_ones() -> None:
    with pytest.raises(ScriptError) as err:
        parse_script("{fax}")
    assert set(str(err.value.params["known"]).split(", ")) == set(FIELDS)


def test_every_field_is_accepted() -> None:
    s = parse_script(" ".join(f"{{{name}}}" for name in FIELDS))
    assert s.fields == set(FIELDS)


def test_bold_closed_at_line_end_and_links_inside_bold() -> None:
    s = parse_script("# A\n**see [[#s1]] {company}")
    line = s.sections[0].blocks[0].lines[0]
    assert line == (Bold((Text("see "), Link("s1"), Text(" "), Field("company"))),)


@given(st.text(alphabet=st.characters(blacklist_characters="{}[]*#>-\r"), min_size=1, max_size=200))
def test_plain_text_round_trips_escaped(text: str) -> None:
    if not text.strip():
        return
    out = html(text)
    body = re.sub(r"<[^>]+>", "\n", out)
    assert "<" not in body and ">" not in body
    from html import unescape

    words = [w for w in unescape(body).split() if w]
    assert words == [w for line in text.split("\n") for w in line.split()]


# --- the split -----------------------------------------------------------------------------------------------------


def test_split_is_deterministic_and_respects_share() -> None:
    r = Rotation(1, 2, 0.3, salt="exp-1")
    arms = [arm_of(r, cid) for cid in range(1, 20_001)]
    assert arms == [arm_of(r, cid) for cid in range(1, 20_001)]
    share = arms.count("B") / len(arms)
    # binomial sd at n=20000, p=.3 is 0.0032: 5 sd
    assert abs(share - 0.3) < 0.016
    assert {version_for(r, cid) for cid in range(1, 100)} == {1, 2}


def test_split_reshuffles_with_a_new_salt() -> None:
    a = [arm_of(Rotation(1, 2, 0.5, "one"), c) for c in range(1000)]
    b = [arm_of(Rotation(1, 2, 0.5, "two"), c) for c in range(1000)]
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / 1000
    assert 0.4 < agree < 0.6  # independent halves agree about half the time


def test_split_edges() -> None:
    assert {version_for(Rotation(7), c) for c in range(100)} == {7}
    assert {version_for(Rotation(7, 8, 0.0, "s"), c) for c in range(100)} == {7}
    assert {version_for(Rotation(7, 8, 1.0, "s"), c) for c in range(100)} == {8}
    with pytest.raises(ValueError):
        Rotation(1, 2, 1.5)
    with pytest.raises(ValueError):
        Rotation(1, 1, 0.5)


@given(st.text(max_size=20), st.integers(min_value=1, max_value=2**31 - 1))
def test_unit_draw_in_range(salt: str, contact_id: int) -> None:
    assert 0.0 <= unit_draw(salt, contact_id) < 1.0


# --- statistics ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # reference values (Newcombe 1998, table I; and R's prop.test without correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (5, 10, 0.2366, 0.7634),
        (20, 20, 0.8389, 1.0),
    ],
)
def test_wilson_reference_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_without_calls() -> None:
    assert wilson(0, 0) == (0.0, 1.0)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_rate(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= hi <= 1.0
    if n:
        assert lo - 1e-12 <= k / n <= hi + 1e-12


def test_newcombe_reference_value() -> None:
    # Newcombe 1998 table II, example (a): 56/70 vs 48/80 -> difference 0.2 in (0.0524, 0.3339)
    lo, hi = difference_interval(Tally(80, 48), Tally(70, 56))
    assert lo == pytest.approx(0.0524, abs=1e-4) and hi == pytest.approx(0.3339, abs=1e-4)


@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_difference_interval_is_antisymmetric(a: tuple[int, int], b: tuple[int, int]) -> None:
    ta, tb = Tally(a[1], a[0]), Tally(b[1], b[0])
    lo, hi = difference_interval(ta, tb)
    lo2, hi2 = difference_interval(tb, ta)
    assert lo == pytest.approx(-hi2) and hi == pytest.approx(-lo2)
    assert lo <= (tb.rate or 0) - (ta.rate or 0) <= hi


def test_verdicts() -> None:
    assert compare(Tally(0, 0), Tally(0, 0)).verdict == "no_calls"
    assert compare(Tally(50, 5), Tally(0, 0)).verdict == "not_enough_data"
    # a big gap at tiny counts: still no verdict (the minimum guards against early looks)
    assert compare(Tally(5, 0), Tally(5, 5)).verdict == "not_enough_data"
    assert compare(Tally(5, 0), Tally(5, 5), min_calls=1).verdict == "b_better"
    assert compare(Tally(200, 20), Tally(200, 50)).verdict == "b_better"
    assert compare(Tally(200, 50), Tally(200, 20)).verdict == "a_better"
    assert compare(Tally(200, 20), Tally(200, 24)).verdict == "not_enough_data"  # overlapping, wide
    assert compare(Tally(20_000, 2000), Tally(20_000, 2010)).verdict == "no_difference"  # overlapping, narrow


def test_tally_validation() -> None:
    with pytest.raises(ValueError):
        Tally(3, 4)
    with pytest.raises(ValueError):
        Tally(-1, 0)
    assert Tally(0, 0).rate is None and math.isclose(Tally(4, 1).rate or 0, 0.25)
