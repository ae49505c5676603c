"""Reference forward pass of a Hugging Face BertForSequenceClassification directory, in plain PyTorch.

Independent of this project's Java code: it reads config.json and model.safetensors itself (the safetensors header
is JSON, the data little-endian float32), runs BERT as the paper and Hugging Face's modeling_bert.py define it
(post-LayerNorm layers, exact erf GELU, [CLS] pooler with tanh, linear classifier; heads listed in pruned_heads are
absent, as transformers' prune_heads leaves them), and prints the logits for the token ids in inputs.json as JSON. Used by reference/make-hf-golden.sh to make the golden file the export test
compares against.

usage: python3 bert_reference.py MODEL_DIR INPUTS_JSON
"""
import hashlib
import json
import math
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    body = data[8 + header_len:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32)
        tensors[name] = values.reshape(entry["shape"])
    return tensors, hashlib.sha256(data).hexdigest()


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def linear(x, w, b):
    return x @ w.T + b


def forward(config, t, input_ids, attention_mask):
    eps = config["layer_norm_eps"]
    hidden = config["hidden_size"]
    # head width comes from the unpruned count; a layer keeps the heads pruned_heads does not list
    head = hidden // config["num_attention_heads"]
    pruned = config.get("pruned_heads") or {}
    batch, length = input_ids.shape
    positions = torch.arange(length)
    x = (t["bert.embeddings.word_embeddings.weight"][input_ids]
         + t["bert.embeddings.position_embeddings.weight"][positions][None]
         + t["bert.embeddings.token_type_embeddings.weight"][torch.zeros_like(input_ids)])
    x = layer_norm(x, t["bert.embeddings.LayerNorm.weight"], t["bert.embeddings.LayerNorm.bias"], eps)
    mask = (1.0 - attention_mask.float())[:, None, None, :] * torch.finfo(torch.float32).min
    for i in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        heads = config["num_attention_heads"] - len(pruned.get(str(i), []))

        def split(y):
            return y.view(batch, length, heads, head).transpose(1, 2)

        q = split(linear(x, t[p + "attention.self.query.weight"], t[p + "attention.self.query.bias"]))
        k = split(linear(x, t[p + "attention.self.key.weight"], t[p + "attention.self.key.bias"]))
        v = split(linear(x, t[p + "attention.self.value.weight"], t[p + "attention.self.value.bias"]))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head) + mask
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, heads * head)
        attended = linear(context, t[p + "attention.output.dense.weight"], t[p + "attention.output.dense.bias"])
        x = layer_norm(attended + x, t[p + "attention.output.LayerNorm.weight"],
                       t[p + "attention.output.LayerNorm.bias"], eps)
        inner = linear(x, t[p + "intermediate.dense.weight"], t[p + "intermediate.dense.bias"])
        inner = 0.5 * inner * (1.0 + torch.erf(inner / math.sqrt(2.0)))
        out = linear(inner, t[p + "output.dense.weight"], t[p + "output.dense.bias"])
        x = layer_norm(out + x, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"], eps)
    pooled = torch.tanh(linear(x[:, 0], t["bert.pooler.dense.weight"], t["bert.pooler.dense.bias"]))
    return linear(pooled, t["classifier.weight"], t["classifier.bias"])


def main():
    model_dir, inputs_path = sys.argv[1], sys.argv[2]
    with open(f"{model_dir}/config.json") as f:
        config = json.load(f)
    assert config["architectures"] == ["BertForSequenceClassification"], config["architectures"]
    assert config["hidden_act"] == "gelu" and config["position_embedding_type"] == "absolute"
    tensors, sha256 = read_safetensors(f"{model_dir}/model.safetensors")
    with open(inputs_path) as f:
        inputs = json.load(f)
    input_ids = torch.tensor(inputs["input_ids"], dtype=torch.long)
    attention_mask = torch.tensor(inputs["attention_mask"], dtype=torch.long)
    with torch.no_grad():
        logits = forward(config, tensors, input_ids, attention_mask)
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    json.dump({
        "producer": f"reference/bert_reference.py, torch {torch.__version__}",
        "model_safetensors_sha256": sha256,
        "labels": labels,
        "input_ids": inputs["input_ids"],
        "attention_mask": inputs["attention_mask"],
        "logits": logits.tolist(),
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
