"""The call-script markup: what a manager writes, what the operator reads beside the contact card.

A small Markdown-like language, because managers write scripts in a text box, not an editor:

    # Opening {#opening}
    Good afternoon, {contact_person|colleague}! This is {operator} from ...
    > Speak slowly; smile.

    # Objections {#objections}
    ## "We already have a supplier" {#supplier}
    - Ask what they would improve.
    Back to [[#opening|the opening]].

* `# Title` starts a section, `## Title` a sub-section (an objection); `{#anchor}` names it for links (letters,
  digits, `-`, `_`); without one it is `s1`, `s2`, ... in order.
* `{field}` is the contact's field; `{field|words}` says `words` when the contact has no value. The fields are
  `FIELDS`; any other name is an error at save time, naming the field and the line.
* `[[#anchor]]` / `[[#anchor|words]]` is a quick link to a section; an unknown anchor is an error.
* `- item` is a list item, `> text` a hint for the operator (not read aloud), `**words**` bold; a blank line
  ends a paragraph. `{{` and `}}` are literal braces.

Pure: parsing checks everything once (`parse_script`); `render_html` fills a parsed script for one contact,
escaping every value, so a hostile company name stays text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Final, Literal

#: Field name -> (English, Russian) label; the values come from the contact, the operator and the campaign.
FIELDS: Final[Mapping[str, tuple[str, str]]] = {
    "company": ("company", "компания"),
    "contact_person": ("contact person", "контактное лицо"),
    "specialty": ("specialty", "специализация"),
    "headcount": ("headcount", "численность"),
    "city": ("city", "город"),
    "region": ("region", "регион"),
    "phone": ("phone", "телефон"),
    "email": ("e-mail", "эл. почта"),
    "tax_id": ("tax id", "ИНН"),
    "group": ("group", "группа компаний"),
    "operator": ("operator's name", "имя оператора"),
    "campaign": ("campaign", "кампания"),
}
MAX_LENGTH: Final = 50_000

ErrorKey = Literal[
    "script_empty", "script_too_long", "script_unknown_field", "script_unknown_anchor", "script_duplicate_anchor",
    "script_bad_anchor", "script_unclosed_brace", "script_bad_link",
]  # fmt: skip


class ScriptError(ValueError):
    """A script that cannot be saved: `key` names the message (both languages, in the web catalogue), `params`
    fill it (the line number and the field or anchor)."""

    def __init__(self, key: ErrorKey, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}")


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Field:
    name: str
    fallback: str | None = None


@dataclass(frozen=True)
class Link:
    anchor: str
    words: str | None = None


@dataclass(frozen=True)
class Bold:
    parts: tuple[Text | Field | Link, ...]


Inline = Text | Field | Link | Bold
Line = tuple[Inline, ...]


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "list", "hint"]
    lines: tuple[Line, ...]


@dataclass
class Section:
    anchor: str
    title: Line
    level: int  # 0: text before the first heading, 1: `#`, 2: `##`
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Script:
    sections: tuple[Section, ...]

    @property
    def fields(self) -> frozenset[str]:
        """The fields the script uses (the desk shows which contact fields matter)."""
        return frozenset(
            p.name for s in self.sections for ln in _all_lines(s) for p in _flat(ln) if isinstance(p, Field)
        )


_HEADING = re.compile(r"^(#{1,2})\s+(.*?)\s*(?:\{#([^{}]*)\})?\s*$")
_ANCHOR = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|\[\[([^\]]*)\]\]|\*\*|\{")
_FIELD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|(.*))?$", re.DOTALL)


def parse_script(source: str) -> Script:
    """Parse and check a script; ScriptError names the first problem (and its line)."""
    if len(source) > MAX_LENGTH:
        raise ScriptError("script_too_long", max=MAX_LENGTH)
    if not source.strip():
        raise ScriptError("script_empty")
    sections: list[Section] = []
    current = Section("intro", (), 0)
    kind: Literal["p", "list", "hint"] | None = None
    lines: list[Line] = []
    links: list[tuple[str, int]] = []

    def close_block() -> None:
        nonlocal kind, lines
        if kind is not None and lines:
            current.blocks.append(Block(kind, tuple(lines)))
        kind, lines = None, []

    for number, raw in enumerate(source.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            close_block()
            if current.level > 0 or current.blocks:
                sections.append(current)
            anchor = heading.group(3)
            if anchor is not None and not _ANCHOR.match(anchor.strip()):
                raise ScriptError("script_bad_anchor", line=number, anchor=anchor)
            name = anchor.strip() if anchor is not None else f"s{sum(1 for s in sections if s.level) + 1}"
            if any(s.anchor == name for s in sections):
                raise ScriptError("script_duplicate_anchor", line=number, anchor=name)
            current = Section(name, _inline(heading.group(2), number, links), len(heading.group(1)))
            continue
        if not line.strip():
            close_block()
            continue
        stripped = line.lstrip()
        this: Literal["p", "list", "hint"]
        if stripped.startswith("- ") or stripped == "-":
            this, text = "list", stripped[1:].strip()
        elif stripped.startswith(">"):
            this, text = "hint", stripped[1:].strip()
        else:
            this, text = "p", line.strip()
        if this != kind:
            close_block()
            kind = this
        lines.append(_inline(text, number, links))
    close_block()
    if current.level > 0 or current.blocks:
        sections.append(current)
    anchors = {s.anchor for s in sections}
    for anchor, number in links:
        if anchor not in anchors:
            raise ScriptError("script_unknown_anchor", line=number, anchor=anchor)
    return Script(tuple(sections))


def _inline(text: str, number: int, links: list[tuple[str, int]]) -> Line:
    """One line's pieces; `**` toggles bold (closed at the line's end if left open)."""
    out: list[Inline] = []
    bold: list[Text | Field | Link] | None = None
    pos = 0

    def put(piece: Text | Field | Link) -> None:
        (bold if bold is not None else out).append(piece)

    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            put(Text(text[pos : m.start()]))
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            put(Text(token[0]))
        elif token == "{":
            raise ScriptError("script_unclosed_brace", line=number)
        elif token == "**":
            if bold is None:
                bold = []
            else:
                out.append(Bold(tuple(bold)))
                bold = None
        elif m.group(1) is not None:
            put(_field(m.group(1), number))
        else:
            put(_link(m.group(2), number, links))
    if pos < len(text):
        put(Text(text[pos:]))
    if bold is not None:
        out.append(Bold(tuple(bold)))
    return tuple(_merge(out))


def _field(body: str, number: int) -> Field:
    m = _FIELD.match(body)
    name = m.group(1) if m else body.strip()
    if m is None or name not in FIELDS:
        raise ScriptError("script_unknown_field", line=number, field=name, known=", ".join(FIELDS))
    fallback = m.group(2)
    return Field(name, fallback.strip() if fallback is not None else None)


def _link(body: str, number: int, links: list[tuple[str, int]]) -> Link:
    target, _, words = body.partition("|")
    target = target.strip()
    if not target.startswith("#") or not _ANCHOR.match(target[1:]):
        raise ScriptError("script_bad_link", line=number, link=body)
    links.append((target[1:], number))
    return Link(target[1:], words.strip() or None)


def _merge(pieces: list[Inline]) -> list[Inline]:
    merged: list[Inline] = []
    for p in pieces:
        if isinstance(p, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + p.text)
        else:
            merged.append(p)
    return merged


def _all_lines(section: Section) -> list[Line]:
    return [section.title, *(ln for b in section.blocks for ln in b.lines)]


def _flat(line: Line) -> list[Text | Field | Link]:
    return [q for p in line for q in (p.parts if isinstance(p, Bold) else (p,))]


# --- rendering ---------------------------------------------------------------------------------------------------

FieldValues = Mapping[str, str | None]


def render_html(
    script: Script,
    values: FieldValues,
    missing: Callable[[str], str],
    anchor_prefix: str = "script-",
) -> str:
    """The script for one contact as HTML: a quick-link bar over every titled section, then the sections.

    `values`: field -> text (already formatted for the reader's language); `missing(field)` is what stands for
    a field the contact lacks and the script gives no words for (shown marked, so the operator notices)."""
    titles = {s.anchor: s.title for s in script.sections}
    out: list[str] = []
    titled = [s for s in script.sections if s.level > 0]
    if titled:
        out.append('<nav class="script-links">')
        for s in titled:
            cls = "script-link sub" if s.level == 2 else "script-link"
            text = _line_html(s.title, values, missing, titles, anchor_prefix, link=False)
            out.append(f'<a class="{cls}" href="#{anchor_prefix}{s.anchor}">{text}</a>')
        out.append("</nav>")
    for s in script.sections:
        out.append(f'<section class="script-section level{s.level}" id="{anchor_prefix}{s.anchor}">')
        if s.level > 0:
            tag = "h3" if s.level == 1 else "h4"
            out.append(f"<{tag}>{_line_html(s.title, values, missing, titles, anchor_prefix)}</{tag}>")
        for b in s.blocks:
            inner = [_line_html(ln, values, missing, titles, anchor_prefix) for ln in b.lines]
            if b.kind == "list":
                out.append("<ul>" + "".join(f"<li>{x}</li>" for x in inner) + "</ul>")
            elif b.kind == "hint":
                out.append('<p class="script-hint">' + "<br>".join(inner) + "</p>")
            else:
                out.append("<p>" + "<br>".join(inner) + "</p>")
        out.append("</section>")
    return "".join(out)


def _line_html(
    line: Line,
    values: FieldValues,
    missing: Callable[[str], str],
    titles: Mapping[str, Line],
    prefix: str,
    link: bool = True,
) -> str:
    parts: list[str] = []
    for p in line:
        if isinstance(p, Bold):
            parts.append("<strong>" + _line_html(p.parts, values, missing, titles, prefix, link) + "</strong>")
        elif isinstance(p, Text):
            parts.append(escape(p.text))
        elif isinstance(p, Field):
            value = values.get(p.name)
            if value not in (None, ""):
                parts.append(f'<span class="script-field" data-field="{p.name}">{escape(str(value))}</span>')
            elif p.fallback is not None:
                parts.append(escape(p.fallback))
            else:
                parts.append(f'<span class="script-missing" data-field="{p.name}">[{escape(missing(p.name))}]</span>')
        else:
            words = escape(p.words) if p.words else _line_html(titles[p.anchor], values, missing, titles, prefix, False)
            parts.append(f'<a class="script-jump" href="#{prefix}{p.anchor}">{words}</a>' if link else words)
    return "".join(parts)
