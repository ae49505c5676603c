"""Loads an exported student as a user of Hugging Face transformers would, and its ONNX export in ONNX Runtime.

Independent of this project's Java code: AutoTokenizer and AutoModelForSequenceClassification read the Hugging Face
directory (config.json, model.safetensors, tokenizer files) and compute the logits; ONNX Runtime runs the ONNX export
on the same token ids. Prints, as JSON, the transformers version, what from_pretrained reported (missing, unexpected
and mismatched weights), the labels, and both sets of logits. Used by distill-local's TransformersExportTest.

usage: python transformers_check.py HF_DIR ONNX_FILE SENTENCES_JSON
"""
import json
import sys

import numpy
import onnxruntime
import torch
import transformers


def main(hf_dir, onnx_file, sentences_file):
    with open(sentences_file, encoding="utf-8") as f:
        sentences = json.load(f)
    tokenizer = transformers.AutoTokenizer.from_pretrained(hf_dir)
    model, loading = transformers.AutoModelForSequenceClassification.from_pretrained(
        hf_dir, output_loading_info=True)
    model.eval()
    encoded = tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        hf_logits = model(**encoded).logits.numpy()
    session = onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    feeds = {}
    for graph_input in session.get_inputs():
        if graph_input.name in encoded:
            feeds[graph_input.name] = encoded[graph_input.name].numpy().astype(numpy.int64)
        else:
            feeds[graph_input.name] = numpy.zeros_like(encoded["input_ids"].numpy(), dtype=numpy.int64)
    onnx_logits = session.run(None, feeds)[0]
    print(json.dumps({
        "transformers": transformers.__version__,
        "loading": {key: sorted(str(item) for item in value) for key, value in loading.items()},
        "labels": [model.config.id2label[i] for i in range(model.config.num_labels)],
        "hf_logits": hf_logits.tolist(),
        "onnx_logits": onnx_logits.tolist(),
    }))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
