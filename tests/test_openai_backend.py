"""The ``openai`` backend against a real HTTP server on 127.0.0.1 that the tests start and
script to fail: what a user relies on when the model is served (vLLM, SGLang, a hosted API).

No test waits on a backoff: the client's waits are recorded (or the config caps them at 0).
The one timeout case waits a fraction of a second, bounded by the server's scripted delay.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from openai_server import ScriptedServer
from PIL import Image
from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import ConfigError, load_config
from eval_vqa.console import main
from eval_vqa.log import read_records
from eval_vqa.runner import run
from eval_vqa.tiny_models import make_ocr_result
from lmm_bridge import OCRAugmentedVLM
from lmm_bridge.backends import BackendError, load_backend
from lmm_bridge.messages import GenerationRequest
from ocrvqa.openai_api import ChatClient, EndpointError, EndpointSettings, retry_after

KEY = "sk-test-9f3a1c77-do-not-print"
KEY_ENV = "OCRVQA_TEST_API_KEY"


@pytest.fixture
def server():
    with ScriptedServer() as s:
        yield s


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return KEY


def _client(server: ScriptedServer, **settings: Any) -> tuple[ChatClient, list[float]]:
    client = ChatClient(EndpointSettings(base_url=server.url, **settings), "served-model")
    waits: list[float] = []
    client.sleep = waits.append
    return client, waits


def _user_text(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": text}]}]


# -- what is sent -----------------------------------------------------------------------
def test_a_request_is_greedy_with_the_image_as_full_detail_data_and_the_key_in_the_header(
    server, key, tmp_path
):
    image = tmp_path / "sign.png"
    Image.new("RGB", (300, 120), "white").save(image)
    backend = load_backend("openai", "served-model", base_url=server.url, api_key_env=KEY_ENV)
    request = GenerationRequest.one_image(
        str(image), 'What is it?\nOCR_token: ["exit"]', max_new_tokens=7
    )
    assert backend.generate([request]) == ["exit"]

    body, headers = server.bodies[0], server.headers[0]
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert (body["model"], body["temperature"], body["max_tokens"], body["n"]) == (
        "served-model",
        0,
        7,
        1,
    )
    image_part, text_part = body["messages"][0]["content"]
    assert text_part == {"type": "text", "text": request.text}
    assert image_part["image_url"]["detail"] == "high"
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size == (300, 120)
    # the prompt logged is the message as sent, with the image data left out
    logged = json.loads(backend.render_prompt(request))
    assert (
        logged[0]["content"][1]["text"] == request.text
        and "base64,..." in logged[0]["content"][0]["image_url"]["url"]
    )


def test_max_side_shrinks_a_large_image_keeping_its_shape(server):
    backend = load_backend("openai", "m", base_url=server.url, max_side=100, system="Be brief.")
    backend.generate([GenerationRequest.one_image(Image.new("RGB", (400, 200), "white"), "Q?")])
    system, user = server.bodies[0]["messages"]
    assert system == {"role": "system", "content": "Be brief."}
    url = user["content"][0]["image_url"]["url"]
    assert Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size == (100, 50)


def test_a_batch_is_sent_concurrently_and_answers_keep_their_order(server):
    backend = load_backend("openai", "m", base_url=server.url, concurrency=4)
    texts = [f'Q{i}?\nOCR_token: ["w{i}"]' for i in range(10)]
    answers = backend.generate(
        [GenerationRequest.one_image(Image.new("RGB", (20, 20)), t) for t in texts]
    )
    assert answers == [f"w{i}" for i in range(10)] and len(server.bodies) == 10


# -- failures, one request ----------------------------------------------------------------
@pytest.mark.parametrize("fault", ["500", "503", "close", "malformed", "empty", "nochoices"])
def test_a_passing_failure_is_retried_until_answered(server, fault):
    server.faults = [fault, fault]
    client, waits = _client(server, retries=2, backoff=0.5)
    assert client.complete(_user_text('OCR_token: ["open"]'), 5) == "open"
    assert server.served == [fault, fault, "ok"]
    assert (
        len(waits) == 2 and 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0
    )  # doubling, jittered


def test_429_waits_as_long_as_retry_after_says(server):
    server.faults, server.retry_after = ["429"], "7"
    client, waits = _client(server, backoff=0.01)
    assert client.complete(_user_text("x"), 5) == "unknown"
    assert waits == [7.0]
    assert (
        retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
        and retry_after("2.5") == 2.5
        and retry_after("soon") is None
    )


def test_a_request_that_outlives_the_timeout_is_sent_again(server):
    server.faults, server.slow_s = ["slow"], 0.6
    client, waits = _client(server, timeout=0.2)
    assert client.complete(_user_text("x"), 5) == "unknown"
    assert server.served == ["slow", "ok"] and len(waits) == 1


def test_after_the_last_retry_the_error_says_why(server):
    server.faults = ["503"] * 3
    client, _ = _client(server, retries=2)
    with pytest.raises(EndpointError, match=r"gave up after 3 tries: HTTP 503: .*try again later"):
        client.complete(_user_text("x"), 5)


def test_a_refused_request_is_not_retried(server):
    server.faults = ["echo401"]
    client, waits = _client(server)
    with pytest.raises(EndpointError, match="HTTP 401, not retried") as info:
        client.complete(_user_text("x"), 5)
    assert waits == [] and len(server.bodies) == 1 and "invalid credentials" in str(info.value)


def test_no_server_listening_is_a_connection_failure(server):
    server.stop()
    client, _waits = _client(server, retries=1)
    with pytest.raises(
        EndpointError, match=r"gave up after 2 tries: connection failed \(ConnectError"
    ):
        client.complete(_user_text("x"), 5)


# -- the key -----------------------------------------------------------------------------
def test_a_missing_key_variable_is_one_line_naming_it(monkeypatch, server):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(
        BackendError, match=f"api_key_env: the environment variable {KEY_ENV} is not set"
    ):
        load_backend("openai", "m", base_url=server.url, api_key_env=KEY_ENV)


def test_the_key_itself_is_never_an_option_and_never_echoed(tmp_path):
    source = make_benchmark(tmp_path / "data", n=2)
    with pytest.raises(ConfigError) as info:
        load_config(
            config_dict(
                tmp_path,
                source,
                backend="openai",
                model="m",
                model_kwargs={"base_url": "http://127.0.0.1:9/v1", "api_key": KEY},
            )
        )
    assert "api_key: unknown key" in str(info.value) and KEY not in str(info.value)


def _openai_config(
    tmp_path: Path, server: ScriptedServer, n: int = 6, **kwargs: Any
) -> dict[str, Any]:
    source = make_benchmark(tmp_path / "data", n=n)
    options = {
        "base_url": server.url,
        "retries": 1,
        "backoff": 0,
        "max_wait": 0,
        "timeout": 5,
        **kwargs,
    }
    return config_dict(
        tmp_path, source, backend="openai", model="served-model", model_kwargs=options
    )


def test_the_key_appears_in_no_file_log_or_message_of_a_run(tmp_path, server, key, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    server.faults = ["echo401"]  # one sample's request refused, the server quoting the key back
    data = _openai_config(tmp_path, server, api_key_env=KEY_ENV)
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(data))
    assert main(["eval", str(path)]) == 0
    assert all(h["Authorization"] == f"Bearer {KEY}" for h in server.headers)  # it was sent
    records = read_records(Path(data["output_dir"]))
    broken = [r for r in records if r.broken]
    assert len(broken) == 1 and broken[0].error is not None
    assert "HTTP 401" in broken[0].error.reason and "[key hidden]" in broken[0].error.reason
    written = [p for p in Path(data["output_dir"]).rglob("*") if p.is_file()]
    assert {"run.json", "results.json", "samples.jsonl", "index.html"} <= {p.name for p in written}
    leaks = [str(p) for p in written if KEY.encode() in p.read_bytes()]
    out, err = capsys.readouterr()
    assert leaks == [] and KEY not in out + err + caplog.text


# -- failures, a whole run ----------------------------------------------------------------
def test_every_sample_ends_answered_or_logged_and_retry_errors_recovers_them(tmp_path, server):
    # three variants x six samples; with one retry allowed, a fault twice in a row breaks a sample
    server.faults = [
        "429",
        "ok",
        "500",
        "500",
        "ok",
        "close",
        "close",
        "slow",
        "slow",
        "malformed",
        "malformed",
        "503",
        "ok",
        "empty",
        "nochoices",
    ]
    server.slow_s = 0.3
    config = load_config(_openai_config(tmp_path, server, n=6, concurrency=1, timeout=0.15))
    first = run(config, shard=ALONE, report=False)
    records = read_records(config.run_dir)
    assert first.written == 6 and len(records) == 6
    broken = [r for r in records if r.broken]
    assert first.errors == len(broken) >= 3
    errors = [r.error for r in broken if r.error is not None]
    assert len(errors) == len(broken) and {e.kind for e in errors} == {"generation"}
    reasons = " ".join(e.reason for e in errors)
    for why in ("HTTP 500", "connection failed", "no answer within 0.15 s", "malformed response"):
        assert why in reasons
    for r in records:  # answered samples have every variant; broken ones none (pairs stay intact)
        assert (
            (len(r.variants) == 0) if r.broken else (set(r.variants) == {"none", "tokens", "lines"})
        )

    retry = run(config, shard=ALONE, retry_errors=True, report=False)
    assert (retry.retried, retry.recovered, retry.errors) == (len(broken), len(broken), 0)
    final = read_records(config.run_dir)
    assert len(final) == len({r.key for r in final}) == 6 and not any(r.broken for r in final)
    assert {r.variants["tokens"].prediction for r in final} == {r.answers[0] for r in final}


def test_a_server_restarted_mid_run_loses_nothing(tmp_path, server):
    config = load_config(_openai_config(tmp_path, server, n=6))
    server.stop()  # down: every request of this run fails to connect
    down = run(config, shard=ALONE, report=False)
    assert down.errors == 6 and all(
        r.error is not None and "connection failed" in r.error.reason
        for r in read_records(config.run_dir)
    )
    server.start()  # back, on the same address
    again = run(config, shard=ALONE, retry_errors=True, report=False)
    assert (again.recovered, again.errors) == (6, 0)
    assert len(read_records(config.run_dir)) == 6


def test_a_served_model_name_is_passed_as_it_is(tmp_path, server):
    data = _openai_config(tmp_path, server, n=2)
    data["model"] = "tiny-random-llava"  # a bundled tiny model's name: served, not built here
    summary = run(load_config(data), shard=ALONE, report=False)
    assert summary.errors == 0 and {b["model"] for b in server.bodies} == {"tiny-random-llava"}
    run_file = json.loads((Path(data["output_dir"]) / "run.json").read_text())
    assert run_file["backend"] == "openai"


def test_missing_base_url_is_one_line_before_anything_loads(tmp_path):
    source = make_benchmark(tmp_path / "data", n=2)
    with pytest.raises(
        ConfigError, match="model_kwargs: openai backend: base_url: required key is missing"
    ):
        load_config(config_dict(tmp_path, source, backend="openai", model="m"))


def test_the_bridge_asks_a_served_model_with_sanitized_ocr_context(server):
    vlm = OCRAugmentedVLM(model="m", backend="openai", ocr=None, base_url=server.url)
    ocr = make_ocr_result(
        [[("PHARMACY", (0, 0, 10, 10), 0.9), ("<|im_end|>", (12, 0, 20, 10), 0.9)]]
    )
    answer = vlm.ask(Image.new("RGB", (20, 20)), "What shop?", variant="tokens", ocr_result=ocr)
    assert answer.text == "pharmacy"  # the tokens format lower-cases, as the seed did
    sent = server.bodies[0]["messages"][0]["content"][1]["text"]
    assert sent.startswith("What shop?\nOCR_token: [") and "<|im_end|>" not in sent
    assert json.loads(answer.prompt.full_prompt)[0]["content"][1]["text"] == sent


def test_a_run_may_resume_with_more_patience_but_not_another_server(tmp_path, server):
    data = _openai_config(tmp_path, server, n=3)
    run(load_config(data), shard=ALONE, report=False)
    patient = dict(
        data, model_kwargs={**data["model_kwargs"], "timeout": 600, "retries": 20, "concurrency": 2}
    )
    assert run(load_config(patient), shard=ALONE, report=False).skipped == 3
    elsewhere = dict(
        data, model_kwargs={**data["model_kwargs"], "base_url": "http://127.0.0.1:9/v1"}
    )
    with pytest.raises(ConfigError, match="changed: model_kwargs"):
        run(load_config(elsewhere), shard=ALONE)
