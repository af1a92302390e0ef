"""Small helpers for hand-written SVG: escaped text, links to claims, shortened labels."""

from __future__ import annotations

import html


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def shorten(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def text(x: float, y: float, content: str, size: float = 10, anchor: str = "start",
         fill: str = "#222", weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}"{extra}>{esc(content)}</text>')


def claim_link(claim_id: str | None, inner: str, title: str = "") -> str:
    """``inner`` wrapped in a link to the claim's row of the evidence table (if any)."""
    tip = f"<title>{esc(title)}</title>" if title else ""
    if not claim_id:
        return f"<g>{tip}{inner}</g>"
    return f'<a href="#claim-{esc(claim_id)}">{tip}{inner}</a>'


def svg(width: float, height: float, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{esc(label)}" '
            f'font-family="system-ui,-apple-system,Segoe UI,sans-serif">{body}</svg>')
