"""Exact match after stripping and lower-casing (OCR-VQA, as Qwen-VL evaluates it)."""

from eval_vqa.metric_modules import base
from eval_vqa.metrics import exact_match


class ExactMatch(base.PerSampleModule):
    metric_name = "exact_match"
    description = "1 when the stripped, lower-cased prediction equals a ground truth, else 0."
    score = staticmethod(exact_match)
