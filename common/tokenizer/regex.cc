#include "common/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "absl/strings/str_cat.h"
#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

// Oniguruma's Unicode word characters (Alphabetic, M, Nd, Pc, plus its Latin-1 ctype quirks: ² ³ ¹
// ¼ ½ ¾), as tokenizers.js worked them out; PCRE2's UCP \w is L and N instead.
constexpr std::string_view kWordInClass = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{B2}\\x{B3}\\x{B9}\\x{BC}-\\x{BE}";
constexpr std::string_view kHexInClass = "0-9A-Fa-f";

std::string WordClass(bool negate) {
  return absl::StrCat(negate ? "[^" : "[", std::string(kWordInClass), "]");
}

// Copies the escape at pattern[i] ('\\' then at least one char) verbatim, with a braced argument
// (\p{..}, \x{..}, \N{..}) when there is one. Returns the index after it.
size_t CopyEscape(std::string_view pattern, size_t i, std::string& out) {
  size_t j = i + 2;
  char c = pattern[i + 1];
  if ((c == 'p' || c == 'P' || c == 'x' || c == 'N' || c == 'o') && j < pattern.size() && pattern[j] == '{') {
    size_t close = pattern.find('}', j);
    j = close == std::string_view::npos ? pattern.size() : close + 1;
  } else {
    // Keep a multi-byte escaped character whole.
    while (j < pattern.size() && (static_cast<unsigned char>(pattern[j]) & 0xC0) == 0x80) ++j;
  }
  out.append(pattern.substr(i, j - i));
  return j;
}

}  // namespace

std::string TranslateOnigurumaPattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 64);
  bool in_class = false;
  size_t class_start = 0;  // index just after '[' or '[^' of the current class
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char e = pattern[i + 1];
      if (e == 'Q') {  // \Q...\E is literal text
        size_t end = pattern.find("\\E", i + 2);
        size_t stop = end == std::string_view::npos ? pattern.size() : end + 2;
        out.append(pattern.substr(i, stop - i));
        i = stop;
        continue;
      }
      std::string_view replacement;
      std::string owned;
      if (in_class) {
        switch (e) {
          case 's': replacement = "\\p{White_Space}"; break;
          case 'S': replacement = "\\P{White_Space}"; break;
          case 'w': replacement = kWordInClass; break;
          case 'h': replacement = kHexInClass; break;
          default: break;
        }
      } else {
        switch (e) {
          case 's': replacement = "\\p{White_Space}"; break;
          case 'S': replacement = "\\P{White_Space}"; break;
          case 'w': owned = WordClass(false); break;
          case 'W': owned = WordClass(true); break;
          case 'h': owned = absl::StrCat("[", std::string(kHexInClass), "]"); break;
          case 'H': owned = absl::StrCat("[^", std::string(kHexInClass), "]"); break;
          case 'b':
          case 'B': {
            std::string w = WordClass(false);
            owned = e == 'b' ? absl::StrCat("(?:(?<!", w, ")(?=", w, ")|(?<=", w, ")(?!", w, "))")
                             : absl::StrCat("(?:(?<!", w, ")(?!", w, ")|(?<=", w, ")(?=", w, "))");
            break;
          }
          default: break;
        }
      }
      if (!owned.empty()) replacement = owned;
      if (!replacement.empty()) {
        out.append(replacement);
        i += 2;
      } else {
        i = CopyEscape(pattern, i, out);
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      ++i;
      if (i < pattern.size() && pattern[i] == '^') out.push_back(pattern[i++]);
      class_start = i;
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {  // POSIX [:name:]
        size_t close = pattern.find(":]", i + 2);
        if (close != std::string_view::npos) {
          out.append(pattern.substr(i, close + 2 - i));
          i = close + 2;
          continue;
        }
      }
      if (c == ']' && i != class_start) in_class = false;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

namespace {

absl::StatusOr<void*> CompileCode(std::string_view pattern, uint32_t extra_options,
                                  std::string_view shown) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | extra_options, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(absl::StrCat("bad regex \"", std::string(shown), "\": ",
                                                   reinterpret_cast<const char*>(message),
                                                   " (at offset ", offset, ")"));
  }
  // JIT is an optimization: without it (unsupported CPU) the interpreter gives the same matches.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return static_cast<void*>(code);
}

// Per-thread match state: a Tokenizer is shared between threads, PCRE2 match data is not.
struct MatchState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchState() { pcre2_jit_stack_assign(context, nullptr, jit_stack); }
  ~MatchState() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_data_free(data);
  }
};

MatchState& ThreadMatchState() {
  thread_local MatchState state;
  return state;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Regex>> Regex::Compile(std::string_view pattern) {
  std::string translated = TranslateOnigurumaPattern(pattern);
  // Oniguruma's ^ and $ are line anchors.
  auto code = CompileCode(translated, PCRE2_UCP | PCRE2_MULTILINE, pattern);
  if (!code.ok()) return code.status();
  return std::unique_ptr<Regex>(new Regex(std::string(pattern), *code));
}

absl::StatusOr<std::unique_ptr<Regex>> Regex::Literal(std::string_view literal) {
  auto code = CompileCode(literal, PCRE2_LITERAL, literal);
  if (!code.ok()) return code.status();
  return std::unique_ptr<Regex>(new Regex(std::string(literal), *code));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

absl::Status Regex::FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  auto* code = static_cast<pcre2_code*>(code_);
  MatchState& state = ThreadMatchState();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t last_end = 0;
  bool have_last_match = false;
  size_t last_match_end = 0;
  while (last_end <= text.size()) {
    int rc = pcre2_match(code, subject, text.size(), last_end, PCRE2_NO_UTF_CHECK, state.data,
                         state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof(message));
      return absl::ResourceExhaustedError(absl::StrCat("regex \"", pattern_, "\" failed: ",
                                                       reinterpret_cast<const char*>(message)));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    size_t start = ovector[0], end = ovector[1];
    if (start == end && have_last_match && last_match_end == end) {
      // No empty match right after the previous one: step one character and search again.
      last_end += last_end < text.size() ? Utf8SequenceLength(static_cast<unsigned char>(text[last_end])) : 1;
      continue;
    }
    last_end = end;
    have_last_match = true;
    last_match_end = end;
    out.emplace_back(start, end);
  }
  return absl::OkStatus();
}

}  // namespace basalt::tokenizer
