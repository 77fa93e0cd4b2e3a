"""HTML to plain text, the way every source's descriptions are stored: paragraphs and bullets on lines of their own."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_LINE_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|h[1-6]|li|ul|ol|tr|section)\s*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """A description's text with its structure kept: each paragraph, line break and bullet on a line of its own.

    Entities are decoded once, by the HTML parser; scripts and styles are dropped; runs of whitespace become one
    space; blank lines and empty bullets are dropped.
    """
    html = _HIDDEN.sub("", html)
    html = _LIST_ITEM.sub("\n- ", html)
    html = _LINE_BREAK.sub("\n", html)
    return tidy_text(LexborHTMLParser(html).text(separator=""))


def tidy_text(text: str) -> str:
    """Plain text with each line's whitespace collapsed and blank lines (and empty bullets) dropped."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line and line != "-")
