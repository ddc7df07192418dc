#!/usr/bin/env python3
"""Embeds a botocore service model (operations and shapes, documentation stripped) in a C++ source.

Read at build time from the botocore installed on the build machine, never copied into the repo:
    gen_service_model.py --data-dir DIR --service iam --symbol kIamModelJson --out iam_model.cc
With --operations A,B only those operations are kept, with the shapes they reach (inputs, outputs,
errors), so a large model Sigil serves a few operations of stays small in the binary.
"""
import argparse
import glob
import gzip
import json
import os
import sys

KEEP_SHAPE_KEYS = {"type", "members", "required", "member", "key", "value", "min", "max",
                   "pattern", "enum", "flattened", "locationName", "queryName", "error",
                   "exception", "timestampFormat", "xmlAttribute", "xmlNamespace", "payload",
                   "location", "shape", "box", "idempotencyToken", "streaming", "union",
                   "sensitive"}


def load(data_dir, service):
    candidates = sorted(glob.glob(os.path.join(data_dir, service, "*", "service-2.json*")))
    if not candidates:
        sys.exit(f"no botocore model for {service} under {data_dir}")
    path = candidates[-1]  # newest API version
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f), path


def strip_ref(ref):
    """A member/element reference: keep only its wire-relevant keys."""
    return {k: v for k, v in ref.items() if k in KEEP_SHAPE_KEYS}


def strip(shape):
    out = {k: v for k, v in shape.items() if k in KEEP_SHAPE_KEYS}
    if "members" in out:  # keys here are member names, not attributes
        out["members"] = {name: strip_ref(ref) for name, ref in out["members"].items()}
    for k in ("member", "key", "value"):
        if k in out:
            out[k] = strip_ref(out[k])
    return out


def reachable_shapes(shapes, ops):
    """Names of the shapes the operations' inputs, outputs and errors refer to, transitively."""
    todo = []
    for op in ops.values():
        todo += [op[k]["shape"] for k in ("input", "output") if k in op]
        todo += [e["shape"] for e in op.get("errors", [])]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        todo += [ref["shape"] for ref in shape.get("members", {}).values()]
        todo += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--symbol", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--operations", default="",
                    help="comma-separated operation names to keep (default: all)")
    args = ap.parse_args()

    model, path = load(args.data_dir, args.service)
    ops = {}
    for name, op in model["operations"].items():
        kept = {"name": name}
        for k in ("http", "input", "output", "errors"):
            if k in op:
                kept[k] = op[k]
        ops[name] = kept
    shapes = model["shapes"]
    if args.operations:
        wanted = args.operations.split(",")
        missing = [name for name in wanted if name not in ops]
        if missing:
            sys.exit(f"{args.service} model has no operation {', '.join(missing)}")
        ops = {name: ops[name] for name in wanted}
        keep = reachable_shapes(shapes, ops)
        shapes = {name: shape for name, shape in shapes.items() if name in keep}
    compact = {
        "metadata": model["metadata"],
        "operations": ops,
        "shapes": {name: strip(shape) for name, shape in shapes.items()},
    }
    text = json.dumps(compact, separators=(",", ":"))
    # Raw string literals are split in pieces well under compiler limits.
    pieces = [text[i:i + 16000] for i in range(0, len(text), 16000)]
    body = "\n".join(f'    R"sigil_model({p})sigil_model"' for p in pieces)
    src = (f"// Generated from {path} by tools/gen_service_model.py. Do not edit.\n"
           f"#include <string_view>\n\nnamespace sigil::protocol {{\n"
           f"extern const std::string_view {args.symbol};\n"
           f"const std::string_view {args.symbol} =\n{body};\n}}  // namespace sigil::protocol\n")
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(src)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
