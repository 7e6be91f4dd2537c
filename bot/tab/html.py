"""HTML for the supervision tab's pages, escaped throughout (MarkupSafe): `el` builds an
element from its attributes and children, and `card_html` renders a workflow's `Card`
(headings, lines, facts, tables, folded details) the way the chat channels render it, for
pages that show what a card shows (the morning review, `my week`).

Nothing here writes a `style` attribute, an event handler or a script: the service's
Content-Security-Policy allows the stylesheet (`static/tab.css`) and nothing inline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

from markupsafe import Markup

from dialogs.core import Card, Fold, Section, Table

Child: TypeAlias = "str | int | float | Markup | Iterable[Child] | None"
# SVG elements written as <name ... /> when they have no children.
EMPTY_SVG = frozenset({"rect", "line", "circle", "polyline", "polygon", "path", "use"})


def text(value: str) -> str:
    """`value` escaped exactly as MarkupSafe's `escape` does it, as a plain string: the
    tab's pages make a few thousand elements, and a `Markup` made for each attribute value
    or text child was a good part of a page's time."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def markup(html: str) -> Markup:
    """`html`, already escaped, as `Markup` (without `Markup()`'s checks for `__html__`)."""
    return str.__new__(Markup, html)


def attributes(attrs: Mapping[str, object] | None) -> str:
    """` name="value"` for each attribute (None left out, True as the bare name); names
    are the code's own, values are escaped."""
    if not attrs:
        return ""
    found = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            found.append(f" {name}")
        elif isinstance(value, int | float):
            found.append(f' {name}="{value}"')
        else:
            found.append(f' {name}="{text(str(value))}"')
    return "".join(found)


def el(tag: str, attrs: Mapping[str, object] | None = None, *children: Child) -> Markup:
    """`<tag attrs>children</tag>`, every string child escaped."""
    inner = _joined(children)
    if not inner and tag in EMPTY_SVG:
        return markup(f"<{tag}{attributes(attrs)} />")
    return markup(f"<{tag}{attributes(attrs)}>{inner}</{tag}>")


def join(children: Iterable[Child]) -> Markup:
    """The children escaped and concatenated (nested lists flattened, None left out)."""
    return markup(_joined(children))


def _joined(children: Iterable[Child]) -> str:
    out: list[str] = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, str):
            out.append(text(child))
        elif isinstance(child, int | float):
            out.append(str(child))
        else:
            out.append(_joined(child))
    return "".join(out)


def link(href: str, text: Child, cls: str | None = None) -> Markup:
    return el("a", {"href": href, "class": cls}, text)


def data_table(
    columns: Iterable[str],
    rows: Iterable[Iterable[Child]],
    *,
    caption: str | None = None,
    label: str | None = None,
) -> Markup:
    """A table that scrolls sideways inside its own box on a narrow screen (a region the
    keyboard can reach and scroll, named by `label`, the caption or the first columns);
    the first cell of each row is its header."""
    names = list(columns)
    head = el("thead", None, el("tr", None, [el("th", {"scope": "col"}, c) for c in names]))
    body = markup(f"<tbody>{''.join(_row(row) for row in rows)}</tbody>")
    table = el("table", None, el("caption", None, caption) if caption else None, head, body)
    name = label or caption or f"Table: {', '.join(names[:3])}"
    region = {"class": "table-scroll", "role": "region", "aria-label": name, "tabindex": "0"}
    return el("div", region, table)


def _row(row: Iterable[Child]) -> str:
    """A body row as `el` would make it, as one string (a page's tables have hundreds of
    cells)."""
    cells = [
        f"<td>{_joined((cell,))}</td>" if n else f'<th scope="row">{_joined((cell,))}</th>'
        for n, cell in enumerate(row)
    ]
    return f"<tr>{''.join(cells)}</tr>"


# --- cards -------------------------------------------------------------------------------


def card_html(card: Card, *, level: int = 2) -> Markup:
    """A card's title, sections and folded details as a page would show them. Buttons and
    inputs are left out: the tab reads, the chat acts."""
    return el(
        "article",
        {"class": "card"},
        el(f"h{level}", None, card.title),
        [section_html(s, level + 1) for s in card.sections],
        _links(card.links),
        [fold_html(f, level + 1) for f in card.details],
    )


def fold_html(fold: Fold, level: int) -> Markup:
    return el(
        "details",
        {"class": "fold", "open": True},
        el("summary", None, fold.title),
        [section_html(s, level) for s in fold.sections],
    )


def section_html(section: Section, level: int = 3) -> Markup:
    return el(
        "section",
        {"class": "card-section"},
        el(f"h{level}", None, section.heading) if section.heading else None,
        [el("p", None, line) for line in section.lines],
        _facts(section.facts),
        _table(section.table) if section.table else None,
        _links(section.links),
    )


def _facts(facts: Iterable[tuple[str, str]]) -> Markup | None:
    items = [(el("dt", None, k), el("dd", None, v)) for k, v in facts]
    return el("dl", {"class": "facts"}, items) if items else None


def _table(table: Table) -> Markup:
    return data_table(table.columns, table.rows)


def _links(links: Iterable[tuple[str, str]]) -> Markup | None:
    """Only links a page may open (https, tel, mailto, the tab's own); others as text."""
    items = [
        el("li", None, link(url, title) if _safe_url(url) else f"{title}: {url}")
        for title, url in links
    ]
    return el("ul", {"class": "links"}, items) if items else None


def _safe_url(url: str) -> bool:
    return url.startswith(("https://", "tel:", "mailto:", "#"))
