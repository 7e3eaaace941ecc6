// Expressions, rendered by the engine and by Python jinja2; outputs must be identical (or both fail).
#include "gtest/gtest.h"
#include "tests/common/chat/reference_render.h"

namespace basalt::chat::testing {
namespace {

TEST(DifferentialExpressions, LiteralsAndPythonStr) {
  ExpectMatchesPython({
      {"ints", "{{ 0 }} {{ 42 }} {{ -7 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}"},
      {"floats", "{{ 1.0 }} {{ 1.5 }} {{ 1e3 }} {{ 2.5e-3 }} {{ 1e16 }} {{ 1e-5 }} {{ 123456789.125 }} {{ 0.1 + 0.2 }}"},
      {"float_repr_edges", "{{ 1e15 }} {{ 1e22 }} {{ 0.0001 }} {{ 1.0e-4 }} {{ -0.0 }} {{ 3.14159265358979 }}"},
      {"bools_none", "{{ true }} {{ false }} {{ True }} {{ False }} {{ none }} {{ None }}"},
      {"strings", R"({{ 'single' }} {{ "double" }} {{ 'a' "b" 'c' }} {{ 'it''s' }})"},
      {"string_escapes", R"({{ 'tab\there' }}|{{ "nl\nx" }}|{{ 'q\'s' }}|{{ "\x41\u00e9\U0001F600" }}|{{ '\d' }}|{{ '\\' }})"},
      {"lists_tuples_dicts", R"({{ [1, 'a', none, true, 1.5] }} {{ (1,) }} {{ (1, 2) }} {{ () }} {{ {'a': 1, 2: 'b'} }} {{ [] }} {{ {} }})"},
      {"nested_repr", R"({{ [[1, [2]], {'k': (3, 'x')}, "it's", 'say "hi"', "both ' \""] }})"},
      {"repr_escapes", R"({{ ['a\nb', 'tab\t', 'bell\x07', 'é', '\u2028', '\\'] }})"},
      {"tuple_without_parens", "{{ 1, 2 }}"},
      {"unicode_literal", "{{ '日本語' }} {{ ['日本'] }}"},
      {"dict_duplicate_keys", "{{ {'a': 1, 'a': 2} }} {{ {1: 'x', 1.0: 'y', true: 'z'} }}"},
  });
}

TEST(DifferentialExpressions, Arithmetic) {
  ExpectMatchesPython({
      {"int_ops", "{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }}"},
      {"negative_floor", "{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // -2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}"},
      {"float_ops", "{{ 1.5 + 1 }} {{ 3 * 0.5 }} {{ 1 / 4 }} {{ 4 / 2 }} {{ 2 ** -1 }} {{ 2.0 ** 3 }} {{ 9 ** 0.5 }}"},
      {"pow_left_assoc", "{{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ (-2) ** 2 }}"},
      {"precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 * 3 % 4 }} {{ 1 + 2 ~ 3 }}"},
      {"unary", "{{ -(3) }} {{ +3 }} {{ - -3 }} {{ -1.5 }} {{ not 0 }} {{ -true }}"},
      {"bool_arith", "{{ true + true }} {{ true * 3 }} {{ false - 1 }} {{ true / 2 }}"},
      {"string_concat", "{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ 3 * 'x' }} {{ 'x' * 0 }} {{ 'x' * -1 }}|"},
      {"list_concat", "{{ [1] + [2, 3] }} {{ [0] * 3 }} {{ (1,) + (2,) }} {{ [1, 2] * 0 }}"},
      {"tilde", "{{ 1 ~ 2 }} {{ 'a' ~ none ~ true ~ 1.0 }} {{ [1] ~ {'a': 1} }} {{ undefined_var ~ 'x' }}"},
      {"div_zero", "{{ 1 / 0 }}"},
      {"floordiv_zero", "{{ 1 // 0 }}"},
      {"mod_zero", "{{ 1 % 0 }}"},
      {"str_plus_int", "{{ 'a' + 1 }}"},
      {"int_plus_str", "{{ 1 + 'a' }}"},
      {"list_plus_tuple", "{{ [1] + (2,) }}"},
      {"str_minus", "{{ 'a' - 'b' }}"},
      {"float_times_str", "{{ 1.5 * 'a' }}"},
      {"undefined_arith", "{{ nope + 1 }}"},
      {"none_arith", "{{ none + 1 }}"},
      {"percent_format", "{{ '%s-%d' % ('a', 3) }} {{ '%05.2f' % 3.14159 }} {{ '%x' % 255 }} {{ '%(k)s!' % {'k': 'v'} }} {{ '%%' % () }}"},
      {"percent_single", "{{ '%s' % [1, 2] }} {{ '%r' % 'q' }} {{ '%5s|%-5s|' % ('a', 'b') }}"},
      {"percent_missing", "{{ '%s %s' % ('a',) }}"},
  });
}

TEST(DifferentialExpressions, ComparisonsAndLogic) {
  ExpectMatchesPython({
      {"compare_numbers", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ true == 1 }}"},
      {"compare_strings", "{{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ 'abc' == 'abc' }} {{ 'é' > 'z' }}"},
      {"compare_lists", "{{ [1, 2] < [1, 3] }} {{ [1] == [1] }} {{ [1] == (1,) }} {{ (1, 2) < (1, 2, 0) }}"},
      {"compare_dicts", "{{ {'a': 1} == {'a': 1} }} {{ {'a': 1} == {'a': 2} }} {{ {'a': [1]} != {'a': [1]} }}"},
      {"chained", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1 == 1 }}"},
      {"mixed_eq", "{{ 1 == '1' }} {{ none == none }} {{ none == 0 }} {{ nope == nope2 }} {{ nope == none }}"},
      {"mixed_lt", "{{ 1 < 'a' }}"},
      {"undefined_lt", "{{ nope < 1 }}"},
      {"in_operator", "{{ 'a' in 'cat' }} {{ 'z' not in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 1 in {'1': 1} }} {{ '' in 'x' }}"},
      {"in_undefined", "{{ 'a' in nope }}"},
      {"in_wrong_type", "{{ 1 in 'abc' }}"},
      {"in_int", "{{ 1 in 5 }}"},
      {"and_or_values", "{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ '' or [] }} {{ none or none }}|{{ 'a' and '' }}|"},
      {"not_precedence", "{{ not 1 == 2 }} {{ not true and false }} {{ not (true and false) }} {{ not not 1 }}"},
      {"short_circuit", "{{ false and nope.attr }} {{ true or nope.attr }}"},
      {"cond_expr", "{{ 'y' if 1 else 'n' }} {{ 'y' if 0 else 'n' }} {{ 'y' if 0 }}| {{ 1 if false else 2 if true else 3 }}"},
      {"truthiness", "{{ [] and 1 }}|{{ {} or 'e' }}|{{ '0' and 'str0' }}|{{ 0.0 or 'z' }}|{{ [0] and 'l' }}"},
  });
}

TEST(DifferentialExpressions, AttributeAndItemAccess) {
  const std::string ctx = R"({"d": {"a": 1, "items": "key-items", "_p": 5, "n": {"x": [10, 20, 30]}},
      "l": [1, 2, 3, 4, 5], "s": "héllo wörld", "t": "abc", "none_v": null})";
  ExpectMatchesPython({
      {"dict_attr", "{{ d.a }} {{ d['a'] }} {{ d.n.x }} {{ d.n.x[1] }} {{ d['n']['x'][-1] }} {{ d.n.x.0 }}", ctx},
      {"dict_missing", "{{ d.zzz }}|{{ d['zzz'] }}|{{ d.zzz is defined }}|{{ d.n.zzz is undefined }}", ctx},
      {"dict_method_vs_key", "{{ d['items'] }} {{ d.items is defined }} {{ d._p }}", ctx},
      {"list_index", "{{ l[0] }} {{ l[-1] }} {{ l[10] }}|{{ l[-10] }}|{{ l.1 }}", ctx},
      {"slicing", "{{ l[1:3] }} {{ l[:2] }} {{ l[3:] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ l[1:-1:2] }} {{ l[10:] }}", ctx},
      {"string_index_slice", "{{ s[0] }} {{ s[1] }} {{ s[-1] }} {{ s[1:4] }} {{ s[::-1] }} {{ t[5] }}|{{ s|length }}", ctx},
      {"slice_step_zero", "{{ l[::0] }}", ctx},
      {"none_access", "{{ none_v.x }}|{{ none_v['x'] }}|{{ none_v[0] }}|", ctx},
      {"undefined_attr", "{{ nope.x }}", ctx},
      {"undefined_item", "{{ nope[0] }}", ctx},
      {"missing_then_attr", "{{ d.zzz.y }}", ctx},
      {"int_attr", "{{ l[0].x }}|{{ s.nope }}|", ctx},
      {"tuple_key", "{{ {(1, 2): 'pair'}[(1, 2)] }}", ctx},
      {"unhashable_key", "{{ {[1]: 2} }}", ctx},
      {"dict_lookup_unhashable", "{{ d[[1]] }}|", ctx},
  });
}

TEST(DifferentialExpressions, StringMethods) {
  const std::string ctx = R"({"s": "  Hello, World!  ", "csv": "a,b,,c", "ws": "a  b\tc\nd ", "u": "ÉCOLE straße ǆ"})";
  ExpectMatchesPython({
      {"strip", "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxhixx'.strip('x') }}][{{ '\\n a \\n'.strip('\\n') }}]", ctx},
      {"split", "{{ csv.split(',') }} {{ ws.split() }} {{ ws.split(None, 1) }} {{ csv.split(',', 1) }} {{ ''.split() }} {{ ''.split(',') }}", ctx},
      {"rsplit", "{{ csv.rsplit(',', 1) }} {{ ws.rsplit(None, 1) }} {{ 'a b c'.rsplit() }}", ctx},
      {"splitlines", "{{ 'a\\nb\\r\\nc\\rd'.splitlines() }} {{ 'x\\n'.splitlines(true) }} {{ ''.splitlines() }}", ctx},
      {"starts_ends", "{{ s.strip().startswith('Hell') }} {{ s.endswith('  ') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('bc', 1) }} {{ 'abc'.startswith('b', 1, 2) }}", ctx},
      {"replace", "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'ab'.replace('', '-') }} {{ s.replace('l', 'L') }}", ctx},
      {"case", "{{ u.upper() }} {{ u.lower() }} {{ u.title() }} {{ 'hello wORLD'.capitalize() }} {{ 'they''re bill''s'.title() }} {{ 'aBc'.swapcase() }}", ctx},
      {"find_count", "{{ s.find('o') }} {{ s.rfind('o') }} {{ s.find('zz') }} {{ s.count('l') }} {{ 'ééé'.find('é', 1) }} {{ 'aaa'.count('') }}", ctx},
      {"index_missing", "{{ 'abc'.index('z') }}", ctx},
      {"join", "{{ ', '.join(['a', 'b']) }} {{ '-'.join('xyz') }} {{ ''.join([]) }}", ctx},
      {"join_nonstr", "{{ ','.join([1, 2]) }}", ctx},
      {"predicates", "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ ' '.isspace() }} {{ ''.isdigit() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ 'Ab Cd'.istitle() }}", ctx},
      {"justify", "[{{ 'ab'.center(7) }}][{{ 'ab'.ljust(5, '*') }}][{{ 'ab'.rjust(5) }}][{{ '42'.zfill(5) }}][{{ '-42'.zfill(5) }}][{{ 'abc'.center(6, '.') }}]", ctx},
      {"partition", "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'abc'.partition('x') }}", ctx},
      {"prefix_suffix", "{{ 'prefix_x'.removeprefix('prefix_') }} {{ 'x.txt'.removesuffix('.txt') }} {{ 'x'.removesuffix('') }}", ctx},
      {"format_method", "{{ '{} + {} = {}'.format(1, 2, 3) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='n') }} {{ '{:>5}|{:<4}|{:^5}|'.format('a', 'b', 'c') }} {{ '{:.2f} {:05d} {:x} {!r}'.format(3.14159, 42, 255, 's') }}", ctx},
      {"unknown_method", "{{ 'x'.nosuchmethod() }}", ctx},
      {"method_bad_args", "{{ 'x'.strip(1) }}", ctx},
  });
}

TEST(DifferentialExpressions, DictAndListMethods) {
  const std::string ctx = R"({"d": {"b": 2, "a": 1, "c": {"x": true}}, "l": [3, 1, 2, 1]})";
  ExpectMatchesPython({
      {"items_keys_values", "{{ d.items() }} {{ d.keys() }} {{ d.values() }} {{ d.items()|list }} {{ d.keys()|length }}", ctx},
      {"for_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", ctx},
      {"get", "{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d.get('c').x }}", ctx},
      {"list_methods", "{{ l.index(2) }} {{ l.count(1) }} {{ l.copy() }} {{ (1, 2).count(2) }}", ctx},
      {"list_index_missing", "{{ l.index(9) }}", ctx},
      {"list_append_refused", "{{ l.append(4) }}", ctx},
      {"dict_update_refused", "{% set _ = d.update({'z': 1}) %}{{ d }}", ctx},
      {"list_sort_refused", "{{ l.sort() }}", ctx},
  });
}

TEST(DifferentialExpressions, Tests) {
  const std::string ctx = R"({"n": null, "s": "x", "i": 3, "f": 1.5, "b": true, "l": [1], "d": {"k": 1}, "e": ""})";
  ExpectMatchesPython({
      {"defined", "{{ s is defined }} {{ nope is defined }} {{ nope is undefined }} {{ n is defined }} {{ d.k is defined }} {{ d.z is not defined }}", ctx},
      {"types", "{{ n is none }} {{ s is string }} {{ i is number }} {{ f is number }} {{ b is number }} {{ i is integer }} {{ b is integer }} {{ f is float }} {{ b is boolean }} {{ i is boolean }}", ctx},
      {"containers", "{{ d is mapping }} {{ l is mapping }} {{ l is sequence }} {{ s is sequence }} {{ d is sequence }} {{ i is sequence }} {{ l is iterable }} {{ s is iterable }} {{ i is iterable }} {{ nope is iterable }} {{ nope is sequence }}", ctx},
      {"true_false", "{{ b is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ n is false }}", ctx},
      {"numbers", "{{ i is odd }} {{ i is even }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ -3 is odd }}", ctx},
      {"comparisons", "{{ i is eq 3 }} {{ i is equalto 3 }} {{ i is ne 3 }} {{ i is gt 2 }} {{ i is ge 4 }} {{ i is lt 4 }} {{ i is le 3 }} {{ i is == 3 }} {{ i is greaterthan 1 }} {{ i is lessthan 1 }}", ctx},
      {"in_test", "{{ 1 is in [1, 2] }} {{ 'k' is in d }} {{ 'z' is in 'xyz' }} {{ 3 is in [] }}", ctx},
      {"string_case", "{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aBc' is lower }} {{ '' is lower }}", ctx},
      {"callable", "{{ range is callable }} {{ s is callable }} {{ s.upper is callable }}", ctx},
      {"sameas", "{{ n is sameas none }} {{ b is sameas true }} {{ i is sameas 3 }}", ctx},
      {"filter_test_tests", "{{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ 'nope' is test }}", ctx},
      {"not_is", "{{ s is not string }} {{ not s is string }} {{ n is not none }}", ctx},
      {"test_precedence", "{{ 1 + 1 is even }} {{ 'a' ~ 'b' is string }}", ctx},
      {"odd_on_string", "{{ s is odd }}", ctx},
      {"unknown_test", "{{ s is frobnicated }}", ctx},
      {"escaped", "{{ s is escaped }}", ctx},
  });
}

TEST(DifferentialExpressions, UndefinedSemantics) {
  ExpectMatchesPython({
      {"render_empty", "[{{ nope }}]"},
      {"truthiness", "{% if nope %}t{% else %}f{% endif %}{% if not nope %}!{% endif %}"},
      {"iterate_empty", "{% for x in nope %}{{ x }}{% else %}empty{% endfor %}"},
      {"length_zero", "{{ nope|length }} {{ nope|list }} {{ nope|join(',') }}|{{ nope|string }}|{{ nope|upper }}|"},
      {"default", "{{ nope|default('d') }} {{ nope|d('x') }} {{ ''|default('e') }}|{{ ''|default('e', true) }} {{ none|default('n') }} {{ 0|d(5, boolean=true) }}"},
      {"call_undefined", "{{ nope() }}"},
      {"undefined_in_list_repr", "{{ [nope] }}"},
      {"undefined_tojson", "{{ nope|tojson }}"},
      {"undefined_int", "{{ nope|int }}"},
      {"eq", "{{ nope == nope }} {{ nope != 1 }}"},
      {"concat", "{{ 'a' ~ nope ~ 'b' }}"},
      {"neg", "{{ -nope }}"},
      {"first_of_undefined", "{{ nope|first }}|{{ [] | first }}|{{ [] | last }}|"},
      {"undefined_attr_of_attr", "{{ {'a': {}}.a.b.c }}"},
  });
}

}  // namespace
}  // namespace basalt::chat::testing
