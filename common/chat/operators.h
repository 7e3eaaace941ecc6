#pragma once
// Python operator semantics on template values: arithmetic, `in`, len(), iteration, and jinja2's
// sandboxed attribute/item access (x.y tries the attribute, then the item; x[y] the other way round;
// a miss is undefined; `_private` and mutating attributes are refused).
#include <string>
#include <vector>

#include "common/chat/ast.h"
#include "common/chat/value.h"

namespace basalt::chat {

// + - * / // % ** (not and/or, which short-circuit in the renderer).
Value Arithmetic(BinaryExpr::Op op, const Value& a, const Value& b);
Value Negate(const Value& v);
Value Positive(const Value& v);
// `item in container`.
bool Contains(const Value& container, const Value& item);
// len(v).
int64_t Length(const Value& v);
// list(v): the items iteration yields (consumes a one-shot iterator). Throws for non-iterables.
std::vector<Value> ToList(const Value& v);
// obj[key] and obj[start:stop:step] (None for an omitted bound), with jinja2's getitem rules.
Value GetItem(const Value& obj, const Value& key);
Value GetSlice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// obj.name with jinja2's sandboxed getattr rules.
Value GetAttr(const Value& obj, const std::string& name);
// Python's slice on a sequence of n items: the selected indices.
std::vector<size_t> SliceIndices(size_t n, const Value& start, const Value& stop, const Value& step);
// An undefined value for a failed lookup, with jinja2's message.
Value MissingAttribute(const Value& obj, const Value& name);
// Throws the error a use of an undefined value raises, when v is undefined.
void CheckDefined(const Value& v);

}  // namespace basalt::chat
