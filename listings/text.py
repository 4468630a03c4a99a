"""Employer-written text: Markdown rendered to HTML that is safe to put on a page."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# CommonMark with tables; raw HTML in the source is escaped, then nh3 allows only these tags.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


#: The listing page's own heading above the description: a description that opens with the
#: same words would show it twice.
SECTION_HEADINGS = {"about the project", "about this project"}
#: The description sits under an <h2>; its own headings start one level below.
TOP_HEADING_LEVEL = 3
DEEPEST_HEADING_LEVEL = 4


def _fit_headings(tokens: list) -> list:
    """Headings nested under the page's <h2>, without a first one that repeats it."""
    headings = [i for i, token in enumerate(tokens) if token.type == "heading_open"]
    if not headings:
        return tokens
    first = headings[0]
    words = " ".join(tokens[first + 1].content.rstrip(": ").casefold().split())
    if first == 0 and words in SECTION_HEADINGS:
        tokens = tokens[3:]  # heading_open, inline, heading_close
        headings = [i - 3 for i in headings[1:]]
    levels = sorted({int(tokens[i].tag[1]) for i in headings})
    for i in headings:
        level = TOP_HEADING_LEVEL + levels.index(int(tokens[i].tag[1]))
        tag = f"h{min(level, DEEPEST_HEADING_LEVEL)}"
        tokens[i].tag = tokens[i + 2].tag = tag
    return tokens


def render_markdown(source: str) -> str:
    """Markdown to sanitized HTML: no scripts, no styles, no event handlers, safe links only."""
    tokens = _fit_headings(_markdown.parse(source or ""))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
