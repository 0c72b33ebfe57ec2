"""Configuration of the Qwen-VL-Chat test double (same field names as the released code)."""

from transformers import PretrainedConfig


class QWenConfig(PretrainedConfig):
    model_type = "qwen"

    def __init__(
        self,
        vocab_size=1024,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        seq_length=2048,
        visual=None,
        bf16=False,
        fp16=False,
        fp32=False,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.seq_length = seq_length
        self.visual = visual or {}
        self.bf16, self.fp16, self.fp32 = bf16, fp16, fp32
        super().__init__(**kwargs)
