"""The small markup of a lesson page's text, and its HTML for Qt's rich text.

* A blank line separates paragraphs; lines of one paragraph are joined.
* ``# Heading`` (or ``## Heading``) on a line of its own.
* ``- item`` lines make a list.
* ``**bold**``, ``*italic*`` and ```code``` inside a line.
* Maths is written in Unicode as it should read: α, ∇f, x², x₀, ½, a/b, ≤, →.

>>> page_html("# Step\\nx ← x − **α**·f′(x)\\n\\n- small α: slow\\n- large α: jumps")
'<h3>Step</h3><p>x ← x − <b>α</b>·f′(x)</p><ul><li>small α: slow</li><li>large α: jumps</li></ul>'
"""

from __future__ import annotations

import html
import re

__all__ = ["Block", "markup_problem", "page_blocks", "page_html"]

#: ``(kind, lines)``: kind is ``heading``, ``paragraph`` or ``list`` (one line per item).
Block = tuple[str, tuple[str, ...]]

_HEADING = re.compile(r"^#{1,3}\s+")
_ITEM = re.compile(r"^[-•]\s+")
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|`(.+?)`")


def page_blocks(text: str) -> list[Block]:
    """The text's headings, paragraphs and lists, in order, with the markers removed."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("paragraph", (" ".join(paragraph),)))
            paragraph.clear()
        if items:
            blocks.append(("list", tuple(items)))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif _HEADING.match(line):
            flush()
            blocks.append(("heading", (_HEADING.sub("", line),)))
        elif _ITEM.match(line):
            if paragraph:
                flush()
            items.append(_ITEM.sub("", line))
        elif items and raw[:1].isspace():
            items[-1] += " " + line  # an indented line continues the list item
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return blocks


def page_html(text: str) -> str:
    """The text as HTML (``h3``, ``p``, ``ul``/``li``, ``b``, ``i``, ``code``); escaped."""
    parts = []
    for kind, lines in page_blocks(text):
        if kind == "heading":
            parts.append(f"<h3>{_inline(lines[0])}</h3>")
        elif kind == "paragraph":
            parts.append(f"<p>{_inline(lines[0])}</p>")
        else:
            parts.append("<ul>" + "".join(f"<li>{_inline(line)}</li>" for line in lines)
                         + "</ul>")
    return "".join(parts)


def markup_problem(text: str) -> str | None:
    """A sentence about a marker left open (``**`` or a backquote), or ``None``."""
    for _kind, lines in page_blocks(text):
        for line in lines:
            rest = _INLINE.sub("", line)
            for marker, name in (("**", "**"), ("`", "a backquote `")):
                if marker in rest:
                    start = line[:30] + ("…" if len(line) > 30 else "")
                    return f"has {name} that is not closed in the line starting {start!r}"
    return None


def _inline(line: str) -> str:
    out = []
    position = 0
    for match in _INLINE.finditer(line):
        out.append(html.escape(line[position:match.start()], quote=False))
        bold, italic, code = match.groups()
        if bold is not None:
            out.append(f"<b>{html.escape(bold, quote=False)}</b>")
        elif italic is not None:
            out.append(f"<i>{html.escape(italic, quote=False)}</i>")
        else:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        position = match.end()
    out.append(html.escape(line[position:], quote=False))
    return "".join(out)
