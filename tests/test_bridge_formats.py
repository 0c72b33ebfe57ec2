"""Context formats produce exactly the documented strings; variants come from config."""

import pytest

from eval_vqa.tiny_models import make_ocr_result
from lmm_bridge.context import assemble_text, build_context
from lmm_bridge.formats import scale_box
from lmm_bridge.variants import VariantError, VariantSpec, get_variant, parse_variants


def words(text: str) -> int:  # a stand-in tokenizer: one token per whitespace word
    return len(text.split())


def context(result, variant, box_style="plain"):
    spec = get_variant(variant)
    return build_context(
        result, spec, count_tokens=words, control_strings=["<img>"], box_style=box_style
    ).text


@pytest.fixture
def sign():
    return make_ocr_result(
        [
            [("Honghe", (10, 10, 110, 40), 0.98), ("22", (120, 10, 160, 40), 0.95)],
            [("Open Daily", (10, 60, 200, 90), 0.9)],
        ],
        width=400,
        height=200,
    )


def test_tokens_format_is_the_papers_quoted_list(sign):
    assert context(sign, "tokens") == 'OCR_token: ["honghe", "22", "open", "daily"]'


def test_tokens_can_keep_case_and_list_lines(sign):
    spec = {"name": "doc-tokens", "format": "tokens", "lowercase": False, "unit": "line"}
    assert context(sign, spec) == 'OCR_token: ["Honghe 22", "Open Daily"]'


def test_tokens_escape_quotes_inside_words():
    result = make_ocr_result([[('say "hi"', (0, 0, 10, 10), 0.9)]])
    assert context(result, "tokens") == 'OCR_token: ["say", "\\"hi\\""]'


def test_llava_format(sign):
    assert context(sign, "llava") == "Reference OCR token: Honghe, 22, Open, Daily"


def test_lines_format_keeps_reading_order(sign):
    assert context(sign, "lines") == "OCR text:\nHonghe 22\nOpen Daily"


def test_lines_keep_arabic_text_in_logical_order():
    arabic = make_ocr_result(
        [[("مرحبا بكم", (200, 10, 390, 40), 0.9)], [("سوق", (300, 60, 390, 90), 0.9)]],
        direction="rtl",
    )
    assert context(arabic, "lines") == "OCR text:\nمرحبا بكم\nسوق"


def test_boxes_in_qwen_vl_grounding_syntax(sign):
    assert context(sign, "boxes", box_style="qwen-vl") == (
        "OCR text with positions:\n"
        "<ref>Honghe 22</ref><box>(25,50),(400,200)</box>\n"
        "<ref>Open Daily</ref><box>(25,300),(500,450)</box>"
    )


def test_boxes_plain_form_for_backends_without_grounding_tags(sign):
    assert context(sign, "boxes", box_style="plain") == (
        "OCR text with positions:\nHonghe 22 [25,50,400,200]\nOpen Daily [25,300,500,450]"
    )


def test_variant_box_style_overrides_backend(sign):
    spec = {"name": "plain-boxes", "format": "boxes", "box_style": "plain"}
    assert "<ref>" not in context(sign, spec, box_style="qwen-vl")


def test_box_coordinates_are_clamped_to_the_0_1000_grid():
    assert scale_box((-5, 0, 400, 250), (400, 200)) == (0, 0, 999, 999)
    assert scale_box((100, 50, 200, 100), (400, 200)) == (250, 250, 500, 500)


def test_no_text_read_gives_the_plain_question():
    empty = make_ocr_result([])
    assert context(empty, "tokens") == ""
    assert assemble_text("What?", "", get_variant("tokens")) == "What?"


def test_assembly_after_before_lead_in_and_instruction(sign):
    after = get_variant("llava")
    assert assemble_text("Q?", "CTX", after, "Answer briefly.") == "Q?\nCTX\nAnswer briefly."
    before = after.replace(position="before", separator=" | ")
    assert assemble_text("Q?", "CTX", before) == "CTX | Q?"
    lead = get_variant("tokens-lead-in")
    assert assemble_text("what is it?", "OCR_token: []", lead) == (
        "Please answer the following questions based on OCR token and Pictures, "
        "what is it?\nOCR_token: []"
    )


def test_llava_full_text_matches_llava_textvqa_prompt(sign):
    text = assemble_text(
        "What is written?",
        context(sign, "llava"),
        get_variant("llava"),
        "Answer the question using a single word or phrase.",
    )
    assert text == (
        "What is written?\nReference OCR token: Honghe, 22, Open, Daily\n"
        "Answer the question using a single word or phrase."
    )


def test_min_score_hides_low_confidence_units(sign):
    spec = VariantSpec(name="sure", format="llava", min_score=0.92)
    info = build_context(sign, spec, count_tokens=words, control_strings=[])
    assert info.text == "Reference OCR token: Honghe, 22"
    assert info.dropped == [("Open", "below_min_score"), ("Daily", "below_min_score")]


def test_parse_variants_from_config_items():
    variants = parse_variants(
        [
            "none",
            {"name": "tokens", "budget_tokens": 50},
            {"name": "docs", "format": "lines", "label": "Text:\n"},
        ]
    )
    assert [v.name for v in variants] == ["none", "tokens", "docs"]
    assert variants[1].format == "tokens" and variants[1].budget_tokens == 50
    assert variants[2].option("label") == "Text:\n"


@pytest.mark.parametrize(
    "item, message",
    [
        ("nope", "unknown variant 'nope'"),
        ({"name": "x"}, "variant 'x': a new variant needs a format"),
        (
            {"name": "x", "format": "html"},
            "variant 'x': format: Input should be 'none', 'tokens', "
            "'llava', 'lines' or 'boxes' (got 'html')",
        ),
        ({"name": "x", "format": "lines", "colour": "red"}, "variant 'x': colour: unknown key"),
        ({"name": "x", "format": "lines", "budget_tokens": -1}, "variant 'x': budget_tokens: "),
        (
            {"name": "x", "format": "lines", "budget_tokens": "5"},
            "budget_tokens: Input should be a valid integer",
        ),
        ({"format": "lines"}, "name: required key is missing"),
        (7, "a variant must be a name, a mapping or a VariantSpec, got 7"),
        (["none", "none"], "used twice"),
    ],
)
def test_bad_variants_are_named_in_the_error(item, message):
    with pytest.raises(VariantError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_variants(item if isinstance(item, list) else [item])


def test_variants_are_checked_when_built_or_changed_too():
    with pytest.raises(
        VariantError, match="variant 'y': unit: Input should be 'word', 'line' or 'span'"
    ):
        VariantSpec(name="y", format="lines", unit="page")
    with pytest.raises(VariantError, match="variant 'tokens': budget_tokens"):
        get_variant("tokens").replace(budget_tokens=-5)
    assert get_variant("tokens").replace(budget_tokens=5) == get_variant(
        {"name": "tokens", "budget_tokens": 5}
    )


def test_a_mapping_extends_a_builtin_by_name_or_base():
    lead = get_variant({"name": "mine", "base": "tokens-lead-in", "budget_tokens": 9})
    assert lead.format == "tokens" and lead.lead_in.startswith("Please answer")
    assert (lead.name, lead.budget_tokens) == ("mine", 9)


def test_boxes_fall_back_to_lines_when_the_engine_gives_no_boxes_and_say_so(sign):
    from lmm_bridge.context import NO_BOXES_NOTE

    written = make_ocr_result([[("Annual report", None, 0.9)], [("Total 3.50", None, 0.8)]])
    info = build_context(
        written, get_variant("boxes"), count_tokens=words, control_strings=[], box_style="qwen-vl"
    )
    assert info.text == "OCR text:\nAnnual report\nTotal 3.50"  # what the lines format gives
    assert info.note == NO_BOXES_NOTE
    boxed = build_context(sign, get_variant("boxes"), count_tokens=words, control_strings=[])
    assert boxed.note is None and "[" in boxed.text
    plain = build_context(written, get_variant("lines"), count_tokens=words, control_strings=[])
    assert plain.note is None
