#!/usr/bin/env python3
"""Export teacher models to TorchScript for the label service.

The label service loads a teacher from a TorchScript file (``*.pt``) with this contract:

    forward(input_ids, attention_mask[, token_type_ids]) -> logits

    input_ids, attention_mask, token_type_ids: int64 tensors [batch, sequence]
    logits: one float tensor [batch, classes], raw (before softmax)

The script has three modes.

Export a fine-tuned Hugging Face sequence classifier (needs ``torch`` and ``transformers``)::

    python3 teachers/export_torchscript.py --hf-model path/to/model --out teacher.pt --max-length 128

Build one of the small test fixtures (needs ``torch`` only)::

    python3 teachers/export_torchscript.py --fixture tiny-teacher --out tiny-teacher.pt --seed 0

    tiny-teacher   a one-layer transformer classifier that meets the contract (2 classes)
    wrong-inputs   forward(x) with one float tensor [batch, 4]: breaks the input contract
    wrong-outputs  forward(input_ids, attention_mask) returning hidden states [batch, seq, 8]:
                   breaks the output contract

Write reference logits of a TorchScript model on fixed inputs, for tests::

    python3 teachers/export_torchscript.py --golden tiny-teacher.pt --out tiny-teacher.golden.json

Every model export is traced with ``torch.jit.trace``, saved, loaded back and run on a batch of another size and
length than the one it was traced on, so a graph that baked in the example's shape fails here rather than in
the service.
"""

import argparse
import json
import math
import os
import sys
import tempfile

import torch
from torch import nn

# Fixed golden inputs: BERT uncased word-piece ids, padded with 0 ([PAD]).
GOLDEN_INPUT_IDS = [
    [101, 2023, 3185, 2003, 2307, 102, 0, 0, 0, 0],  # [CLS] this movie is great [SEP]
    [101, 6659, 1998, 11771, 102, 0, 0, 0, 0, 0],  # [CLS] terrible and boring [SEP]
    [101, 1037, 2877, 1010, 6057, 2143, 2007, 2307, 3772, 102],  # [CLS] a leading, funny film with great acting [SEP]
]

# Traced graphs are checked on a batch whose size and length both differ from the tracing example.
TRACE_SHAPE = (2, 8)
CHECK_SHAPE = (3, 11)
TOLERANCE = 1e-5

BERT_VOCAB_SIZE = 30522


def example_batch(batch, length, vocab_size, seed):
    """Random ids with [CLS] ... [SEP] framing and right padding of varying length (never an empty row)."""
    generator = torch.Generator().manual_seed(seed)
    first_id = min(1000, vocab_size // 2)
    input_ids = torch.randint(first_id, vocab_size, (batch, length), generator=generator, dtype=torch.int64)
    attention_mask = torch.ones(batch, length, dtype=torch.int64)
    for row in range(batch):
        # Row 0 is full length; later rows are shorter, so padding is exercised.
        real = max(2, length - 3 * row)
        input_ids[row, 0] = min(101, vocab_size - 1)
        input_ids[row, real - 1] = min(102, vocab_size - 1)
        input_ids[row, real:] = 0
        attention_mask[row, real:] = 0
    return input_ids, attention_mask


# ---------------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------------


class SelfAttention(nn.Module):
    """Multi-head self-attention written with matmul and softmax, so a trace keeps batch and length symbolic."""

    def __init__(self, hidden, heads):
        super().__init__()
        if hidden % heads != 0:
            raise ValueError("hidden size must be divisible by the number of heads")
        self.heads = heads
        self.head_size = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)

    def split_heads(self, x):
        # [B, S, H] -> [B, heads, S, head_size]; sizes come from the tensor so the trace records them.
        return x.view(x.size(0), x.size(1), self.heads, self.head_size).transpose(1, 2)

    def forward(self, x, attention_mask):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        # Padding keys get a large negative score; finite rather than -inf so a fully padded row gives no NaN.
        pad = (1.0 - attention_mask[:, None, None, :].to(scores.dtype)) * -1e4
        weights = torch.softmax(scores + pad, dim=-1)
        context = torch.matmul(weights, v).transpose(1, 2).contiguous()
        context = context.view(context.size(0), context.size(1), -1)
        return self.output(context)


class EncoderLayer(nn.Module):
    """Post-LayerNorm transformer encoder layer (as in BERT): attention, then a GELU feed-forward block."""

    def __init__(self, hidden, heads, feed_forward):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden)
        self.feed_forward_in = nn.Linear(hidden, feed_forward)
        self.feed_forward_out = nn.Linear(feed_forward, hidden)
        self.output_norm = nn.LayerNorm(hidden)

    def forward(self, x, attention_mask):
        x = self.attention_norm(x + self.attention(x, attention_mask))
        y = self.feed_forward_out(torch.nn.functional.gelu(self.feed_forward_in(x)))
        return self.output_norm(x + y)


class TinyTeacher(nn.Module):
    """A one-layer transformer classifier over the BERT uncased vocabulary that meets the teacher contract."""

    def __init__(self, vocab_size=BERT_VOCAB_SIZE, hidden=16, max_positions=128, heads=2, feed_forward=32,
                 num_classes=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.encoder = EncoderLayer(hidden, heads, feed_forward)
        self.classifier = nn.Linear(hidden, num_classes)
        # A buffer rather than torch.arange in forward: a trace would fix arange's device to the tracing
        # device, while a buffer moves with the model (to a GPU, say).
        self.register_buffer("position_ids", torch.arange(max_positions, dtype=torch.int64)[None, :])

    def init_weights(self):
        # Explicit initialisation, so the weights depend only on the seed and not on torch's default schemes.
        # The classifier is scaled up so the logits are clearly non-zero and differ between inputs.
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, nn.Embedding):
                    module.weight.normal_(0.0, 1.0)
                elif isinstance(module, nn.Linear):
                    module.weight.normal_(0.0, 0.25)
                    module.bias.normal_(0.0, 0.02)
                elif isinstance(module, nn.LayerNorm):
                    module.weight.fill_(1.0)
                    module.bias.zero_()
            self.classifier.weight.normal_(0.0, 0.5)
            self.classifier.bias.normal_(0.0, 0.1)

    def forward(self, input_ids, attention_mask):
        positions = self.position_ids[:, : input_ids.size(1)]
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)
        x = self.encoder(x, attention_mask)
        # Mean over real tokens only; the clamp keeps an all-padding row finite.
        mask = attention_mask.to(x.dtype)[:, :, None]
        pooled = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.classifier(pooled)


class WrongInputs(nn.Module):
    """Takes one float tensor x [batch, 4] instead of token ids and an attention mask."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x):
        return self.linear(x)


class WrongOutputs(nn.Module):
    """Takes the right inputs but returns hidden states [batch, seq, 8] instead of logits [batch, classes]."""

    def __init__(self, vocab_size=100, hidden=8):
        super().__init__()
        self.vocab_size = vocab_size
        self.embeddings = nn.Embedding(vocab_size, hidden)

    def forward(self, input_ids, attention_mask):
        # Ids are folded into the small vocabulary, so BERT ids are accepted and only the output is wrong.
        hidden = self.embeddings(torch.remainder(input_ids, self.vocab_size))
        return hidden * attention_mask.to(hidden.dtype)[:, :, None]


def build_fixture(name, seed):
    """Returns (eager module, example inputs for tracing, check inputs of another shape)."""
    torch.manual_seed(seed)
    if name == "tiny-teacher":
        model = TinyTeacher()
        model.init_weights()
        vocab = BERT_VOCAB_SIZE
    elif name == "wrong-inputs":
        model = WrongInputs()
        example = (torch.randn(TRACE_SHAPE[0], 4),)
        check = (torch.randn(CHECK_SHAPE[0], 4),)
        return model.eval(), example, check
    elif name == "wrong-outputs":
        model = WrongOutputs()
        vocab = 100
    else:
        raise ValueError("unknown fixture " + name)
    example = example_batch(*TRACE_SHAPE, vocab_size=vocab, seed=seed + 1)
    check = example_batch(*CHECK_SHAPE, vocab_size=vocab, seed=seed + 2)
    return model.eval(), example, check


def strip_debug_info(path):
    """Rewrites a TorchScript file without its *.debug_pkl records.

    Those records map the graph back to Python source lines and hold the absolute paths of the exporting
    script and of the torch installation, so the fixtures would differ between machines. Models load and run
    the same without them; only error messages lose their Python source locations.
    """
    reader = torch._C.PyTorchFileReader(path)
    version_record = ".data/version" if reader.has_record(".data/version") else "version"
    version = int(reader.get_record(version_record).decode("ascii").strip())
    records = [(name, reader.get_record(name)) for name in reader.get_all_records()
               if name != version_record and not name.endswith(".debug_pkl")]
    del reader
    # The writer names the archive's top folder after the file, so write under the same name, then move.
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as scratch:
        stripped = os.path.join(scratch, os.path.basename(path))
        writer = torch._C.PyTorchFileWriter(stripped)
        writer.set_min_version(version)
        for name, data in records:
            writer.write_record(name, data, len(data))
        writer.write_end_of_file()
        del writer
        os.replace(stripped, path)


def export_fixture(name, out, seed):
    model, example, check = build_fixture(name, seed)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        torch.jit.save(traced, out)
        strip_debug_info(out)
        loaded = torch.jit.load(out)
        expected = model(*check)
        actual = loaded(*check)
    if actual.shape != expected.shape:
        fail("%s: traced model gives shape %s on a %s batch, eager mode gives %s"
             % (name, tuple(actual.shape), tuple(check[0].shape), tuple(expected.shape)))
    difference = (actual - expected).abs().max().item()
    if not difference <= TOLERANCE:
        fail("%s: traced model differs from eager mode by %g on a %s batch (traced on %s); the trace is not "
             "shape-generic" % (name, difference, tuple(check[0].shape), tuple(example[0].shape)))
    print("%s: wrote %s; traced on %s, matches eager mode on %s (max difference %.2g), output %s"
          % (name, out, tuple(example[0].shape), tuple(check[0].shape), difference, tuple(actual.shape)))


# ---------------------------------------------------------------------------------------------------------------
# Golden logits
# ---------------------------------------------------------------------------------------------------------------


def write_golden(model_file, out):
    model = torch.jit.load(model_file)
    model.eval()
    input_ids = torch.tensor(GOLDEN_INPUT_IDS, dtype=torch.int64)
    attention_mask = (input_ids != 0).to(torch.int64)
    with torch.no_grad():
        logits = model(input_ids, attention_mask)
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or logits.size(0) != input_ids.size(0):
        fail("%s does not return logits [batch, classes]" % model_file)
    golden = {
        "input_ids": input_ids.tolist(),
        "attention_mask": attention_mask.tolist(),
        # float32 values widened to double, so they are written exactly.
        "logits": logits.to(torch.float32).tolist(),
    }
    # One row per line keeps the file readable and its diffs small.
    text = "{\n" + ",\n".join(
        '  "%s": [\n%s\n  ]' % (key, ",\n".join("    " + json.dumps(row) for row in rows))
        for key, rows in golden.items()) + "\n}\n"
    if json.loads(text) != golden:
        fail("golden JSON does not round-trip")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print("golden: wrote %s with logits %s" % (out, golden["logits"]))


# ---------------------------------------------------------------------------------------------------------------
# Hugging Face export
# ---------------------------------------------------------------------------------------------------------------


class LogitsOnly(nn.Module):
    """Wraps a Hugging Face classifier so forward returns the logits tensor alone, not a tuple or a dict."""

    def __init__(self, model, with_token_type_ids):
        super().__init__()
        self.model = model
        self.with_token_type_ids = with_token_type_ids

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if self.with_token_type_ids:
            outputs = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        else:
            outputs = self.model(input_ids=input_ids, attention_mask=attention_mask)
        # With torchscript=True the model returns a tuple whose first element is the logits.
        return outputs[0]


def export_hf(model_dir, out, max_length, with_token_type_ids):
    try:
        from transformers import AutoModelForSequenceClassification
    except ImportError:
        fail("--hf-model needs the transformers package (pip install transformers); it is not installed for %s"
             % sys.executable)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, torchscript=True)
    model.eval()
    wrapper = LogitsOnly(model, with_token_type_ids).eval()
    vocab_size = int(getattr(model.config, "vocab_size", BERT_VOCAB_SIZE))
    max_positions = int(getattr(model.config, "max_position_embeddings", max_length) or max_length)
    if max_length > max_positions:
        fail("--max-length %d exceeds the model's %d positions" % (max_length, max_positions))

    def inputs(batch, length, seed):
        ids, mask = example_batch(batch, length, vocab_size, seed)
        return (ids, mask, torch.zeros_like(ids)) if with_token_type_ids else (ids, mask)

    # Trace at the full length the service will use; check on a shorter batch of another size.
    example = inputs(2, max_length, 1)
    check = inputs(3, max(3, min(max_length - 1, 11)), 2)
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, example)
        torch.jit.save(traced, out)
        loaded = torch.jit.load(out)
        expected = wrapper(*check)
        actual = loaded(*check)
    if actual.dim() != 2 or actual.size(0) != check[0].size(0) or not actual.is_floating_point():
        fail("exported model returns %s %s for a batch of %d; expected float logits [batch, classes]"
             % (actual.dtype, tuple(actual.shape), check[0].size(0)))
    difference = (actual - expected).abs().max().item()
    # Looser than for the fixtures: large models accumulate more rounding differences between graph and eager.
    if not difference <= 1e-3:
        fail("exported model differs from the original by %g on a %s batch; the trace is not shape-generic"
             % (difference, tuple(check[0].shape)))
    print("wrote %s: %d classes, inputs %s, traced on %s, checked on %s (max difference %.2g)"
          % (out, actual.size(1),
             "input_ids, attention_mask, token_type_ids" if with_token_type_ids else "input_ids, attention_mask",
             tuple(example[0].shape), tuple(check[0].shape), difference))


# ---------------------------------------------------------------------------------------------------------------


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Export teacher models to TorchScript with the label service's contract:\n"
                    "  forward(input_ids, attention_mask[, token_type_ids]) -> logits\n"
                    "  inputs int64 [batch, seq]; logits float [batch, classes]",
        epilog="examples:\n"
               "  %(prog)s --hf-model ./my-finetuned-bert --out teacher.pt --max-length 128\n"
               "  %(prog)s --fixture tiny-teacher --out tiny-teacher.pt --seed 0\n"
               "  %(prog)s --golden tiny-teacher.pt --out tiny-teacher.golden.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--hf-model", metavar="DIR",
                      help="directory of a fine-tuned Hugging Face sequence classifier (needs transformers)")
    mode.add_argument("--fixture", choices=["tiny-teacher", "wrong-inputs", "wrong-outputs"],
                      help="build a small test model (needs torch only)")
    mode.add_argument("--golden", metavar="FILE.pt",
                      help="run a TorchScript model on fixed inputs and write its logits as JSON")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="output file: .pt for --hf-model and --fixture, .json for --golden")
    parser.add_argument("--max-length", type=int, default=128,
                        help="--hf-model: sequence length to trace with; use the label service's "
                             "label.teacher-max-length (default: 128)")
    parser.add_argument("--token-type-ids", action="store_true",
                        help="--hf-model: also take token_type_ids as a third input (sentence-pair models)")
    parser.add_argument("--seed", type=int, default=0, help="--fixture: weight seed (default: 0)")
    args = parser.parse_args(argv)

    # One thread keeps results bit-for-bit repeatable from run to run.
    torch.set_num_threads(1)
    if args.hf_model:
        export_hf(args.hf_model, args.out, args.max_length, args.token_type_ids)
    elif args.fixture:
        export_fixture(args.fixture, args.out, args.seed)
    else:
        write_golden(args.golden, args.out)


if __name__ == "__main__":
    main()
