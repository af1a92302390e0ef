"""The HTML shell every page shares: self-contained, readable on a laptop, prints well."""

from __future__ import annotations

import html

#: how tables read, on the report's pages and in the dashboard's HTML panels
TABLE_STYLE = """table{border-collapse:collapse;font-size:.85em;margin:.8em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}"""

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}
h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
""" + TABLE_STYLE + """
figure{margin:1em 0;display:inline-block;max-width:100%}
figure svg{max-width:100%;height:auto}.muted{color:#666;font-size:.85em}
@media print{body{max-width:none;margin:0}figure,table,section{break-inside:avoid}
nav,input,select,button{display:none}}
"""


def page(title: str, content: str, script: str = "") -> str:
    """A complete HTML document; ``content`` must already be escaped where needed."""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{content}"
            + (f"<script>{script}</script>" if script else "") + "</body></html>")
