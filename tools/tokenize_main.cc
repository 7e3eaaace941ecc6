// basalt-tokenize DIR: encodes and decodes JSON lines with the tokenizer in DIR (tokenizer.json and,
// when present, tokenizer_config.json), for tests and for debugging a model.
//   {"text": "...", "add_special_tokens": true}   -> {"ids": [...], "tokens": [...], "offsets": [[b, e], ...]}
//   {"ids": [...], "skip_special_tokens": false}  -> {"text": "..."}
// A bad line gets {"error": "..."}; a tokenizer that does not load is an error and exit status 1.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/tokenizer/tokenizer.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace {

using basalt::tokenizer::Tokenizer;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

std::string ErrorLine(const std::string& message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("error");
  WriteString(w, message);
  w.EndObject();
  return buffer.GetString();
}

std::string HandleLine(const Tokenizer& tokenizer, const std::string& line) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  if (doc.HasParseError()) {
    return ErrorLine(std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return ErrorLine("each line must be a JSON object");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  if (auto text = doc.FindMember("text"); text != doc.MemberEnd()) {
    if (!text->value.IsString()) return ErrorLine("'text' must be a string");
    bool add_special_tokens = true;
    if (auto add = doc.FindMember("add_special_tokens"); add != doc.MemberEnd()) {
      if (!add->value.IsBool()) return ErrorLine("'add_special_tokens' must be a boolean");
      add_special_tokens = add->value.GetBool();
    }
    auto encoding = tokenizer.Encode(std::string_view(text->value.GetString(), text->value.GetStringLength()),
                                     add_special_tokens);
    if (!encoding.ok()) return ErrorLine(std::string(encoding.status().message()));
    w.StartObject();
    w.Key("ids");
    w.StartArray();
    for (int32_t id : encoding->ids) w.Int(id);
    w.EndArray();
    w.Key("tokens");
    w.StartArray();
    for (const std::string& token : encoding->tokens) WriteString(w, token);
    w.EndArray();
    // Byte offsets into the text (an extra the reference output does not need; handy for debugging).
    w.Key("offsets");
    w.StartArray();
    for (const auto& [start, end] : encoding->offsets) {
      w.StartArray();
      w.Uint(start);
      w.Uint(end);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
  }
  if (auto ids = doc.FindMember("ids"); ids != doc.MemberEnd()) {
    if (!ids->value.IsArray()) return ErrorLine("'ids' must be an array of integers");
    std::vector<int32_t> values;
    for (const auto& v : ids->value.GetArray()) {
      if (!v.IsInt()) return ErrorLine("'ids' must be an array of integers");
      values.push_back(v.GetInt());
    }
    bool skip = false;
    if (auto s = doc.FindMember("skip_special_tokens"); s != doc.MemberEnd()) {
      if (!s->value.IsBool()) return ErrorLine("'skip_special_tokens' must be a boolean");
      skip = s->value.GetBool();
    }
    w.StartObject();
    w.Key("text");
    WriteString(w, tokenizer.Decode(values, skip));
    w.EndObject();
    return buffer.GetString();
  }
  return ErrorLine("a line needs \"text\" (to encode) or \"ids\" (to decode)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s TOKENIZER_DIR < requests.jsonl\n", argv[0]);
    return 2;
  }
  auto tokenizer = Tokenizer::FromDirectory(argv[1]);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "basalt-tokenize: %s\n", std::string(tokenizer.status().message()).c_str());
    return 1;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string out = HandleLine(**tokenizer, line);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}
