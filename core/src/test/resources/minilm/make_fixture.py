"""Reference token ids for the sentence fixture, from the Hugging Face tokenizers library (the reference
implementation), with the model card's truncation (256 word pieces) and no padding.
Run: V/bin/python make_fixture.py PATH/TO/tokenizer.json  (V: a venv with `tokenizers` from /opt/pypi/files)."""
import json, sys
from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])
tok.no_padding()
tok.enable_truncation(max_length=256)
sentences = [l.rstrip("\n") for l in open("sentences.txt", encoding="utf-8") if l.strip()]
out = [{"text": s, "ids": tok.encode(s).ids} for s in sentences]
with open("token-ids.json", "w", encoding="utf-8") as f:
    f.write('{"tokenizer_sha256": "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0",\n')
    f.write(' "max_tokens": 256,\n "sentences": [\n')
    f.write(",\n".join("  " + json.dumps(o, ensure_ascii=False) for o in out))
    f.write("\n ]}\n")
print(len(out), "sentences;", max(len(o["ids"]) for o in out), "tokens at most")
