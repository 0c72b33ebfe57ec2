"""The error-analysis page: per sample the image with OCR boxes, the question, the ground
truth and each variant's answer and score, with filters for "OCR helped" and "OCR hurt"."""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Any

from eval_vqa.errors import kind_of
from eval_vqa.log import attempt_of, write_text_atomic
from ocrvqa.files import write_atomic

THUMB_SIDE = 640

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
.bar button{margin-right:.4em;padding:.3em .8em;border:1px solid #888;background:#f4f4f4;cursor:pointer}
.bar button.on{background:#333;color:#fff}
.card{display:flex;gap:1.2em;border-top:1px solid #ddd;padding:1em 0}
.card img{max-width:420px;max-height:420px;border:1px solid #ccc}
.meta{flex:1;min-width:0}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
.up{background:#e6f4e6}.down{background:#fbe6e6}.err{color:#a00}
pre{white-space:pre-wrap;font-size:.8em;background:#f8f8f8;padding:.4em;max-height:14em;overflow:auto;
unicode-bidi:plaintext}
.empty{color:#999;font-style:italic}
.tag{font-size:.75em;padding:.1em .5em;border-radius:.6em;background:#eee;margin-left:.5em}
"""

# The filter lives in the address too (index.html#hurt), so a filtered view can be shared.
_SCRIPT = """
function show(tag){
  const tags = Array.from(document.querySelectorAll('.bar button')).map(b=>b.dataset.tag);
  if(!tags.includes(tag)) tag = 'all';
  document.querySelectorAll('.bar button').forEach(b=>b.classList.toggle('on',b.dataset.tag===tag));
  let n=0;
  document.querySelectorAll('.card').forEach(c=>{
    const on = tag==='all' || c.dataset.tags.split(' ').includes(tag);
    c.style.display = on ? '' : 'none'; if(on) n++;
  });
  document.getElementById('shown').textContent = n;
  try { history.replaceState(null, '', tag==='all' ? location.pathname : '#'+tag); } catch(e) {}
}
window.addEventListener('hashchange', ()=>show(location.hash.slice(1)));
show(location.hash.slice(1) || 'all');
"""


def error_page(results: dict[str, Any], records: list[dict[str, Any]], run_dir: str | Path, out_dir: str | Path) -> Path:
    """Write ``index.html`` (and its images under ``images/``) into ``out_dir``."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    run = results["run"]
    limit = int(results.get("config", {}).get("report", {}).get("html_samples", 300))
    chosen = pick_samples(records, run, limit)
    counts = {t: sum(1 for r in chosen if t in r["_tags"]) for t in ("helped", "hurt", "broken")}
    cards = [_card(r, results, run_dir, out_dir) for r in chosen]
    buttons = "".join(
        f'<button data-tag="{t}" onclick="show(\'{t}\')">{label} ({n})</button>'
        for t, label, n in [
            ("all", "all", len(chosen)),
            ("helped", "OCR helped", counts["helped"]),
            ("hurt", "OCR hurt", counts["hurt"]),
            ("broken", "broken samples", counts["broken"]),
        ]
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(str(run.get('name')))}: error analysis</title><style>{_STYLE}</style></head><body>
<h1>{html.escape(str(run.get('name')))}: {html.escape(str(run.get('model')))}</h1>
<p>OCR engine <code>{html.escape(str(run.get('ocr_engine')))}</code>, baseline <code>{html.escape(str(run.get('baseline')))}</code>.
"OCR helped": an OCR variant scored higher than the baseline on the benchmark's main metric; "OCR hurt": lower.
Showing <span id="shown">{len(chosen)}</span> of {len(records)} samples (at most {limit}: those where the variants differ first).</p>
<div class="bar">{buttons}</div>
{''.join(cards)}
<script>{_SCRIPT}</script></body></html>"""
    return write_text_atomic(out_dir / "index.html", page)


def sample_tags(record: dict[str, Any], run: dict[str, Any]) -> set[str]:
    """``helped`` / ``hurt`` when an OCR variant beats / trails the baseline on the main metric;
    ``broken`` for a sample left out (the README's ``#broken`` link)."""
    if record["status"] == "error":
        return {"broken"}
    base = run.get("baseline")
    entries = record["variants"]
    if base not in entries:
        return set()
    metric = _main_metric(record, run)
    ref = entries[base]["scores"][metric]
    tags = set()
    for name, entry in entries.items():
        if name != base:
            delta = entry["scores"][metric] - ref
            tags |= {"helped"} if delta > 0 else {"hurt"} if delta < 0 else set()
    return tags


def pick_samples(records: list[dict[str, Any]], run: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Samples for the page: those where the variants disagree, then broken ones, then the rest."""
    for r in records:
        r["_tags"] = sample_tags(r, run)
    rank = lambda r: 0 if r["_tags"] & {"helped", "hurt"} else 1 if "broken" in r["_tags"] else 2  # noqa: E731
    return sorted(records, key=rank)[:limit]


def _main_metric(record: dict[str, Any], run: dict[str, Any]) -> str:
    scores = next(iter(record["variants"].values()))["scores"]
    metric = run.get("table_metric", "anls")
    return metric if metric in scores else next(iter(scores))


def _card(r: dict[str, Any], results: dict[str, Any], run_dir: Path, out_dir: Path) -> str:
    esc = html.escape
    img = _thumbnail(r, run_dir, out_dir)
    image_html = f'<img src="{esc(img)}" loading="lazy">' if img else '<div class="err">image unavailable</div>'
    tags = "".join(f'<span class="tag">{t}</span>' for t in sorted(r["_tags"]))
    # <bdi>: each answer keeps its own direction, so Arabic answers and the separators between
    # them are not reordered by the bidi algorithm
    truth = " | ".join(f"<bdi>{esc(a)}</bdi>" for a in dict.fromkeys(r["answers"]))
    body = [
        f'<b>{esc(r["key"])}</b>{tags}',
        f'<p><b>Q:</b> <bdi>{esc(r["question"])}</bdi><br><b>GT:</b> {truth}</p>',
    ]
    if r["status"] == "error":
        tries = f", after {attempt_of(r)} attempts" if attempt_of(r) > 1 else ""
        body.append(
            f'<p class="err">excluded ({esc(kind_of(r["error"]))}{tries}): '
            f'{esc(r["error"]["stage"])}: {esc(r["error"]["reason"])}</p>'
        )
    else:
        base = results["run"].get("baseline")
        metric = _main_metric(r, results["run"])
        ref = r["variants"].get(base, {}).get("scores", {}).get(metric)
        rows = []
        for name, e in r["variants"].items():
            score = e["scores"][metric]
            cls = "" if ref is None or name == base else "up" if score > ref else "down" if score < ref else ""
            recall = {True: "yes", False: "no", None: "–"}[e.get("answer_in_context")]
            # an empty answer is shown as such, not as a blank cell that looks like a page fault
            answer = f'<td dir="auto">{esc(e["prediction"])}</td>' if e["prediction"].strip() else (
                '<td class="empty">(empty)</td>')
            rows.append(
                f'<tr class="{cls}"><td>{esc(name)}</td>{answer}<td>{100 * score:.1f}</td>'
                f"<td>{recall}</td><td>{e.get('context_tokens', 0)}</td>"
                f"<td><details><summary>prompt</summary><pre>{esc(e['prompt'])}</pre></details></td></tr>"
            )
        body.append(
            f"<table><tr><th>variant</th><th>answer</th><th>{esc(metric)}</th><th>answer in context</th>"
            f"<th>context tokens</th><th></th></tr>{''.join(rows)}</table>"
        )
    if r.get("ocr"):
        o = r["ocr"]
        body.append(f"<p>OCR: {o['n_words']} words in {o['n_lines']} lines, mean confidence {o['mean_score']:.2f}</p>")
    return f'<div class="card" data-tags="{" ".join(sorted(r["_tags"]))}">{image_html}<div class="meta">{"".join(body)}</div></div>'


def _thumbnail(r: dict[str, Any], run_dir: Path, out_dir: Path) -> str | None:
    """The sample's image with its OCR boxes drawn, shrunk and saved once per image; its page-relative path."""
    src = r.get("image")
    if not src:
        return None
    ocr_file = (r.get("ocr") or {}).get("file")
    name = hashlib.sha1(f"{src}|{ocr_file}".encode()).hexdigest()[:20] + ".jpg"
    dest = out_dir / "images" / name
    if not dest.is_file():
        try:
            from ocr_expert.image_io import load_image

            image = load_image(src).image
            if ocr_file and (run_dir / ocr_file).is_file():
                from ocr_expert import OCRResult
                from ocr_expert.draw import draw_result

                result = OCRResult.from_dict(json.loads((run_dir / ocr_file).read_text(encoding="utf-8")))
                image = draw_result(image, result)
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            # whole or absent: a thumbnail cut short by a kill would be reused as it is
            rgb = image.convert("RGB")
            write_atomic(dest, lambda f: rgb.save(f, format="JPEG", quality=80))
        except Exception:  # a missing or moved image should not stop the page
            return None
    return f"images/{name}"
