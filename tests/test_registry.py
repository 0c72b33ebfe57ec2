"""The one registry type behind engines, backends, benchmarks, metrics and profiles."""

from __future__ import annotations

import sys

import pytest

from ocrvqa.errors import OcrvqaError
from ocrvqa.registry import Registry, UnknownNameError


class LookupProblem(OcrvqaError, ValueError):
    pass


def test_unknown_name_raises_the_registry_error_with_a_suggestion() -> None:
    reg: Registry[int] = Registry("colour", error=LookupProblem)
    reg.register("green", 1)
    reg.register("grey", 2)
    with pytest.raises(LookupProblem) as caught:
        reg.get("gren")
    assert str(caught.value) == "unknown colour 'gren'; known: green, grey; did you mean 'green'?"
    with pytest.raises(LookupProblem, match="known: green, grey$"):
        reg.get("purple")  # nothing close: no suggestion


def test_mapping_protocol_keeps_key_errors() -> None:
    reg: Registry[int] = Registry("colour", error=LookupProblem)
    reg.register("red", 1)
    assert reg.pop("blue", None) is None
    assert reg.get("blue", 7) == 7
    with pytest.raises(KeyError):
        reg["blue"]
    assert "red" in reg and "blue" not in reg and 3 not in reg
    assert list(reg) == ["red"] and len(reg) == 1


def test_decorator_registration() -> None:
    reg: Registry[type] = Registry("thing")

    @reg.register("box")
    class Box:
        pass

    assert reg.get("box") is Box


def test_lazy_entry_is_imported_on_first_lookup() -> None:
    sys.modules.pop("json.tool", None)
    reg: Registry[object] = Registry("tool", lazy={"json": "json.tool:main"})
    assert reg.names() == ["json"] and not reg.is_loaded("json")
    assert "json.tool" not in sys.modules
    entry = reg.get("json")
    assert entry is sys.modules["json.tool"].main and reg.is_loaded("json")


def test_normalized_names() -> None:
    reg: Registry[int] = Registry("benchmark", normalize=str.lower)
    reg.register("docvqa", 1)
    assert reg.get("DocVQA") == 1 and "DOCVQA" in reg


def test_unknown_name_error_reads_as_its_message() -> None:
    exc = UnknownNameError("unknown benchmark 'x'; known: a")
    assert isinstance(exc, KeyError) and str(exc) == "unknown benchmark 'x'; known: a"


def test_project_registries_suggest_the_close_name() -> None:
    from eval_vqa.benchmarks import get_benchmark
    from lmm_bridge.backends import BackendError, get_backend_class
    from lmm_bridge.profiles import ProfileError, resolve_profile
    from ocr_expert.engines import OCREngineError, get_engine_class

    with pytest.raises(OCREngineError, match="did you mean 'ppocr'"):
        get_engine_class("ppocrr")
    with pytest.raises(BackendError, match="did you mean 'hf'"):
        get_backend_class("hff")
    with pytest.raises(KeyError, match="did you mean 'docvqa'"):
        get_benchmark("docvq")
    with pytest.raises(ProfileError, match="did you mean 'plain'"):
        resolve_profile("plan")


def test_smoke_model_preset_sets_backend_answer_length_and_build() -> None:
    from eval_vqa.presets import preset_of
    from eval_vqa.run_folder import model_build
    from eval_vqa.tiny_model import BUILD_VERSION, TINY_MAX_NEW_TOKENS

    preset = preset_of("tiny-random-llava")
    assert preset is not None and preset.backend == "hf"
    assert preset.max_new_tokens == TINY_MAX_NEW_TOKENS
    assert model_build("tiny-random-llava") == str(BUILD_VERSION)
    assert preset_of("Qwen/Qwen-VL-Chat") is None and model_build("Qwen/Qwen-VL-Chat") is None
