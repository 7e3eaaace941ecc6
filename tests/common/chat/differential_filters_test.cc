// Filters, rendered by the engine and by Python jinja2 (configured as transformers does).
#include "gtest/gtest.h"
#include "tests/common/chat/reference_render.h"

namespace basalt::chat::testing {
namespace {

const char* kUsers = R"({"users": [
  {"name": "bob", "age": 30, "role": "user", "tags": ["a"]},
  {"name": "Alice", "age": 25, "role": "admin"},
  {"name": "carol", "age": 30, "role": "user", "tags": []},
  {"name": "dave", "age": 41, "role": "guest", "nested": {"level": 2}}],
  "nums": [3, 1, 4, 1, 5, 9, 2, 6], "words": ["banana", "Apple", "cherry", "apple"],
  "d": {"b": 2, "a": 1, "C": 3}, "text": "  Hello <b>World</b> &amp; friends  "})";

TEST(DifferentialFilters, ToJson) {
  const std::string ctx = R"({"obj": {"name": "x", "args": {"city": "Paris", "unit": "°C", "n": [1, 2.5, null, true]},
      "html": "<script>&'\"", "esc": "tab\t nl\n bs\\ ctl\u0001", "emoji": "😀", "empty": {}, "none": [] },
      "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}}}]})";
  ExpectMatchesPython({
      {"default", "{{ obj|tojson }}", ctx},
      {"indent_int", "{{ obj|tojson(indent=2) }}", ctx},
      {"indent_str", "{{ obj.args|tojson(indent='\\t') }}", ctx},
      {"indent_zero", "{{ obj.args|tojson(indent=0) }}", ctx},
      {"sort_keys", "{{ obj|tojson(sort_keys=true) }}", ctx},
      {"ensure_ascii", "{{ obj.args|tojson(ensure_ascii=true) }} {{ obj.emoji|tojson(ensure_ascii=true) }}", ctx},
      {"separators", "{{ obj.args|tojson(separators=(',', ':')) }}", ctx},
      {"scalars", "{{ 1|tojson }} {{ 1.0|tojson }} {{ 'a'|tojson }} {{ none|tojson }} {{ true|tojson }} {{ [1, (2, 3)]|tojson }} {{ 1e100|tojson }}", ctx},
      {"non_string_keys", "{{ {1: 'a', none: 'b', true: 'c', 1.5: 'd'}|tojson }}", ctx},
      {"tools", "{% for t in tools %}{{ t|tojson }}{% endfor %}", ctx},
      {"namespace_not_serializable", "{{ namespace(a=1)|tojson }}", ctx},
      {"tuple_key_not_serializable", "{{ {(1, 2): 1}|tojson }}", ctx},
  });
}

TEST(DifferentialFilters, TextFilters) {
  ExpectMatchesPython({
      {"trim", "[{{ text|trim }}][{{ 'xxaxx'|trim('x') }}][{{ 5|trim }}]", kUsers},
      {"case", "{{ 'hello WORLD'|upper }} {{ 'Hello'|lower }} {{ 'hello wORLD'|capitalize }} {{ 'hello big-world (x)[y]<z> o\\'neil'|title }}", kUsers},
      {"replace", "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 1) }} {{ 123|replace(2, 9) }} {{ 'abc'|replace('', '.') }}", kUsers},
      {"length_count", "{{ 'héllo'|length }} {{ [1, 2]|count }} {{ {'a': 1}|length }} {{ users|length }}", kUsers},
      {"string", "{{ 1|string }} {{ [1, 'a']|string }} {{ none|string }} {{ 1.0|string }}", kUsers},
      {"int", "{{ '42'|int }} {{ '42.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ -3.9|int }} {{ true|int }} {{ ' 1_000 '|int }} {{ '0x1A'|int(0, 16) }} {{ '101'|int(base=2) }} {{ none|int }}", kUsers},
      {"float", "{{ '1.5'|float }} {{ 'x'|float }} {{ 2|float }} {{ 'inf'|float }} {{ '1e3'|float }} {{ none|float(9) }}", kUsers},
      {"abs_round", "{{ -3|abs }} {{ -2.5|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 7|round }} {{ 1234.5|round(-2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 2.55|round(1, 'ceil') }}", kUsers},
      {"round_bad_method", "{{ 1.5|round(0, 'up') }}", kUsers},
      {"indent", "[{{ 'a\\nb\\n\\nc'|indent }}][{{ 'a\\nb'|indent(2, true) }}][{{ 'a\\n\\nb'|indent(2, blank=true) }}][{{ 'x\\ny'|indent('> ') }}]", kUsers},
      {"center_wordcount", "[{{ 'ab'|center(6) }}] {{ 'one two, three!'|wordcount }} {{ ''|wordcount }}", kUsers},
      {"truncate", "{{ 'The quick brown fox jumps'|truncate(12) }}|{{ 'The quick brown fox'|truncate(9, true) }}|{{ 'short'|truncate(10) }}|{{ 'abcdefghijklmnop'|truncate(10, end='~') }}", kUsers},
      {"striptags", "[{{ text|striptags }}] [{{ '<!-- c --><p>a  b</p>&lt;x&gt;'|striptags }}]", kUsers},
      {"escape", "{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<'|escape }} {{ none|e }}", kUsers},
      {"safe", "{{ '<b>'|safe }}", kUsers},
      {"format", "{{ '%s is %d'|format('x', 3) }} {{ '%(a)s'|format(a='kw') }} {{ '%.3f'|format(3.14159) }}", kUsers},
      {"urlencode", "{{ 'a b/c?d=é'|urlencode }} {{ {'q': 'a b', 'x': 1}|urlencode }}", kUsers},
      {"filesizeformat", "{{ 100|filesizeformat }} {{ 1|filesizeformat }} {{ 12345|filesizeformat }} {{ 12345678|filesizeformat(true) }}", kUsers},
      {"xmlattr", "<x{{ {'class': 'a', 'id': none, 'data': '<&>'}|xmlattr }}>", kUsers},
      {"pprint_short", "{{ [1, 'a', {'b': none}]|pprint }}", kUsers},
      {"filter_args_kw_mismatch", "{{ 'x'|replace('a') }}", kUsers},
  });
}

TEST(DifferentialFilters, SequenceFilters) {
  ExpectMatchesPython({
      {"first_last", "{{ nums|first }} {{ nums|last }} {{ 'abc'|first }} {{ 'abc'|last }} {{ d|first }} {{ d|last }}", kUsers},
      {"list_join", "{{ 'abc'|list }} {{ d|list }} {{ nums|join }} {{ nums|join(', ') }} {{ users|join(', ', attribute='name') }} {{ [1, none, 'x']|join('|') }}", kUsers},
      {"sort", "{{ nums|sort }} {{ nums|sort(reverse=true) }} {{ words|sort }} {{ words|sort(case_sensitive=true) }}", kUsers},
      {"sort_attribute", "{{ users|sort(attribute='age')|map(attribute='name')|list }} {{ users|sort(attribute='age,name')|map(attribute='name')|join(',') }} {{ users|sort(attribute='name', reverse=true)|map(attribute='name')|list }}", kUsers},
      {"sort_mixed_types", "{{ [1, 'a']|sort }}", kUsers},
      {"reverse", "{{ nums|reverse|list }} {{ 'abc'|reverse }} {{ d|reverse|list }} {{ (nums|map('string'))|reverse }}", kUsers},
      {"unique", "{{ nums|unique|list }} {{ words|unique|list }} {{ words|unique(case_sensitive=true)|list }} {{ users|unique(attribute='age')|map(attribute='name')|list }}", kUsers},
      {"min_max_sum", "{{ nums|min }} {{ nums|max }} {{ words|min }} {{ words|max }} {{ nums|sum }} {{ users|sum(attribute='age') }} {{ [1.5, 2]|sum(start=10) }} {{ users|max(attribute='age') }} {{ []|max }}|", kUsers},
      {"sum_strings", "{{ ['a', 'b']|sum }}", kUsers},
      {"map", "{{ words|map('upper')|list }} {{ users|map(attribute='name')|join(',') }} {{ users|map(attribute='nested.level', default=0)|list }} {{ nums|map('string')|join }} {{ [['a', 'b']]|map('join', '-')|list }}", kUsers},
      {"map_missing_filter_arg", "{{ nums|map|list }}", kUsers},
      {"select_reject", "{{ nums|select('odd')|list }} {{ nums|reject('odd')|list }} {{ [0, 1, '', 'x', none]|select|list }} {{ nums|select('gt', 3)|list }} {{ nums|select('in', [1, 9])|list }}", kUsers},
      {"selectattr", "{{ users|selectattr('role', 'equalto', 'user')|map(attribute='name')|list }} {{ users|rejectattr('role', 'eq', 'user')|map(attribute='name')|list }} {{ users|selectattr('tags')|map(attribute='name')|list }} {{ users|selectattr('tags', 'undefined')|map(attribute='name')|list }} {{ users|selectattr('nested.level', 'defined')|list|length }}", kUsers},
      {"generator_truthiness", "{% if users|selectattr('role', 'eq', 'nobody') %}truthy-generator{% endif %} {{ (users|selectattr('role', 'eq', 'nobody')|list) == [] }}", kUsers},
      {"generator_no_len", "{{ users|selectattr('role', 'eq', 'user')|length }}", kUsers},
      {"generator_one_shot", "{% set g = nums|select('odd') %}{{ g|list }}{{ g|list }}", kUsers},
      {"items_dictsort", "{{ d|items|list }} {{ d|dictsort }} {{ d|dictsort(true) }} {{ d|dictsort(by='value', reverse=true) }} {{ nope|items|list }}", kUsers},
      {"items_on_list", "{{ nums|items|list }}", kUsers},
      {"batch_slice", "{{ nums|batch(3)|list }} {{ nums|batch(3, 0)|list }} {{ nums|slice(3)|list }} {{ nums|slice(3, 'x')|list }}", kUsers},
      {"groupby", "{% for g in users|groupby('age') %}{{ g.grouper }}:{{ g.list|map(attribute='name')|join('/') }} {% endfor %}{% for k, v in users|groupby('role') %}{{ k }}={{ v|length }} {% endfor %}", kUsers},
      {"groupby_repr", "{{ [{'k': 'A'}, {'k': 'a'}]|groupby('k') }}", kUsers},
      {"attr", "{{ users[0]|attr('name') }}|{{ d|attr('keys') is defined }}|{{ namespace(z=1)|attr('z') }}", kUsers},
      {"selectattr_on_none", "{{ none|selectattr('a')|list }} {{ none|map('upper')|list }}", kUsers},
      {"last_of_generator", "{{ nums|select('odd')|last }}", kUsers},
      {"first_of_generator", "{% set g = nums|select('odd') %}{{ g|first }}{{ g|list }}", kUsers},
      {"length_of_int", "{{ 5|length }}", kUsers},
      {"list_of_int", "{{ 5|list }}", kUsers},
  });
}

}  // namespace
}  // namespace basalt::chat::testing
