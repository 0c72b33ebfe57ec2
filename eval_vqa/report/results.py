"""From the per-sample log to ``results.json``: scores, paired deltas, recall, counts.

Scores and deltas are percentages (0..100), as in the seed paper's tables. A broken
sample (unreadable image, OCR or generation failure) counts under ``errors``, by kind, and
is left out of every variant's score, so all variants are scored on the same samples.
``retried`` / ``recovered`` count broken samples evaluated again and those that now answer.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from eval_vqa.recall import recall
from eval_vqa.records import SampleRecord, VariantResult
from eval_vqa.report.stats import mean_ci, paired_delta


def benchmark_title(name: str) -> str:
    """How tables name a benchmark ("ST-VQA" for ``stvqa``)."""
    from eval_vqa.benchmarks import get_benchmark

    try:
        return get_benchmark(name).title or name
    except KeyError:  # a benchmark registered by a plugin that is not imported now
        return name


def aggregate(
    records: list[SampleRecord], run: dict[str, Any], selected: dict[str, int] | None = None
) -> dict[str, Any]:
    """The content of ``results.json`` for the records of one run (``run`` is its ``run.json``;
    ``selected``: how many samples the config selected per benchmark, where known)."""
    config = run.get("config", {})
    report = config.get("report", {})
    variants = [_variant_name(v) for v in config.get("variants", [])]
    order = [canonical_name(b["name"]) for b in config.get("benchmarks", [])]
    baseline = report.get("baseline", "none")
    options = {
        "bootstrap_samples": int(report.get("bootstrap_samples", 2000)),
        "permutation_samples": int(report.get("permutation_samples", 10000)),
        "seed": int(report.get("seed", 0)),
    }
    names = order + sorted({r.benchmark for r in records} - set(order))
    benchmarks = {}
    for name in names:
        mine = [r for r in records if r.benchmark == name]
        if mine:
            benchmarks[name] = _benchmark(
                mine, variants, baseline if baseline in variants else None, options
            )
            benchmarks[name]["counts"]["selected"] = (selected or {}).get(name, len(mine))
            # parts reported on their own (ChartQA human / augmented), right after the whole
            for part, title in _parts(name, mine):
                entry = _benchmark(
                    [r for r in mine if r.part == part],
                    variants,
                    baseline if baseline in variants else None,
                    options,
                )
                entry["title"] = f"{benchmarks[name]['title']} ({title})"
                entry["part_of"], entry["part"] = name, part
                entry["counts"]["selected"] = entry["counts"]["samples"]
                benchmarks[f"{name}:{part}"] = entry
    return {
        "run": {
            "name": config.get("name"),
            "model": config.get("model"),
            # the backend that ran (the config may leave it to be inferred from the model)
            "backend": run.get("backend") or config.get("backend"),
            # what surrounded question and context (the official prompt of the model family)
            "prompt_profile": run.get("prompt_profile"),
            "ocr_engine": config.get("ocr", {}).get("engine"),
            "variants": variants,
            "baseline": baseline if baseline in variants else None,
            "table_metric": report.get("metric", "anls"),
            "fingerprint": run.get("fingerprint"),
            "scale": "percent",
            "test": "two-sided paired sign-flip permutation test of the mean difference "
            "(exact up to 16 differing samples, else permutation_samples random flips)",
            "interval": "percentile bootstrap 95% interval over samples",
            **options,
        },
        "benchmarks": benchmarks,
        "config": config,
        "versions": run.get("versions", {}),
    }


def canonical_name(name: str) -> str:
    """A benchmark's registered name for ``name`` (an alias or a local file's name), else
    ``name``."""
    from eval_vqa.benchmarks import get_benchmark

    try:
        return get_benchmark(name).name
    except KeyError:
        return name


def _parts(name: str, records: list[SampleRecord]) -> list[tuple[str, str]]:
    """(value, title) of each part of a benchmark that reports its parts, in first-seen order."""
    from eval_vqa.benchmarks import get_benchmark

    try:
        titles = get_benchmark(name).part_titles
    except KeyError:
        titles = {}
    seen = list(dict.fromkeys(r.part for r in records if r.part is not None))
    return [(p, titles.get(p, p)) for p in seen] if len(seen) > 1 or titles else []


def _variant_name(item: Any) -> str:
    return item if isinstance(item, str) else str(item.get("name"))


def _benchmark(
    records: list[SampleRecord], variants: list[str], baseline: str | None, opts: dict
) -> dict:
    ok = [r for r in records if not r.broken]
    broken = [(r.key, r.error) for r in records if r.error is not None and r.broken]
    errors = Counter(error.kind for _, error in broken)
    retried = [r for r in records if r.attempt > 1]
    metrics = list(ok[0].variants[variants[0]].scores) if ok and variants else []
    scores: dict[str, dict[str, Any]] = {}
    deltas: dict[str, dict[str, Any]] = {}
    recalls: dict[str, Any] = {}
    contexts: dict[str, Any] = {}
    seed = opts["seed"]
    for v in variants:
        scores[v] = {}
        for m in metrics:
            values = [r.variants[v].scores[m] for r in ok]
            low, high = mean_ci(values, opts["bootstrap_samples"], seed)
            scores[v][m] = {
                "mean": _pct(sum(values) / len(values)),
                "ci95": [_pct(low), _pct(high)],
                "n": len(values),
            }
        share = recall(r.variants[v].answer_in_context for r in ok)
        recalls[v] = None if share is None else _pct(share)
        contexts[v] = context_use([r.variants[v] for r in ok])
        if baseline is not None and v != baseline:
            deltas[v] = {}
            for m in metrics:
                res = paired_delta(
                    [r.variants[v].scores[m] for r in ok],
                    [r.variants[baseline].scores[m] for r in ok],
                    bootstrap_samples=opts["bootstrap_samples"],
                    permutation_samples=opts["permutation_samples"],
                    seed=seed,
                )
                res["delta"] = _pct(res["delta"])
                res["ci95"] = [_pct(x) for x in res["ci95"]]
                deltas[v][m] = res
    ocr_share = recall(r.ocr.answer_in_ocr if r.ocr else None for r in ok)
    return {
        "title": benchmark_title(records[0].benchmark),
        "metrics": metrics,
        "counts": {
            "samples": len(records),
            "scored": len(ok),
            "errors": dict(errors),  # by kind: data, image, ocr, generation, oom
            # broken samples evaluated again (--retry-errors), and those that now have answers
            "retried": len(retried),
            "recovered": sum(1 for r in retried if not r.broken),
        },
        "scores": scores,
        "deltas": deltas,
        # share of questions whose answer is in the context each variant injected (after the budget)
        "answer_recall": recalls,
        # the same for all the text OCR read, before formatting and budget
        "ocr_answer_recall": None if ocr_share is None else _pct(ocr_share),
        # what each variant's context cost, and how much the budget or window left out
        "context": contexts,
        "error_examples": [{"key": key, **error.model_dump()} for key, error in broken][:20],
    }


def context_use(results: list[VariantResult]) -> dict[str, Any] | None:
    """Mean context tokens and budget of a variant's samples, the share (%) of samples whose
    context a budget or the model's window cut, and of the OCR context's tokens left out.
    None for a variant without OCR context."""
    full = [r.context_full_tokens for r in results if r.context_full_tokens is not None]
    if not results or not full:
        return None
    budgets = [r.context_budget for r in results if r.context_budget is not None]
    cut = [r for r in results if r.context_full_tokens is not None and r.context_dropped]
    return {
        "mean_tokens": sum(r.context_tokens for r in results) / len(results),
        "mean_budget": sum(budgets) / len(budgets) if budgets else None,
        "cut": _pct(len(cut) / len(results)),
        "tokens_dropped": _pct(1 - sum(r.context_tokens for r in results) / sum(full))
        if sum(full)
        else 0.0,
    }


def _pct(x: float) -> float:
    return 100.0 * x
