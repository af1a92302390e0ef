"""Text from a user's files that the dashboard shows where Streamlit reads Markdown comes out
as written: no HTML element, link or image survives rendering."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from prospects.present.dashboard import as_written

HOSTILE = ["<img src=http://127.0.0.1:9/x.png>", "<script>alert(1)</script>",
           "![x](http://127.0.0.1:9/x.png)", "[click](javascript:alert(1))",
           "**bold** _it_ `code` # heading", "a\\<b>c"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_renders_the_text_as_written(text):
    rendered = MarkdownIt("commonmark", {"html": True}).render(as_written(text)).strip()
    assert rendered.replace("\u2060", "") == f"<p>{html.escape(text, quote=False)}</p>"


@pytest.mark.parametrize("text", ["http://127.0.0.1:9/y", "HTTPS://x.org", "www.example.org",
                                  "mail a@example.org"])
def test_web_addresses_are_broken_for_autolinks(text):
    """GitHub Markdown links bare addresses in the unescaped text; a word joiner stops it
    (tests/present/test_hostile_browser.py shows it in Streamlit)."""
    unescaped = re.sub(r"\\(.)", r"\1", as_written(text))
    assert unescaped.replace("\u2060", "") == text
    assert not re.search(r"https?://|www\.|@\w", unescaped, re.IGNORECASE)
