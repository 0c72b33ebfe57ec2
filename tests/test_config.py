"""Run configs: YAML + key=value overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eval_vqa.config import (
    ConfigError,
    apply_overrides,
    load_config,
    resolve_config_path,
    shipped_configs,
)

BASE = {
    "name": "t",
    "model": "some/model",
    "benchmarks": ["mini_scene"],
    "variants": ["none", "tokens"],
}


def test_every_shipped_config_validates_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ here: the names resolve inside the package
    names = list(shipped_configs())
    assert {"smoke", "seed_table5"} <= set(names)
    for name in names:
        assert Path(str(resolve_config_path(name))).parent.parts[-2:] == ("eval_vqa", "configs")
        config = load_config(name)
        assert config.benchmarks and config.variants
    assert load_config("smoke.yaml").name == "smoke"
    with pytest.raises(
        ConfigError, match="config not found: nosuch .*one of: .*seed_table5.*smoke"
    ):
        load_config("nosuch")


def test_the_repository_configs_folder_is_the_shipped_one(monkeypatch):
    repo = Path(__file__).resolve().parents[1]
    assert (repo / "configs").resolve() == (repo / "eval_vqa" / "configs").resolve()
    monkeypatch.chdir(repo)
    assert load_config("configs/smoke.yaml").name == "smoke"


def test_a_configs_folder_in_the_current_folder_comes_first(tmp_path, monkeypatch):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "smoke.yaml").write_text(yaml.safe_dump(dict(BASE, name="mine")))
    monkeypatch.chdir(tmp_path)
    assert load_config("smoke").name == "mine"


def test_seed_config_is_the_papers_setup():
    config = load_config("seed_table5")
    assert config.model == "Qwen/Qwen-VL-Chat"
    assert [b.name for b in config.benchmarks] == ["stvqa", "textvqa", "docvqa", "infovqa"]
    assert [v.name for v in config.variants] == ["none", "tokens"]
    assert config.report.metric == "anls"


def test_overrides_are_dotted_and_yaml_typed():
    config = load_config(
        "smoke",
        [
            "model=Qwen/Qwen-VL-Chat",
            "limit=50",
            "ocr.engine=tesseract",
            "ocr.options={lang: ara}",
            "benchmarks.0.split=validation",
            "progress=false",
        ],
    )
    assert config.model == "Qwen/Qwen-VL-Chat"
    assert config.limit == 50 and isinstance(config.limit, int)
    assert config.ocr.engine == "tesseract" and config.ocr.options == {"lang": "ara"}
    assert config.benchmarks[0].split == "validation"
    assert config.progress is False


def test_override_replaces_a_list_and_a_bare_name_means_a_benchmark():
    config = load_config(dict(BASE), ["benchmarks=[mini_doc, docvqa]", "variants=lines"])
    assert [b.name for b in config.benchmarks] == ["mini_doc", "docvqa"]
    assert [v.name for v in config.variants] == ["lines"]


def test_overrides_leave_the_source_untouched():
    data = {"ocr": {"engine": "ppocr"}}
    out = apply_overrides(data, ["ocr.engine=tesseract", "new.key=1"])
    assert data == {"ocr": {"engine": "ppocr"}}
    assert out == {"ocr": {"engine": "tesseract"}, "new": {"key": 1}}


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        (["ocr.engin=tesseract"], "ocr.engin: unknown key"),
        (["batch_sise=4"], "batch_sise: unknown key"),
        (["batch_size=0"], "batch_size"),
        (["batch_size=many"], "batch_size"),
        (["ocr.mode=sideways"], "ocr.mode"),
        (["benchmarks.0.limit=-3"], "benchmarks.0.limit"),
        (["benchmarks=[nosuchbench]"], "benchmarks.0.name"),
        (["variants=[nosuchvariant]"], "variants"),
        (["ocr.engine=nosuchengine"], "ocr.engine"),
        (["report.metric=bleu"], "report.metric"),
        (["report.bootstrap_samples=3"], "report.bootstrap_samples"),
        (["plugins=[no_such_module_here]"], "plugins.0"),
        (["limit"], "limit"),
        (["model.name=x"], "model"),
        (["benchmarks.7.limit=1"], "benchmarks.7"),
        (
            ["report.baseline=nosuchvariant"],
            "report.baseline: 'nosuchvariant' is not one of the run's variants",
        ),
        (["backend=nosuchbackend"], "backend: unknown backend 'nosuchbackend'"),
        (["dtype=fp17"], "dtype: unknown dtype 'fp17'"),
    ],
)
def test_bad_settings_raise_errors_naming_the_key(overrides, names):
    with pytest.raises(ConfigError) as info:
        load_config(dict(BASE), overrides)
    assert names in str(info.value)


def test_missing_model_is_named():
    with pytest.raises(ConfigError, match="model: required key is missing"):
        load_config({"benchmarks": ["mini_scene"]})


def test_duplicate_variant_names_are_refused():
    with pytest.raises(
        ConfigError,
        match=r"variants: two variants share a name \(tokens, tokens\); give each a name",
    ):
        load_config(dict(BASE, variants=["tokens", {"name": "tokens", "format": "lines"}]))


def test_a_benchmark_named_by_its_yaml_file_is_registered(tmp_path, monkeypatch):
    from eval_vqa.benchmarks import BENCHMARKS

    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "signs.yaml").write_text(
        yaml.safe_dump(
            {
                "include": "_default.yaml",  # not beside it: the shipped template
                "name": "my_signs",
                "split": "test",
                "default_source": "signs.jsonl",
            }
        )
    )
    monkeypatch.chdir(tmp_path)  # a relative file name is read from the current folder
    try:
        config = load_config(
            dict(BASE, benchmarks=["mini_doc", {"name": "defs/signs.yaml", "limit": 3}])
        )
        assert [b.name for b in config.benchmarks] == ["mini_doc", "my_signs"]
        assert BENCHMARKS["my_signs"].default_source == str(tmp_path / "defs" / "signs.jsonl")
        with pytest.raises(ConfigError, match="benchmarks: a benchmark is listed twice"):
            load_config(dict(BASE, benchmarks=["my_signs", "defs/signs.yaml"]))
    finally:
        BENCHMARKS.pop("my_signs", None)
    with pytest.raises(
        ConfigError, match="benchmarks.1.name: .*nosuch.yaml: cannot read the benchmark file"
    ):
        load_config(dict(BASE, benchmarks=["mini_doc", "nosuch.yaml"]))


def test_yaml_file_errors_name_the_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listed)
    with pytest.raises(ConfigError, match="config not found: .*nothing-here.yaml"):
        load_config(tmp_path / "nothing-here.yaml")


def test_config_file_round_trip(tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_text(
        yaml.safe_dump(dict(BASE, ocr={"engine": "tesseract", "options": {"lang": "eng"}}))
    )
    config = load_config(path, ["name=other"])
    assert config.run_dir == Path("runs/other/model")
    assert config.ocr.options == {"lang": "eng"}


def test_fingerprint_ignores_scheduling_but_not_what_changes_answers():
    base = load_config(dict(BASE))
    same = load_config(
        dict(BASE), ["ocr.workers=4", "ocr.overlap=false", "limit=10", "batch_size=2"]
    )
    other_model = load_config(dict(BASE), ["model=other/model"])
    other_variants = load_config(dict(BASE), ["variants=[none, lines]"])
    assert base.fingerprint() == same.fingerprint()
    assert base.fingerprint() != other_model.fingerprint()
    assert base.fingerprint() != other_variants.fingerprint()


def test_output_folder_names_the_model_so_runs_of_two_models_never_mix():
    tiny = load_config("smoke")
    real = load_config("smoke", ["model=Qwen/Qwen-VL-Chat"])
    assert tiny.run_dir == Path("runs/smoke/tiny-random-llava")
    assert real.run_dir == Path("runs/smoke/Qwen-VL-Chat")
    with pytest.raises(ConfigError, match="output_dir"):
        _ = load_config("smoke", ["output_dir=runs/{nme}"]).run_dir


def test_a_run_without_the_default_baseline_is_valid_and_a_chosen_baseline_is_kept():
    assert (
        load_config(dict(BASE), ["variants=[tokens, lines]"]).report.baseline == "none"
    )  # no deltas, no error
    assert load_config(dict(BASE), ["report.baseline=tokens"]).report.baseline == "tokens"
    assert load_config(dict(BASE), ["dtype=bf16", "backend=qwen-vl-chat"]).dtype == "bf16"


def test_a_variant_option_is_checked_when_the_config_loads():
    # the variant model is nested in the run config: its mistakes are named before anything runs
    with pytest.raises(
        ConfigError, match=r"variants\.1: variant 't2': budget_tokens: .*greater than or equal to 0"
    ):
        load_config(
            dict(BASE, variants=["tokens", {"name": "t2", "format": "lines", "budget_tokens": -1}])
        )
    with pytest.raises(ConfigError, match=r"variants\.1: variant 't2': colour: unknown key"):
        load_config(
            dict(BASE, variants=["tokens", {"name": "t2", "format": "lines", "colour": "red"}])
        )
    config = load_config(
        dict(BASE, variants=["tokens", {"name": "short", "base": "lines", "budget_tokens": 64}])
    )
    assert config.variants[1].format == "lines" and config.variants[1].budget_tokens == 64


def test_run_json_records_builtin_variants_by_name():
    # what run.json and the resume fingerprint see: built-ins as written, others in full
    config = load_config(
        dict(BASE, variants=["none", {"name": "short", "base": "lines", "budget_tokens": 64}])
    )
    dumped = config.model_dump(mode="json")["variants"]
    assert dumped[0] == "none"
    assert (
        dumped[1]["name"] == "short"
        and dumped[1]["format"] == "lines"
        and dumped[1]["budget_tokens"] == 64
    )
    assert (
        load_config(dict(BASE, variants=[{"name": "none"}])).fingerprint()
        == load_config(dict(BASE, variants=["none"])).fingerprint()
    )


def test_engine_and_backend_options_are_checked_when_the_config_loads():
    # a misspelt option is named before any benchmark opens or model loads
    with pytest.raises(
        ConfigError,
        match=r"ocr\.options: .*'txt_score': unknown option \(known options: .*text_score",
    ):
        load_config("smoke", ["ocr.options.txt_score=0.5"])
    with pytest.raises(
        ConfigError, match=r"model_kwargs: hf backend: attn_implementation: unknown key"
    ):
        load_config("smoke", ["model_kwargs.attn_implementation=eager"])
    config = load_config(
        "smoke",
        ["model_kwargs.model_options.attn_implementation=eager", "ocr.options.text_score=0.4"],
    )
    assert config.model_kwargs["model_options"] == {"attn_implementation": "eager"}
    assert config.ocr.options == {"text_score": 0.4}
