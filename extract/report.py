"""``report.html``: one self-contained page about an output folder.

No network fetches: CSS is inline, charts are SVG generated here, fonts are
the reader's own. Sections: run summary, target revisions (chart and
table), largest investments, records per article, and the sentences every
figure comes from — each figure links to its sentence (``#s-<record_id>``)
and carries the sentence as a tooltip.

Revision chart: one panel per (subject, metric), one line per due year,
value against the date the article stated it. A panel keeps one unit
(vehicles or yuan) and its own scale, so 600万辆 and 1万亿元 are never
squeezed onto one axis.
"""
from __future__ import annotations

import html
import os
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .diff import fmt_value
from .publish import MODELS, iter_rows, read_rows

PALETTE = ("#1f6feb", "#d1495b", "#2a9d8f", "#e9a23b", "#6f42c1", "#6c757d", "#8c564b", "#17becf")
TOP_INVESTMENTS = 20

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#1b1f24;background:#f6f7f9}
main{max-width:1120px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.sub{color:#57606a;margin:0 0 18px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:24px}.card span{color:#57606a;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de;font-size:14px}
th,td{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
a{color:#0b5cd5;text-decoration:none}a:hover{text-decoration:underline}
.panels{display:flex;flex-wrap:wrap;gap:14px}
.panel{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 12px}
.legend{font-size:13px;color:#57606a}.legend i{display:inline-block;width:12px;height:3px;margin:0 4px 3px 10px;vertical-align:middle}
svg text{font-family:inherit;font-size:11px;fill:#57606a}
.up{color:#1a7f37}.down{color:#cf222e}
ol.sent{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 10px 10px 40px}
ol.sent li{margin:4px 0}ol.sent li:target{background:#fff8c5}
mark{background:#ffe58f;padding:0 1px}
.muted{color:#57606a;font-size:13px}
"""


def _e(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _dec(v) -> Decimal | None:
    try:
        return Decimal(v) if v not in (None, "") else None
    except InvalidOperation:
        return None


def _rows(out_dir: Path, table: str) -> list[dict[str, str]]:
    return read_rows(out_dir, table)[1] if (out_dir / f"{table}.csv").exists() else []


def _sentence_html(sentence: str, text: str) -> str:
    i = sentence.find(text) if text else -1
    if i < 0:
        return _e(sentence)
    return _e(sentence[:i]) + "<mark>" + _e(text) + "</mark>" + _e(sentence[i + len(text):])


class _Cites:
    """The sentences the page cites, each once, in order of first citation."""

    def __init__(self):
        self.items: dict[str, tuple[str, str, str]] = {}

    def link(self, record_id: str, article_id: str, sentence: str, text: str, label: str) -> str:
        self.items.setdefault(record_id, (article_id, sentence, text))
        return f'<a href="#s-{_e(record_id)}" title="{_e(sentence)}">{label}</a>'


# --- the chart ----------------------------------------------------------------------

def _series(revisions: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, list[dict]]]:
    """(subject, metric) → due year → points [{date, value, unit, record_id, article_id, sentence, text}]."""
    out: dict[tuple[str, str], dict[str, list[dict]]] = {}
    for r in sorted(revisions, key=lambda r: (r["subject"], r["metric"], r["year"], int(r["revision"]))):
        pts = out.setdefault((r["subject"], r["metric"]), {}).setdefault(r["year"], [])
        if not pts:
            pts.append({"date": r["prev_stated_date"], "value": r["prev_value"], "unit": r["unit"],
                        "record_id": r["prev_record_id"], "article_id": r["prev_article_id"],
                        "sentence": r["prev_sentence"], "text": r["prev_text"]})
        pts.append({"date": r["new_stated_date"], "value": r["new_value"], "unit": r["unit"],
                    "record_id": r["new_record_id"], "article_id": r["new_article_id"],
                    "sentence": r["new_sentence"], "text": r["new_text"]})
    return out


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    import math

    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 1e-9:
        if t >= lo - step * 1e-9:
            ticks.append(t)
        t += step
    return ticks


def chart_svg(title: str, lines: dict[str, list[dict]], cites: _Cites, width: int = 520, height: int = 260) -> str:
    """One panel: value against stated date, one line per due year."""
    ml, mr, mt, mb = 78, 16, 12, 38
    pw, ph = width - ml - mr, height - mt - mb
    pts_all = [p for pts in lines.values() for p in pts]
    unit = pts_all[0]["unit"]
    days = [date.fromisoformat(p["date"]).toordinal() for p in pts_all]
    vals = [float(p["value"]) for p in pts_all]
    d0, d1 = min(days), max(days)
    if d0 == d1:
        d0, d1 = d0 - 180, d1 + 180
    pad = (d1 - d0) * 0.08
    d0, d1 = d0 - pad, d1 + pad
    v0, v1 = min(vals), max(vals)
    if v0 == v1:
        v0, v1 = v0 * 0.8, v1 * 1.2 if v1 else 1.0
    else:
        v0, v1 = v0 - (v1 - v0) * 0.15, v1 + (v1 - v0) * 0.15
    v0 = max(v0, 0.0)

    def x(day: float) -> float:
        return ml + (day - d0) / (d1 - d0) * pw

    def y(v: float) -> float:
        return mt + ph - (v - v0) / (v1 - v0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="{_e(title)}">',
           f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fbfcfd" stroke="#d0d7de"/>']
    for t in _nice_ticks(v0, v1):
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#eaeef2"/>'
                   f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{_e(fmt_value(Decimal(repr(t)), unit))}</text>')
    for day in sorted(set(days)):
        label = date.fromordinal(day).isoformat()
        out.append(f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{mt + ph}" y2="{mt + ph + 4}" stroke="#8c959f"/>'
                   f'<text x="{x(day):.1f}" y="{mt + ph + 17}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 4}" text-anchor="middle">date stated</text>')
    for i, (year, pts) in enumerate(sorted(lines.items())):
        color = PALETTE[i % len(PALETTE)]
        coords = [(x(date.fromisoformat(p["date"]).toordinal()), y(float(p["value"]))) for p in pts]
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="'
                   + " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords) + '"/>')
        for (cx, cy), p in zip(coords, pts):
            cites.items.setdefault(p["record_id"], (p["article_id"], p["sentence"], p["text"]))
            tip = f"due {year}: {fmt_value(p['value'], unit)} stated {p['date']} in {p['article_id']}\n{p['sentence']}"
            out.append(f'<a href="#s-{_e(p["record_id"])}"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="5.5" fill="{color}" '
                       f'stroke="#fff" stroke-width="1.5"><title>{_e(tip)}</title></circle></a>'
                       f'<text x="{cx:.1f}" y="{cy - 10:.1f}" text-anchor="middle" style="fill:{color}">'
                       f'{_e(fmt_value(p["value"], unit))}</text>')
    out.append("</svg>")
    return "".join(out)


# --- sections -----------------------------------------------------------------------

def _summary(out_dir: Path, articles, counts: dict[str, int]) -> str:
    from . import __version__

    dates = sorted(a["published_date"] for a in articles if a.get("published_date"))
    span = f"{dates[0]} to {dates[-1]}" if dates else "unknown dates"
    cards = "".join(f'<div class="card"><b>{n}</b><span>{_e(t.replace("_", " "))}</span></div>' for t, n in counts.items())
    return (f"<h1>extract report</h1><p class=\"sub\">{len(articles)} article(s) published {span} · "
            f"output folder <code>{_e(out_dir)}</code> · extract {_e(__version__)}</p>"
            f'<section id="summary"><h2>Run summary</h2><div class="cards">{cards}</div></section>')


def _revisions_section(revisions, cites: _Cites) -> str:
    parts = ['<section id="revisions"><h2>Target revisions</h2>',
             '<p class="muted">Goals (same subject, metric and due year) stated in more than one article: value '
             'against the date the article stated it. Each point links to its sentence.</p>']
    if not revisions:
        parts.append("<p>No goal is stated in more than one article.</p></section>")
        return "".join(parts)
    parts.append('<div class="panels">')
    for (subject, metric), lines in _series(revisions).items():
        legend = "".join(f'<i style="background:{PALETTE[i % len(PALETTE)]}"></i>due {_e(y)}'
                         for i, y in enumerate(sorted(lines)))
        parts.append(f'<div class="panel"><h3>{_e(subject)} · {_e(metric)}</h3><div class="legend">{legend}</div>'
                     f'{chart_svg(f"{subject} {metric}", lines, cites)}</div>')
    parts.append("</div><h3 style=\"margin-top:16px\">Every restatement</h3><table><tr><th>subject</th><th>metric</th>"
                 "<th class=n>due</th><th>stated</th><th class=n>previous</th><th class=n>new</th><th class=n>change</th></tr>")
    for r in revisions:
        pct = r.get("change_pct") or ""
        cls = {"raised": "up", "lowered": "down"}.get(r["direction"], "")
        change = ("unchanged" if r["direction"] == "unchanged" else
                  fmt_value(r["change"], r["unit"], signed=True) + (f" ({float(pct):+.1f}%)" if pct else ""))
        prev = cites.link(r["prev_record_id"], r["prev_article_id"], r["prev_sentence"], r["prev_text"],
                          _e(fmt_value(r["prev_value"], r["unit"])))
        new = cites.link(r["new_record_id"], r["new_article_id"], r["new_sentence"], r["new_text"],
                         _e(fmt_value(r["new_value"], r["unit"])))
        parts.append(f"<tr><td>{_e(r['subject'])}</td><td>{_e(r['metric'])}</td><td class=n>{_e(r['year'])}</td>"
                     f"<td>{_e(r['prev_stated_date'])} → {_e(r['new_stated_date'])}</td><td class=n>{prev}</td>"
                     f"<td class=n>{new}</td><td class=\"n {cls}\">{_e(change)}</td></tr>")
    parts.append("</table></section>")
    return "".join(parts)


def _investments_section(amounts, cites: _Cites) -> str:
    inv = [a for a in amounts if a.get("kind") == "investment" and _dec(a.get("value_cny")) is not None]
    inv.sort(key=lambda a: (-_dec(a["value_cny"]), a["article_id"], int(a["char_start"])))
    parts = ['<section id="investments"><h2>Largest investments</h2>',
             f'<p class="muted">The {min(TOP_INVESTMENTS, len(inv))} largest sums of kind <code>investment</code> '
             f'(of {len(inv)}), in yuan. Each figure links to its sentence.</p>',
             "<table><tr><th class=n>#</th><th class=n>amount</th><th>bound</th><th>subject</th><th>as written</th>"
             "<th>article</th></tr>"]
    for i, a in enumerate(inv[:TOP_INVESTMENTS], 1):
        fig = cites.link(a["record_id"], a["article_id"], a["sentence"], a["text"], _e(fmt_value(a["value_cny"], "CNY")))
        parts.append(f"<tr><td class=n>{i}</td><td class=n>{fig}</td><td>{_e(a['bound'])}</td>"
                     f"<td>{_e(a.get('subject') or '—')}</td><td>{_e(a['text'])}</td>"
                     f"<td><a href=\"#a-{_e(a['article_id'])}\">{_e(a['article_id'])}</a></td></tr>")
    if not inv:
        parts.append('<tr><td colspan="6">No investment amounts.</td></tr>')
    parts.append("</table></section>")
    return "".join(parts)


def _articles_section(articles) -> str:
    counts = [c for c in ("n_amounts", "n_targets", "n_projects", "n_dates") if articles and c in articles[0]]
    head = "".join(f"<th class=n>{c[2:]}</th>" for c in counts)
    parts = ['<section id="articles"><h2>Records per article</h2><table><tr><th>article</th><th>published</th>'
             f"<th>outlet</th><th>title</th>{head}</tr>"]
    for a in articles:
        cells = "".join(f"<td class=n>{_e(a[c])}</td>" for c in counts)
        parts.append(f'<tr id="a-{_e(a["article_id"])}"><td>{_e(a["article_id"])}</td><td>{_e(a.get("published_date"))}</td>'
                     f'<td>{_e(a.get("outlet"))}</td><td>{_e(a.get("title"))}</td>{cells}</tr>')
    parts.append("</table></section>")
    return "".join(parts)


def _sentences_section(cites: _Cites) -> str:
    parts = ['<section id="sentences"><h2>Sentences cited</h2><ol class="sent">']
    for rid, (article_id, sentence, text) in cites.items.items():
        parts.append(f'<li id="s-{_e(rid)}">{_sentence_html(sentence, text)} <span class="muted">— '
                     f'<a href="#a-{_e(article_id)}">{_e(article_id)}</a>, record {_e(rid)}</span></li>')
    parts.append("</ol></section>")
    return "".join(parts)


def render_report(out_dir: str | Path) -> str:
    """The report page for an output folder, as one HTML string."""
    out_dir = Path(out_dir)
    articles = _rows(out_dir, "articles")
    counts = {t: sum(1 for _ in iter_rows(out_dir, t)) for t in MODELS if (out_dir / f"{t}.csv").exists()}
    investments = [a for a in iter_rows(out_dir, "amounts") if a.get("kind") == "investment"] \
        if (out_dir / "amounts.csv").exists() else []
    cites = _Cites()
    body = [_summary(out_dir, articles, counts),
            _revisions_section(_rows(out_dir, "target_revisions"), cites),
            _investments_section(investments, cites),
            _articles_section(articles)]
    body.append(_sentences_section(cites))
    return ('<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>extract report</title><style>{CSS}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>\n")


def write_report(out_dir: str | Path, path: str | Path | None = None) -> Path:
    """Write the report (default ``<out_dir>/report.html``) atomically; its path."""
    out_dir = Path(out_dir)
    if not (out_dir / "articles.csv").exists():
        raise FileNotFoundError(f"{out_dir}: no articles.csv; run `extract all` first")
    path = Path(path) if path else out_dir / "report.html"
    page = render_report(out_dir)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(page)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
