// StreamingDecoder: deltas concatenate to Decode of the same ids, for every prefix; UTF-8 is never
// split; prompt context gives the first token its leading space.
#include <gtest/gtest.h>

#include "common/tokenizer/tokenizer.h"
#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

const Tokenizer& Load(const std::string& relative_dir) {
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/" + relative_dir, &error);
  if (t == nullptr) {
    ADD_FAILURE() << error;
    std::abort();
  }
  return *t;
}

TEST(StreamingDecoderDebug, MetaspaceByteRuns) {
  const Tokenizer& tok = Load("tests/fixtures/tokenizers/metaspace-bpe");
  std::vector<int32_t> ids = {1, 347, 220, 136, 219, 180, 219, 176, 219, 171, 219, 170, 347, 219, 171, 219, 170,
                              220, 135, 219, 188, 219, 170, 220, 135, 220, 136, 219, 143, 347, 220, 138};
  for (bool skip : {false, true}) {
    for (size_t n = 1; n <= ids.size(); ++n) {
      StreamingDecoder s(tok, skip);
      std::string out;
      std::string trace;
      for (size_t k = 0; k < n; ++k) {
        std::string d = s.Add(ids[k]);
        trace += "[" + Escape(d) + "]";
        out += d;
      }
      std::string f = s.Finish();
      out += f;
      trace += "F[" + Escape(f) + "]";
      ASSERT_EQ(out, tok.Decode(absl::MakeConstSpan(ids.data(), n), skip)) << "n=" << n << " skip=" << skip << " " << trace;
    }
  }
}

}  // namespace
}  // namespace basalt::tokenizer::testing
