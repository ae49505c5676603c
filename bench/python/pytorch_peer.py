"""The PyTorch side of bench/peers: what a user would run instead of this project, on the same models and batches.

A BERT classifier written as Hugging Face's modeling_bert.py runs it by default (nn.Linear, nn.Embedding,
nn.LayerNorm, exact GELU, scaled_dot_product_attention, dropout 0.1 while training), loaded from the Hugging Face
directories the Java side exports (config.json + model.safetensors, read by reference/bert_reference.py), so both
sides start from identical weights. The Java benchmark drives this process over stdin/stdout, one JSON object per
line, so that its repetitions interleave with the Java ones while this process stays warm:

  {"op": "setup", "teacher": DIR, "student": DIR, "batches": FILE, "alpha": a, "temperature": t, "lr": lr}
  {"op": "infer"}  teacher forward over every batch (inference mode)        -> {"examplesPerSecond", "meanMillis"}
  {"op": "train"}  one KD step of a fresh student and Adam per batch,
                   on the teacher logits in the batches file                -> {"examplesPerSecond", "meanMillis"}
  {"op": "kd"}     offline KD: teacher forward + student step per batch     -> {"examplesPerSecond", "meanMillis"}

usage: python3 pytorch_peer.py THREADS
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))
from bert_reference import read_safetensors  # noqa: E402  (the project's independent safetensors reader)


class SelfAttention(nn.Module):
    def __init__(self, hidden, heads, head_size):
        super().__init__()
        self.heads, self.head_size = heads, head_size
        self.query = nn.Linear(hidden, heads * head_size)
        self.key = nn.Linear(hidden, heads * head_size)
        self.value = nn.Linear(hidden, heads * head_size)

    def forward(self, x, mask):
        batch, length, _ = x.shape

        def split(y):
            return y.view(batch, length, self.heads, self.head_size).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.query(x)), split(self.key(x)), split(self.value(x)),
                                                 attn_mask=mask, dropout_p=0.1 if self.training else 0.0)
        return context.transpose(1, 2).reshape(batch, length, self.heads * self.head_size)


class Dense(nn.Module):
    """dense + dropout + residual + LayerNorm: Hugging Face's BertSelfOutput and BertOutput."""

    def __init__(self, inputs, hidden, eps):
        super().__init__()
        self.dense = nn.Linear(inputs, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Layer(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        hidden, head_size = c["hidden_size"], c["hidden_size"] // c["num_attention_heads"]
        self.attention = nn.Module()
        self.attention.self = SelfAttention(hidden, heads, head_size)
        self.attention.output = Dense(heads * head_size, hidden, c["layer_norm_eps"])
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden, c["intermediate_size"])
        self.output = Dense(c["intermediate_size"], hidden, c["layer_norm_eps"])

    def forward(self, x, mask):
        x = self.attention.output(self.attention.self(x, mask), x)
        return self.output(F.gelu(self.intermediate.dense(x)), x)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        hidden, pruned = c["hidden_size"], c.get("pruned_heads") or {}
        self.bert = nn.Module()
        self.bert.embeddings = nn.Module()
        self.bert.embeddings.word_embeddings = nn.Embedding(c["vocab_size"], hidden)
        self.bert.embeddings.position_embeddings = nn.Embedding(c["max_position_embeddings"], hidden)
        self.bert.embeddings.token_type_embeddings = nn.Embedding(c["type_vocab_size"], hidden)
        self.bert.embeddings.LayerNorm = nn.LayerNorm(hidden, eps=c["layer_norm_eps"])
        self.embedding_dropout = nn.Dropout(0.1)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList(
            Layer(c, c["num_attention_heads"] - len(pruned.get(str(i), []))) for i in range(c["num_hidden_layers"]))
        self.bert.pooler = nn.Module()
        self.bert.pooler.dense = nn.Linear(hidden, hidden)
        self.classifier_dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(hidden, len(c["id2label"]))

    def forward(self, ids, mask):
        e = self.bert.embeddings
        positions = torch.arange(ids.shape[1])
        x = e.word_embeddings(ids) + e.position_embeddings(positions)[None] + e.token_type_embeddings(
            torch.zeros_like(ids))
        x = self.embedding_dropout(e.LayerNorm(x))
        bias = ((1.0 - mask.float()) * torch.finfo(torch.float32).min)[:, None, None, :]
        for layer in self.bert.encoder.layer:
            x = layer(x, bias)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return self.classifier(self.classifier_dropout(pooled))


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    model = BertForSequenceClassification(config)
    tensors, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{model_dir}: missing {missing}, unexpected {unexpected}")
    return model


def kd_loss(student_logits, teacher_logits, gold, alpha, temperature):
    """alpha * CE(student, gold) + (1 - alpha) * T^2 * KL(teacher_T || student_T), Hinton et al. 2015."""
    soft = F.kl_div(F.log_softmax(student_logits / temperature, -1), F.softmax(teacher_logits / temperature, -1),
                    reduction="batchmean")
    return alpha * F.cross_entropy(student_logits, gold) + (1 - alpha) * temperature ** 2 * soft


class Peer:
    def __init__(self, setup):
        self.setup = setup
        self.teacher = load(setup["teacher"]).eval()
        with open(setup["batches"]) as f:
            raw = json.load(f)
        self.batches = [(torch.tensor(b["ids"]), torch.tensor(b["mask"]), torch.tensor(b["gold"]),
                         torch.tensor(b["teacherLogits"], dtype=torch.float32)) for b in raw]
        self.examples = sum(len(b[0]) for b in self.batches)

    def fresh_student(self):
        student = load(self.setup["student"]).train()
        return student, torch.optim.Adam(student.parameters(), lr=self.setup["lr"])

    def step(self, student, optimizer, ids, mask, gold, teacher_logits):
        loss = kd_loss(student(ids, mask), teacher_logits, gold, self.setup["alpha"], self.setup["temperature"])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def run(self, op):
        student, optimizer = self.fresh_student() if op in ("train", "kd") else (None, None)
        start = time.perf_counter()
        for ids, mask, gold, logits in self.batches:
            if op == "infer":
                with torch.inference_mode():
                    self.teacher(ids, mask)
            elif op == "train":
                self.step(student, optimizer, ids, mask, gold, logits)
            else:
                with torch.inference_mode():
                    teacher_logits = self.teacher(ids, mask)
                self.step(student, optimizer, ids, mask, gold, teacher_logits.clone())
        seconds = time.perf_counter() - start
        return {"examplesPerSecond": self.examples / seconds, "meanMillis": 1e3 * seconds / len(self.batches)}


def main():
    torch.set_num_threads(int(sys.argv[1]))
    torch.manual_seed(42)
    peer = None
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "setup":
            peer = Peer(command)
            answer = {"torch": torch.__version__, "threads": torch.get_num_threads(), "examples": peer.examples}
        else:
            answer = peer.run(command["op"])
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
