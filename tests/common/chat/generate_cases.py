#!/usr/bin/env python3
"""Generates random (but seeded, so reproducible) chat-template snippets for the differential test:
expressions, filters, tests and statements over a fixed context. Output: a JSON array of
{"name", "template", "context"}. Outputs whose text depends on object addresses (generators, bound
methods) are never printed directly, integers stay small (the engine's ints are 64-bit), and escape/safe are
left out (the engine has no Markup type; see the engine's known differences).
  generate_cases.py SEED COUNT"""
import json
import random
import sys

CONTEXT = {
    "s": "Hello World", "e": "", "w": "  padded text \n", "u": "Ünïcödé straße 日本", "n": 7, "z": 0, "neg": -3,
    "f": 2.5, "g": 0.1, "t": True, "no": None,
    "l": [3, 1, 2], "ls": ["b", "A", "c", "a"], "nested": [[1, 2], [3]], "empty": [],
    "d": {"b": 2, "a": 1}, "m": {"role": "user", "content": "hi", "tags": ["x", "y"]},
    "msgs": [{"role": "system", "content": "sys"}, {"role": "user", "content": "Q?"},
             {"role": "assistant", "content": "A.", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}],
}

STR_ATOMS = ["s", "e", "w", "u", "'abc'", "'a,b,,c'", "' Mixed Case '", "'x'", "m.role", "m.content", "msgs[1].content",
             "ls[0]", "'42'", "'3.5'", "\"q'uote\""]
INT_ATOMS = ["n", "z", "neg", "0", "1", "2", "3", "-1", "10", "l[0]", "d.a", "t"]
FLOAT_ATOMS = ["f", "g", "0.5", "2.0", "1e3", "-1.25"]
LIST_ATOMS = ["l", "ls", "nested", "empty", "[1, 2, 3]", "['x', 'y']", "m.tags", "msgs", "(1, 'a')", "(range(4)|list)"]
DICT_ATOMS = ["d", "m", "{'k': 1, 'j': 'v'}", "{}", "msgs[2].tool_calls[0].function"]
MISC_ATOMS = ["no", "nope", "none", "true", "false", "m.missing", "d.zz"]

STR_FILTERS = ["upper", "lower", "title", "capitalize", "trim", "length", "string", "wordcount", "first", "last",
               "reverse|join", "list", "tojson", "int", "float", "center(12)", "indent(2)", "truncate(6)", "replace('l', 'L')",
               "replace('', '-', 2)", "default('D')", "default('D', true)", "striptags", "format"]
LIST_FILTERS = ["length", "first", "last", "sort", "sort(reverse=true)", "unique|list", "reverse|list", "list",
                "join(',')", "join", "tojson", "min", "max", "sum", "map('string')|list", "map('upper')|list",
                "select|list", "reject|list", "select('odd')|list", "batch(2)|list", "slice(2)|list",
                "selectattr('role', 'eq', 'user')|list", "map(attribute='role')|list", "string", "default([0])",
                "dictsort", "items|list", "groupby('role')|list", "map(attribute='content')|join('|')"]
NUM_FILTERS = ["abs", "round", "round(1)", "int", "float", "string", "tojson", "default(5)", "filesizeformat",
               "round(0, 'ceil')", "round(1, 'floor')"]
DICT_FILTERS = ["length", "list", "tojson", "tojson(indent=2)", "tojson(sort_keys=true)", "dictsort",
                "dictsort(by='value')", "items|list", "first", "string", "sort", "default({})"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "mapping", "sequence",
         "iterable", "odd", "even", "divisibleby(2)", "divisibleby 3", "in [1, 'a', 2.5]", "eq 1", "ne 'x'",
         "gt 2", "lt 0", "true", "false", "lower", "upper", "callable", "sameas none"]
STR_METHODS = ["upper()", "lower()", "strip()", "lstrip()", "rstrip()", "split()", "split(',')", "split(' ', 1)",
               "rsplit(' ', 1)", "startswith('H')", "endswith('d')", "replace('o', '0')", "find('o')", "rfind('o')",
               "count('l')", "title()", "capitalize()", "swapcase()", "isdigit()", "isalpha()", "islower()",
               "center(15, '*')", "ljust(13, '.')", "zfill(14)", "partition(' ')", "splitlines()", "strip('Hd')",
               "format(1)", "join(['1', '2'])", "removeprefix('He')"]
BINOPS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]


class Gen:
    def __init__(self, rng):
        self.r = rng

    def atom(self):
        pool = self.r.choice([STR_ATOMS, INT_ATOMS, FLOAT_ATOMS, LIST_ATOMS, DICT_ATOMS, MISC_ATOMS])
        return self.r.choice(pool), pool

    def expr(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.25:
            return self.atom()[0]
        kind = r.randrange(10)
        if kind == 0:
            return f"{self.expr(depth - 1)} {r.choice(BINOPS)} {self.expr(depth - 1)}"
        if kind == 1:
            atom, pool = self.atom()
            filters = {id(STR_ATOMS): STR_FILTERS, id(INT_ATOMS): NUM_FILTERS, id(FLOAT_ATOMS): NUM_FILTERS,
                       id(LIST_ATOMS): LIST_FILTERS, id(DICT_ATOMS): DICT_FILTERS}.get(id(pool), STR_FILTERS)
            if r.random() < 0.2:
                filters = r.choice([STR_FILTERS, NUM_FILTERS, LIST_FILTERS, DICT_FILTERS])
            return f"{atom}|{r.choice(filters)}"
        if kind == 2:
            return f"({self.expr(depth - 1)}) is {r.choice(['not ', ''])}{r.choice(TESTS)}"
        if kind == 3:
            return f"{r.choice(STR_ATOMS)}.{r.choice(STR_METHODS)}"
        if kind == 4:
            return f"{self.expr(depth - 1)} if {self.expr(depth - 1)} else {self.expr(depth - 1)}"
        if kind == 5:
            seq = r.choice(LIST_ATOMS + STR_ATOMS[:5])
            a, b, c = (r.choice(["", "-1", "0", "1", "2", "5", "-3"]) for _ in range(3))
            return f"{seq}[{a}:{b}{':' + c if c and c != '0' else ''}]" if r.random() < 0.6 else f"{seq}[{r.choice(['0', '1', '-1', '7'])}]"
        if kind == 6:
            return f"not {self.expr(depth - 1)}"
        if kind == 7:
            return f"[{self.expr(depth - 1)}, {self.expr(depth - 1)}]"
        if kind == 8:
            return f"-({self.expr(depth - 1)})"
        return f"{r.choice(DICT_ATOMS)}.{r.choice(['items()|list', 'keys()|list', 'values()|list', 'get(' + repr('a') + ')', 'get(' + repr('zz') + ', 0)'])}"

    def layout(self, depth=0):
        """Text and tags with random whitespace and -/+ controls: exercises trim_blocks, lstrip_blocks and
        whitespace control the way chat templates lay themselves out."""
        r = self.r
        spaces = ["", " ", "  ", "\t", "\n", "\n\n", "  \n", "\n  ", " \n \n ", "\r\n", "\u00a0"]
        out = []
        for _ in range(r.randrange(1, 5)):
            out.append(r.choice(spaces) + r.choice(["", "a", "text", "x y"]) + r.choice(spaces))
            left = r.choice(["", "-", "+"])
            right = r.choice(["", "-", "+"])
            kind = r.randrange(6)
            if kind == 0:
                out.append("{{" + r.choice(["", "-"]) + " 'v' " + r.choice(["", "-"]) + "}}")
            elif kind == 1:
                out.append("{#" + left + " note " + r.choice(["", "-", "+"]) + "#}")
            elif kind == 2 and depth < 2:
                out.append("{%" + left + " if " + r.choice(["true", "false"]) + " " + right + "%}")
                out.append(self.layout(depth + 1))
                if r.random() < 0.5:
                    out.append(r.choice(spaces) + "{%" + r.choice(["", "-", "+"]) + " else " + r.choice(["", "-", "+"]) + "%}")
                    out.append(self.layout(depth + 1))
                out.append(r.choice(spaces) + "{%" + r.choice(["", "-", "+"]) + " endif " + r.choice(["", "-", "+"]) + "%}")
            elif kind == 3 and depth < 2:
                out.append("{%" + left + " for i in [1, 2] " + right + "%}")
                out.append(self.layout(depth + 1) + "{{ i }}")
                out.append(r.choice(spaces) + "{%" + r.choice(["", "-", "+"]) + " endfor " + r.choice(["", "-", "+"]) + "%}")
            elif kind == 4:
                out.append("{%" + left + " set q = 1 " + right + "%}")
            else:
                out.append("{%" + left + " raw " + right + "%}" + r.choice(spaces) + "{{ raw }}" + r.choice(spaces) +
                           "{%" + r.choice(["", "-"]) + " endraw " + r.choice(["", "-"]) + "%}")
        out.append(r.choice(spaces) + r.choice(["", "end", "\n"]))
        return "".join(out)

    def scoping(self, depth=0):
        """Nested for/if/with/macro/set blocks that read and assign a few names: exercises which scope
        a {% set %} lands in and what each scope sees."""
        r = self.r
        out = []
        for _ in range(r.randrange(1, 4)):
            kind = r.randrange(9 if depth < 3 else 3)
            name = r.choice(["a", "b"])
            if kind == 0:
                out.append("[{{ a|default('-') }}{{ b|default('-') }}{{ x|default('-') }}]")
            elif kind == 1:
                out.append("{% set " + name + " = (" + r.choice(["a", "b", "x"]) + "|default(0)) + " + str(r.randrange(1, 9)) + " %}")
            elif kind == 2:
                out.append("{% set ns.v = ns.v ~ (" + name + "|default('_')) %}")
            elif kind == 3:
                out.append("{% if " + r.choice(["true", "false", "a is defined", "x is defined"]) + " %}" +
                           self.scoping(depth + 1) + "{% else %}" + self.scoping(depth + 1) + "{% endif %}")
            elif kind == 4:
                seq = r.choice(["[1, 2]", "[]", "[3]"])
                els = "{% else %}" + self.scoping(depth + 1) if r.random() < 0.3 else ""
                out.append("{% for x in " + seq + " %}" + self.scoping(depth + 1) + els + "{% endfor %}")
            elif kind == 5:
                out.append("{% with " + name + " = " + str(r.randrange(10, 20)) + " %}" + self.scoping(depth + 1) + "{% endwith %}")
            elif kind == 6:
                mname = f"m{depth}{r.randrange(100)}"
                out.append("{% macro " + mname + "(p=1) %}" + self.scoping(depth + 1) + "{% endmacro %}{{ " + mname + "() }}")
            elif kind == 7:
                out.append("{% set blk %}" + self.scoping(depth + 1) + "{% endset %}<{{ blk }}>")
            else:
                out.append("{% filter upper %}" + self.scoping(depth + 1) + "{% endfilter %}")
        return "".join(out)

    def template(self):
        r = self.r
        if r.random() < 0.15:
            return "{% set ns = namespace(v='') %}" + self.scoping() + "[{{ a|default('-') }}{{ b|default('-') }}]{{ ns.v }}"
        if r.random() < 0.25:
            return self.layout()
        kind = r.randrange(6)
        e = self.expr(3)
        if kind <= 2:
            return "{{ " + e + " }}"
        if kind == 3:
            return "{% if " + e + " %}yes{% elif " + self.expr(2) + " %}elif{% else %}no{% endif %}"
        if kind == 4:
            seq = r.choice(LIST_ATOMS + DICT_ATOMS + STR_ATOMS[:4])
            cond = f" if {r.choice(['x', 'loop is defined', 'x is string', 'x != 1'])}" if r.random() < 0.3 else ""
            return ("{% for x in " + seq + cond + " %}{{ loop.index }}:{{ x }}{{ ',' if not loop.last }}"
                    "{% else %}empty{% endfor %}")
        return ("{%- set ns = namespace(acc=[]) -%}{%- for x in " + r.choice(LIST_ATOMS) +
                " -%}{%- set ns.acc = ns.acc + [x " + r.choice(BINOPS) + " " + self.expr(1) + "] -%}{%- endfor -%}{{ ns.acc }}")


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    gen = Gen(random.Random(seed))
    cases = [{"name": f"seed{seed}/{i}", "template": gen.template(), "context": CONTEXT} for i in range(count)]
    json.dump(cases, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
