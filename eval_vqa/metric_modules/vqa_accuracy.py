"""VQA accuracy with EvalAI answer processing, as mmf's TextVQA evaluator."""

from eval_vqa.metric_modules import base
from eval_vqa.metrics import vqa_accuracy


class VQAAccuracy(base.PerSampleModule):
    metric_name = "vqa_accuracy"
    description = (
        "TextVQA soft accuracy: EvalAI normalization of prediction and answers, then the "
        "mean over the 10 leave-one-out subsets of min(1, matches / 3). Questions with "
        "another number of answers score 1 when the prediction matches any (ST-VQA rule)."
    )
    citation = "Singh et al., Towards VQA Models That Can Read, CVPR 2019."
    score = staticmethod(vqa_accuracy)
