#!/usr/bin/env python3
"""Reference renderer for Basalt's chat-template tests: renders Jinja2 templates exactly the way Hugging Face
transformers' apply_chat_template does (transformers/utils/chat_template_utils.py, _compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols extension and a
{% generation %} tag, globals raise_exception and strftime_now, and transformers' own tojson filter.

Batch mode keeps the tests fast (one interpreter for many cases):
  render_reference.py CASES.json   CASES.json = [{"template": str, "context": {...}}, ...]
prints a JSON array with one {"ok": true, "output": str} or {"ok": false, "error": str} per case.
Single mode, for looking at one case by hand:
  render_reference.py --template FILE --context FILE   prints the rendering (exit 1 and the error on failure)
"""
import argparse
import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker parses {% generation %}...{% endgeneration %} and renders the body
    unchanged (it only records offsets for return_assistant_tokens_mask)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers overrides jinja2's tojson: no HTML escaping, non-ASCII kept.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def make_environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template, context):
    try:
        return {"ok": True, "output": env.from_string(template).render(**context)}
    except Exception as e:  # any failure is a result the C++ engine must also report as an error
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?")
    parser.add_argument("--template")
    parser.add_argument("--context")
    args = parser.parse_args()
    env = make_environment()
    if args.template:
        with open(args.template, encoding="utf-8", newline="") as f:
            template = f.read()
        context = {}
        if args.context:
            with open(args.context, encoding="utf-8") as f:
                context = json.load(f)
        result = render(env, template, context)
        if not result["ok"]:
            print(result["error"], file=sys.stderr)
            return 1
        sys.stdout.buffer.write(result["output"].encode("utf-8", "surrogatepass"))
        return 0
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    results = [render(env, case["template"], case.get("context", {})) for case in cases]
    sys.stdout.buffer.write(json.dumps(results, ensure_ascii=True).encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
