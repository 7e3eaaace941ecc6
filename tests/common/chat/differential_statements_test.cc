// Statements, whitespace control and scoping, rendered by the engine and by Python jinja2.
#include "gtest/gtest.h"
#include "tests/common/chat/reference_render.h"

namespace basalt::chat::testing {
namespace {

TEST(DifferentialStatements, WhitespaceControl) {
  ExpectMatchesPython({
      {"trim_blocks", "a\n{% if true %}\nb\n{% endif %}\nc\n"},
      {"lstrip_blocks", "x\n    {% if true %}\n    y\n    {% endif %}\nz"},
      {"lstrip_only_whitespace_prefix", "x  {% if true %}y{% endif %}\n  text {% if true %}z{% endif %}"},
      {"minus_strips_both_sides", "a   \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n   c"},
      {"plus_disables_lstrip", "x\n    {%+ if true %}y{% endif %}"},
      {"plus_disables_trim", "{% if true +%}\nkept newline{% endif %}"},
      {"variable_minus", "a  \n  {{- 'b' -}}  \n  c"},
      {"variable_not_lstripped", "line\n    {{ 'v' }}\n"},
      {"variable_plus", "a \n {{+ 'b' }}"},
      {"comments", "a {# comment #} b\n{# whole line #}\nc\n  {#- strip -#}  d"},
      {"comment_lstrip_trim", "x\n    {# c #}\ny"},
      {"trailing_newline_dropped", "text\n"},
      {"two_trailing_newlines", "text\n\n"},
      {"crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc"},
      {"cr_only", "a\r{{ 'b' }}\rc"},
      {"raw_block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}"},
      {"raw_with_whitespace_control", "x  {%- raw -%}  {{ y }}  {%- endraw -%}  z"},
      {"tabs_and_unicode_spaces", "a\n\t {% if true %}b{% endif %}\n\u3000{% if true %}c{% endif %}"},
      {"minus_strips_unicode_space", "a\u00a0 {{- 'b' }}"},
      {"block_at_start", "    {% if true %}x{% endif %}"},
      {"nested_blocks_indent", "{% for i in [1, 2] %}\n  {% if i == 1 %}\n    one\n  {% else %}\n    other\n  {% endif %}\n{% endfor %}\n"},
      {"dict_literal_in_variable", "{{ {'a': {'b': 1}} }}"},
      {"newline_inside_tag", "{{\n 'a'\n +\n 'b'\n}}"},
  });
}

TEST(DifferentialStatements, IfElifElse) {
  ExpectMatchesPython({
      {"if_chain", "{% for x in [1, 2, 3, 4] %}{% if x == 1 %}one{% elif x == 2 %}two{% elif x == 3 %}three{% else %}many{% endif %} {% endfor %}"},
      {"if_tuple_test", "{% if 1, 2 %}tuple{% endif %}"},
      {"nested_if", "{% if true %}{% if false %}a{% else %}b{% endif %}{% endif %}"},
      {"missing_endif", "{% if true %}x"},
      {"stray_endif", "x{% endif %}"},
      {"else_twice", "{% if true %}a{% else %}b{% else %}c{% endif %}"},
  });
}

TEST(DifferentialStatements, ForLoops) {
  const std::string ctx = R"({"items": ["a", "b", "c"], "d": {"x": 1, "y": 2}, "pairs": [[1, 2], [3, 4]], "nested": [{"name": "n1", "children": [{"name": "c1", "children": []}]}]})";
  ExpectMatchesPython({
      {"loop_vars", "{% for x in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", ctx},
      {"prev_next", "{% for x in items %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}]{% endfor %}", ctx},
      {"prev_next_defined", "{% for x in items %}{{ loop.previtem is defined }}{{ loop.nextitem is defined }} {% endfor %}", ctx},
      {"cycle", "{% for x in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}", ctx},
      {"changed", "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", ctx},
      {"depth", "{% for x in items %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}", ctx},
      {"else_branch", "{% for x in [] %}{{ x }}{% else %}none{% endfor %} {% for x in items %}{{ x }}{% else %}none{% endfor %}", ctx},
      {"filtered", "{% for x in range(10) if x is odd %}{{ x }}:{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", ctx},
      {"filtered_all_out", "{% for x in items if false %}{{ x }}{% else %}empty{% endfor %}", ctx},
      {"unpacking", "{% for a, b in pairs %}{{ a }}+{{ b }};{% endfor %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", ctx},
      {"unpack_parenthesized", "{% for (a, b) in pairs %}{{ a * b }}{% endfor %}", ctx},
      {"unpack_mismatch", "{% for a, b, c in pairs %}{% endfor %}", ctx},
      {"dict_iteration", "{% for k in d %}{{ k }}{% endfor %}", ctx},
      {"string_iteration", "{% for ch in 'héllo' %}{{ ch }}.{% endfor %}", ctx},
      {"break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", ctx},
      {"break_in_nested", "{% for i in range(3) %}{% for j in range(3) %}{% if j == 1 %}{% break %}{% endif %}{{ i }}{{ j }} {% endfor %}{% endfor %}", ctx},
      {"nested_loop_access", "{% for i in items %}{% set outer = loop %}{% for j in [1, 2] %}{{ outer.index }}.{{ loop.index }} {% endfor %}{% endfor %}", ctx},
      {"scoping_no_leak", "{% set x = 'outer' %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}|{% endfor %}{{ x }}", ctx},
      {"loop_var_no_leak", "{% for i in [1, 2] %}{% endfor %}[{{ i }}]", ctx},
      {"reverse_slice_loop", "{% for m in items[::-1] %}{{ m }}{% endfor %}", ctx},
      {"recursive", "{% for n in nested recursive %}<{{ n.name }}:{{ loop.depth }}{{ loop(n.children) }}>{% endfor %}", ctx},
      {"loop_not_recursive", "{% for n in nested %}{{ loop(n.children) }}{% endfor %}", ctx},
      {"iterate_int", "{% for x in 5 %}{% endfor %}", ctx},
      {"iterate_none", "{% for x in none %}{% endfor %}", ctx},
      {"break_outside_loop", "{% break %}", ctx},
      {"loop_length_in_filter", "{% for x in items if loop is defined %}{{ x }}{% endfor %}", ctx},
  });
}

TEST(DifferentialStatements, SetAndNamespace) {
  ExpectMatchesPython({
      {"set_basic", "{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}"},
      {"set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, d = [3, 4] %}{{ c }}{{ d }}"},
      {"set_in_if_leaks", "{% if true %}{% set x = 5 %}{% endif %}{{ x }}"},
      {"set_in_loop_does_not_leak", "{% set x = 0 %}{% for i in [1, 2, 3] %}{% set x = x + i %}{% endfor %}{{ x }}"},
      {"namespace_counter", "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}"},
      {"namespace_new_attr", "{% set ns = namespace() %}{% set ns.found = true %}{{ ns.found }} {{ ns.missing is defined }}"},
      {"namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"},
      {"namespace_repr", "{% set ns = namespace(a=1) %}{{ ns }}"},
      {"namespace_item_access", "{% set ns = namespace(a=1) %}{{ ns['a'] }}"},
      {"set_attr_on_dict", "{% set d = {} %}{% set d.x = 1 %}"},
      {"set_attr_on_undefined", "{% set nope.x = 1 %}"},
      {"block_set", "{% set body %}Hello {{ 'W' ~ 'orld' }}{% endset %}[{{ body }}]"},
      {"block_set_filtered", "{% set body | upper | trim %}  shout  {% endset %}[{{ body }}]"},
      {"block_set_scope", "{% set x %}{% set inner = 1 %}{% endset %}[{{ inner }}]"},
      {"with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"},
      {"with_sees_outer", "{% set o = 'out' %}{% with a = o %}{% set o = 'in' %}{{ a }}{{ o }}{% endwith %}{{ o }}"},
      {"filter_block", "{% filter upper %}hello {{ 'there' }}{% endfilter %}"},
      {"filter_block_chain", "{% filter trim|replace('a', 'b') %}  banana  {% endfilter %}"},
      {"print_tag", "{% print 'a' ~ 'b' %}"},
      {"generation_tag", "{% for m in ['x', 'y'] %}{% generation %}[{{ m }}]{% set g = 1 %}{% endgeneration %}{% endfor %}{{ g }}"},
      {"assign_to_const", "{% set 1 = 2 %}"},
      {"set_rhs_tuple", "{% set t = 1, 'a' %}{{ t }}"},
  });
}

TEST(DifferentialStatements, Macros) {
  ExpectMatchesPython({
      {"basic", "{% macro greet(name) %}Hi {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet(name='Bob') }}"},
      {"defaults", "{% macro f(a, b=2, c=a ~ 'x') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1) }} {{ f(1, 3) }} {{ f(1, c='z') }}"},
      {"missing_arg_undefined", "{% macro f(a, b) %}[{{ a }}][{{ b }}]{{ b is defined }}{% endmacro %}{{ f(1) }}"},
      {"too_many_args", "{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}"},
      {"unknown_kwarg", "{% macro f(a) %}{% endmacro %}{{ f(b=1) }}"},
      {"varargs_kwargs", "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, x=4) }}"},
      {"recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}"},
      {"closure_sees_later_set", "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}"},
      {"macro_scope", "{% macro m() %}{% set inner = 1 %}{{ inner }}{% endmacro %}{{ m() }}[{{ inner }}]"},
      {"macro_read_before_set", "{% macro m() %}{{ x }}{% set x = 2 %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}"},
      {"macro_returns_string", "{% macro m() %}42{% endmacro %}{{ m() is string }} {{ m() ~ '!' }} {{ m()|length }}"},
      {"macro_whitespace", "{% macro m(x) -%}\n  [{{ x }}]\n{%- endmacro %}\n{{ m(1) }}\n{{ m(2) }}"},
      {"call_block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 + 1 }}{% endcall %}"},
      {"call_block_args", "{% macro each(xs) %}{% for x in xs %}{{ caller(x, loop.index) }}{% endfor %}{% endmacro %}{% call(item, i) each(['a', 'b']) %}{{ i }}={{ item }};{% endcall %}"},
      {"caller_without_call", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}"},
      {"call_to_macro_without_caller", "{% macro m() %}x{% endmacro %}{% call m() %}body{% endcall %}"},
      {"macro_in_loop_namespace", "{% set ns = namespace(out='') %}{% macro add(x) %}{% set ns.out = ns.out ~ x %}{% endmacro %}{% for i in [1, 2] %}{{ add(i) }}{% endfor %}{{ ns.out }}"},
      {"macro_repr", "{% macro m() %}{% endmacro %}{{ m is callable }}"},
      {"nested_macro_def", "{% macro outer() %}{% macro inner() %}in{% endmacro %}{{ inner() }}out{% endmacro %}{{ outer() }}"},
      {"non_default_after_default", "{% macro f(a=1, b) %}{% endmacro %}"},
  });
}

TEST(DifferentialStatements, GlobalsAndErrors) {
  ExpectMatchesPython({
      {"range", "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }}"},
      {"range_len", "{{ range(5)|length }} {% for i in range(2) %}{{ i }}{% endfor %}"},
      {"range_too_big", "{{ range(200000)|length }}"},
      {"range_step_zero", "{{ range(1, 2, 0) }}"},
      {"dict_global", "{{ dict(a=1, b='x') }} {{ dict([('k', 'v')]) }}"},
      {"raise_exception", "{{ raise_exception('custom failure') }}"},
      {"raise_in_branch", "{% if false %}{{ raise_exception('never') }}{% endif %}ok"},
      {"joiner", "{% set j = joiner(', ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}"},
      {"cycler", "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}"},
      {"unknown_tag", "{% frobnicate %}"},
      {"include_refused", "{% include 'other.txt' %}"},
      {"import_refused", "{% import 'm.j2' as m %}"},
      {"extends_refused", "{% extends 'base.j2' %}"},
      {"do_not_enabled", "{% do [].append(1) %}"},
      {"unclosed_variable", "{{ 'a' "},
      {"unclosed_string", "{{ 'abc }}"},
      {"unclosed_comment", "{# never closed"},
      {"unbalanced_bracket", "{{ (1 }}"},
      {"bad_char", "{{ 1 @ 2 }}"},
      {"empty_expression", "{{ }}"},
      {"filter_unknown", "{{ 1|nosuchfilter }}"},
      {"filter_unknown_untaken", "{% if false %}{{ 1|nosuchfilter }}{% endif %}fine"},
      {"call_non_callable", "{{ 'abc'() }}"},
      {"dunder_refused", "{{ ''.__class__.__mro__ }}"},
      {"private_key_allowed", "{{ {'_x': 1}._x }}"},
      {"star_args", "{% macro f(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ f(*[1, 2]) }}{{ f(**{'a': 3, 'b': 4}) }}"},
      {"strftime_format_type", "{{ strftime_now('%Y') is string }} {{ strftime_now('%Y')|length }}"},
  });
}

}  // namespace
}  // namespace basalt::chat::testing
