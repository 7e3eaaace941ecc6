#pragma once
// Test support: renders cases with the C++ engine, with Python jinja2 configured like transformers
// (render_reference.py) and with @huggingface/jinja (render_hf_jinja.mjs), one interpreter per batch.
#include <string>
#include <vector>

namespace basalt::chat::testing {

struct RenderCase {
  std::string name;
  std::string source;
  std::string context_json = "{}";
};

struct RenderResult {
  bool ok = false;
  std::string text;  // the output, or the error message
};

RenderResult RenderWithEngine(const RenderCase& c);
std::vector<RenderResult> RenderWithPython(const std::vector<RenderCase>& cases);
std::vector<RenderResult> RenderWithHfJinja(const std::vector<RenderCase>& cases);

// For every case: the engine's output equals Python's byte for byte, or both fail.
void ExpectMatchesPython(const std::vector<RenderCase>& cases);

// Reads a file (test fixtures).
std::string ReadTestFile(const std::string& path);
std::string ChatTemplateFixtureDir();

}  // namespace basalt::chat::testing
