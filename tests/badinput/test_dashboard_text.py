"""Text from a user's files that the dashboard shows where Streamlit reads Markdown comes out
as written: no HTML element, link or image survives rendering. (Not yet a browser test.)"""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from prospects.present.dashboard import as_written

HOSTILE = ["<img src=http://127.0.0.1:9/x.png>", "<script>alert(1)</script>",
           "![x](http://127.0.0.1:9/x.png)", "[click](javascript:alert(1))",
           "**bold** _it_ `code` # heading", "a\\<b>c"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_renders_the_text_as_written(text):
    rendered = MarkdownIt("commonmark", {"html": True}).render(as_written(text)).strip()
    assert rendered == f"<p>{html.escape(text, quote=False)}</p>"
