"""Word-level differences between two versions of a listing's text, for staff."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Words and the whitespace between them, so that the text is rebuilt exactly.
_TOKENS = re.compile(r"\s+|\S+")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def word_diff(before: str, after: str) -> SafeString:
    """`after` with the words taken out of `before` in <del> and the new ones in <ins>.

    Everything is escaped. Each change also says in words what it is ("removed:",
    "added:"), hidden on screen, since struck-through and underlined text alone is not
    read out by every screen reader.
    """
    old, new = _tokens(before), _tokens(after)
    parts: list[SafeString] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", "".join(new[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(
                format_html(
                    '<del><span class="visually-hidden">removed: </span>{}</del>',
                    "".join(old[i1:i2]),
                )
            )
        if op in ("insert", "replace"):
            parts.append(
                format_html(
                    '<ins><span class="visually-hidden">added: </span>{}</ins>',
                    "".join(new[j1:j2]),
                )
            )
    return format_html_join("", "{}", ((part,) for part in parts))
