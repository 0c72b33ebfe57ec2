"""bench/context_recall.py makes label -> value questions from any page text in reading order."""

import json

from conftest import load_script

recall_bench = load_script("bench/context_recall.py")

PAGE = """CITY LIBRARY
Member: Ada Moss
Card number: 4471-22
Due date:
14 May 2024
Books borrowed 3
Fine 0.50
Fine 1.20
Please return books on time, or ask: the desk will renew them for you if nobody waits"""


def test_fields_become_questions_and_ambiguous_or_long_ones_do_not():
    pairs = dict(recall_bench.label_value_pairs(PAGE))
    assert pairs["Member"] == "Ada Moss" and pairs["Card number"] == "4471-22"
    assert pairs["Due date"] == "14 May 2024"  # a label line, its value on the next line
    assert pairs["Books borrowed"] == "3"  # a label and a number on one line
    assert "Fine" not in pairs  # two values: ambiguous
    assert not any(label.startswith("Please") for label in pairs)  # prose, not a field


def test_questions_name_the_label_and_the_image(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"image": "images/card.png", "text": PAGE}) + "\n")
    questions = list(recall_bench.label_questions(labels))
    first = questions[0]
    assert first.question == "What is the Member?" and first.answers == ("Ada Moss",)
    assert first.image == str(tmp_path / "images" / "card.png")
