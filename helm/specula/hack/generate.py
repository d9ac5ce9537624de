#!/usr/bin/env python3
"""Generates values.schema.json and the parameter tables of README.md from values.yaml.

values.yaml is the single source: every value carries a `## @param <dotted.key> <description>` comment
(Bitnami readme-generator format) and `## @section <title>` lines group them. Types come from the default
values; hack/schema-overlay.yaml adds enums, patterns, ranges and free-form objects.

    python3 helm/specula/hack/generate.py          # rewrite values.schema.json and README.md
    python3 helm/specula/hack/generate.py --check  # exit 1 if either is stale (CI-friendly)

Needs Python 3 and PyYAML (Debian: python3-yaml). deploy-tests checks the same invariants in Java (every value
documented and typed; bad values rejected), so a stale file is caught by `mvn verify` too.
"""
import copy
import fnmatch
import json
import re
import sys
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parent.parent
PARAM = re.compile(r"^\s*## @param (\S+)\s*(.*)$")
SECTION = re.compile(r"^\s*## @section (.+)$")
BEGIN, END = "<!-- params:begin -->", "<!-- params:end -->"


def read_params(text):
    """Ordered list of (section, key, description)."""
    section, out = "Parameters", []
    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            section = m.group(1).strip()
            continue
        m = PARAM.match(line)
        if m:
            out.append((section, m.group(1), m.group(2).strip()))
    return out


def leaves(node, documented, prefix=""):
    """Dotted paths that need a @param: scalars, lists, empty maps, and maps documented as a whole (resources)."""
    if isinstance(node, dict) and node and prefix not in documented:
        for k, v in node.items():
            yield from leaves(v, documented, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix


def matches(pattern, path):
    p, s = pattern.split("."), path.split(".")
    return len(p) == len(s) and all(fnmatch.fnmatchcase(b, a) for a, b in zip(p, s))


def infer(value):
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        items = infer(value[0]) if value and not isinstance(value[0], (dict, list)) else {}
        return {"type": "array", "items": items} if items else {"type": "array"}
    if isinstance(value, dict):
        return {"type": "object"}
    return {}


def deep_merge(base, extra):
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def build(node, path, docs, overlay):
    rules = [rule for pattern, rule in overlay.items() if matches(pattern, path)] if path else []
    if any("$ref" in r for r in rules):
        schema = {}
        for r in rules:
            schema = deep_merge(schema, r)
        if "$ref" in schema:
            schema = {"$ref": schema["$ref"]}
    elif isinstance(node, dict) and node:
        props = {k: build(v, f"{path}.{k}" if path else k, docs, overlay) for k, v in node.items()}
        schema = {"type": "object", "additionalProperties": False, "properties": props}
        for r in rules:
            schema = deep_merge(schema, r)
    else:
        schema = infer(node)
        for r in rules:
            schema = deep_merge(schema, r)
    if path in docs:
        schema = {"description": docs[path], **schema}
    if path and "$ref" not in schema and not (isinstance(node, dict) and node):
        schema["default"] = node
    return schema


def fmt_default(value):
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    return f"`{json.dumps(value, separators=(',', ':'))}`"


def readme_tables(params, values):
    def lookup(path):
        node = values
        for part in path.split("."):
            node = node[part]
        return node

    out, current = [], None
    for section, key, desc in params:
        if section != current:
            out += ["", f"### {section}", "", "| Name | Description | Value |", "| ---- | ----------- | ----- |"]
            current = section
        desc = desc.replace("|", "\\|")
        default = fmt_default(lookup(key)).replace("|", "\\|")
        out.append(f"| `{key}` | {desc} | {default} |")
    return "\n".join(out).strip() + "\n"


def main():
    check = "--check" in sys.argv
    text = (CHART / "values.yaml").read_text()
    values = yaml.safe_load(text)
    params = read_params(text)
    docs = {k: d for _, k, d in params}
    documented = set(docs)
    actual = set(leaves(values, documented))
    problems = [f"undocumented value: {k}" for k in sorted(actual - documented)]
    problems += [f"@param for a missing value: {k}" for k in sorted(documented - actual)]
    if problems:
        sys.exit("\n".join(problems))

    ov = yaml.safe_load((CHART / "hack" / "schema-overlay.yaml").read_text())
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Values of the Specula Helm chart (generated by hack/generate.py from values.yaml)",
        **build(values, "", docs, ov["paths"]),
        "definitions": ov["definitions"],
    }
    schema_text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"

    readme_path = CHART / "README.md"
    readme = readme_path.read_text()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    new_readme = readme[:start] + "\n" + readme_tables(params, values) + readme[end:]

    stale = []
    for path, new in ((CHART / "values.schema.json", schema_text), (readme_path, new_readme)):
        if not path.exists() or path.read_text() != new:
            stale.append(path.name)
            if not check:
                path.write_text(new)
    if check and stale:
        sys.exit("stale, run helm/specula/hack/generate.py: " + ", ".join(stale))
    print("up to date" if not stale else "wrote " + ", ".join(stale))


if __name__ == "__main__":
    main()
