"""The end-of-text helpers shared by the transformers engines."""

from types import SimpleNamespace

import pytest

from ocr_expert.engines.hf_models import end_token_ids, mean_until_end


@pytest.mark.parametrize(("eos", "ids"), [(2, {2}), ([2, 7], {2, 7}), (None, set())])
def test_end_token_ids_takes_one_id_a_list_or_none(eos, ids):
    assert end_token_ids(SimpleNamespace(eos_token_id=eos)) == ids


def test_mean_until_end_stops_at_the_first_end_token_and_includes_it():
    torch = pytest.importorskip("torch")
    probs = torch.tensor([0.5, 1.0, 0.0, 0.0])
    assert mean_until_end(probs, [5, 2, 9, 9], {2}) == pytest.approx(0.75)
    assert mean_until_end(probs, [5, 6, 7, 8], {2}) == pytest.approx(0.375)
    # fewer recorded probabilities than tokens: only those recorded count
    assert mean_until_end(probs[:1], [5, 6], {2}) == pytest.approx(0.5)
    assert mean_until_end(probs[:0], [], {2}) == 0.0
