// The bundled default model (models/default, issue 6) as the engine serves it on CPU: it loads, its greedy
// completion of the recorded prompt is the one transformers recorded at training time, and its perplexity on
// the committed held-out sample is not above the model card's figure (plus a small margin), so a broken or
// swapped weight file, or a tokenizer that no longer matches it, cannot pass. The reference figures are read
// from the training_log.json that tools/train/train_default_model.py wrote next to the weights, not written
// here; after retraining, only the subset margin below needs checking again (its comment says how).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/fs/read_file.h"
#include "common/json/json.h"
#include "worker/engine/blocking_generate.h"
#include "worker/engine/engine.h"

namespace basalt::engine {
namespace {

const std::string kModelDir = BASALT_DEFAULT_MODEL_DIR;
// What the training script puts between the documents of heldout_sample.txt (and its corpus files).
constexpr char kDocSeparator[] = "\n\x1e\n";

std::vector<int32_t> IntArray(const rapidjson::Value& v) {
  std::vector<int32_t> out;
  for (const auto& x : v.GetArray()) out.push_back(x.GetInt());
  return out;
}

class DefaultModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EngineOptions options;
    options.model_dir = kModelDir;
    options.device = "cpu";
    // transformers' reference figures were computed in float32 on the bf16 weights.
    options.dtype = "float32";
    auto engine = Engine::Create(options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = engine->release();

    auto text = fs::ReadFile(kModelDir + "/training_log.json");
    ASSERT_TRUE(text.ok()) << text.status();
    auto doc = json::Parse(*text);
    ASSERT_TRUE(doc.ok()) << doc.status();
    log_ = new rapidjson::Document(std::move(*doc));
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete log_;
    log_ = nullptr;
  }

  static const rapidjson::Value& Log(std::initializer_list<std::string_view> path) {
    const rapidjson::Value* v = log_;
    for (std::string_view key : path) {
      v = json::Find(*v, key);
      if (v == nullptr) {
        ADD_FAILURE() << "training_log.json has no " << key;
        static const rapidjson::Value kNull;
        return kNull;
      }
    }
    return *v;
  }

  static Engine* engine_;
  static rapidjson::Document* log_;
};
Engine* DefaultModelTest::engine_ = nullptr;
rapidjson::Document* DefaultModelTest::log_ = nullptr;

TEST_F(DefaultModelTest, Loads) {
  ASSERT_NE(engine_, nullptr);
  const ModelDescription& d = engine_->description();
  EXPECT_EQ(d.architecture, "LlamaForCausalLM");
  EXPECT_EQ(d.device, "cpu");
  EXPECT_EQ(d.vocab_size, Log({"settings", "vocab_size"}).GetInt());
  EXPECT_EQ(d.max_model_len, Log({"settings", "seq_len"}).GetInt());
  EXPECT_EQ(d.num_parameters, Log({"parameters"}).GetInt64());
  EXPECT_TRUE(d.has_chat_template);
  EXPECT_GE(d.bos_token_id, 0);
}

// The float32 CPU greedy completion recorded by transformers, EOS not stopping (as --ignore-eos).
TEST_F(DefaultModelTest, GreedyCompletionIsTheRecordedOne) {
  ASSERT_NE(engine_, nullptr);
  const rapidjson::Value& ref = Log({"greedy", "float32_cpu"});
  ASSERT_TRUE(ref.IsObject());
  const std::vector<int32_t> prompt_ids = IntArray(ref["prompt_ids"]);
  const std::vector<int32_t> output_ids = IntArray(ref["output_ids"]);
  ASSERT_FALSE(output_ids.empty());

  GenerationRequest request;
  request.prompt_text = ref["prompt"].GetString();  // tokenized by the engine, BOS included
  request.params.sampling.temperature = 0;
  request.params.stopping.max_tokens = static_cast<int>(output_ids.size());
  request.params.stopping.ignore_eos = true;
  request.params.echo_prompt = true;
  request.params.logprobs = true;
  request.params.top_logprobs = 2;
  auto got = GenerateBlocking(*engine_, request);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->prompt.has_value());
  std::vector<int32_t> got_prompt;
  for (const auto& t : got->prompt->tokens) got_prompt.push_back(t.id);
  EXPECT_EQ(got_prompt, prompt_ids) << "the prompt tokenizes differently from transformers";
  ASSERT_EQ(got->choices.size(), 1u);
  std::vector<int32_t> got_ids;
  for (const auto& t : got->choices[0].tokens) got_ids.push_back(t.id);
  // On a mismatch, say where and how close the two candidates were (transformers' top-2 logit gap at
  // that step is in the log: a gap of ~1e-3 or less would be a numerical tie, not a broken model).
  for (size_t i = 0; i < std::min(got_ids.size(), output_ids.size()); ++i) {
    if (got_ids[i] != output_ids[i]) {
      const auto& gaps = ref["top2_logit_gaps"];
      ADD_FAILURE() << "first difference at generated token " << i << ": engine " << got_ids[i]
                    << ", transformers " << output_ids[i] << " (transformers' top-2 logit gap there "
                    << (i < gaps.Size() ? gaps[static_cast<rapidjson::SizeType>(i)].GetDouble() : -1.0) << ")";
      break;
    }
  }
  EXPECT_EQ(got_ids, output_ids);
  EXPECT_EQ(got->choices[0].text, ref["text"].GetString());
}

// Perplexity of held-out text, scored as the training script scored it: each document on its own as
// <bos> text <eos>, the sum of the log-probabilities of every token after the first (the engine's prompt
// logprobs). A document longer than the context is cut into windows that overlap by one token, so every token
// is predicted once (the script does the same with windows of seq_len predicted tokens; here a window must
// also leave room for the one generated token, so windows are one token shorter; the sample's documents are
// cut to ~2,000 characters, well under one window, so the two schemes agree on it).
struct Scored {
  double nll = 0;      // nats, summed
  int64_t tokens = 0;  // predicted tokens
  double Perplexity() const { return std::exp(nll / static_cast<double>(tokens)); }
};

std::vector<std::string> ReadSample() {
  auto sample = fs::ReadFile(kModelDir + "/heldout_sample.txt");
  EXPECT_TRUE(sample.ok()) << sample.status();
  std::vector<std::string> docs;
  if (!sample.ok()) return docs;
  for (size_t pos = 0; pos < sample->size();) {
    size_t end = sample->find(kDocSeparator, pos);
    if (end == std::string::npos) end = sample->size();
    if (end > pos) docs.push_back(sample->substr(pos, end - pos));
    pos = end + sizeof(kDocSeparator) - 1;
  }
  return docs;
}

// <bos> text <eos> as the script encodes a document.
std::vector<int32_t> EncodeDocument(Engine& engine, const std::string& text) {
  const ModelDescription& d = engine.description();
  auto enc = engine.tokenizer().Encode(text, /*add_special_tokens=*/false);
  EXPECT_TRUE(enc.ok()) << enc.status();
  std::vector<int32_t> ids = {d.bos_token_id};
  if (enc.ok()) ids.insert(ids.end(), enc->ids.begin(), enc->ids.end());
  ids.push_back(d.eos_token_ids.front());
  return ids;
}

// One Scored per document. Every window is submitted at once: the engine batches them.
std::vector<Scored> ScoreDocuments(Engine& engine, const std::vector<std::vector<int32_t>>& docs) {
  const int window = engine.description().max_model_len - 1;  // leaves room for max_tokens = 1
  std::vector<std::vector<int32_t>> windows;
  std::vector<size_t> owner;
  for (size_t d = 0; d < docs.size(); ++d) {
    const auto& ids = docs[d];
    for (size_t s = 0; s + 1 < ids.size(); s += window - 1) {
      windows.emplace_back(ids.begin() + s, ids.begin() + std::min(ids.size(), s + window));
      owner.push_back(d);
    }
  }
  std::vector<std::future<absl::StatusOr<CompletedRequest>>> results;
  for (size_t i = 0; i < windows.size(); ++i) {
    GenerationRequest request;
    request.request_id = "heldout-" + std::to_string(i);
    request.prompt_ids = windows[i];
    request.params.sampling.temperature = 0;
    request.params.stopping.max_tokens = 1;
    request.params.stopping.ignore_eos = true;
    request.params.echo_prompt = true;
    request.params.prompt_logprobs = -1;  // logprobs only, no alternatives
    results.push_back(std::async(std::launch::async, [&engine, request = std::move(request)]() mutable {
      return GenerateBlocking(engine, std::move(request));
    }));
  }
  std::vector<Scored> scored(docs.size());
  for (size_t i = 0; i < results.size(); ++i) {
    auto got = results[i].get();
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || !got->prompt.has_value()) {
      ADD_FAILURE() << "window " << i << ": no prompt logprobs";
      continue;
    }
    const auto& pt = got->prompt->tokens;
    EXPECT_EQ(pt.size(), windows[i].size());
    for (size_t j = 1; j < std::min(pt.size(), windows[i].size()); ++j) {
      EXPECT_EQ(pt[j].id, windows[i][j]);
      if (!pt[j].logprob.has_value()) {
        ADD_FAILURE() << "window " << i << " token " << j << " has no logprob";
        continue;
      }
      scored[owner[i]].nll -= *pt[j].logprob;
      ++scored[owner[i]].tokens;
    }
  }
  return scored;
}

Scored Total(const std::vector<Scored>& parts) {
  Scored t;
  for (const Scored& s : parts) {
    t.nll += s.nll;
    t.tokens += s.tokens;
  }
  return t;
}

// The check, within the ~20 s a test may take here: on this project's CPU build (libtorch on the
// reference BLAS) the engine scores about 70 prompt tokens a second, so the whole 9,166-token sample takes
// over two minutes. By default the test scores every kSubsetStride-th document of heldout_sample.txt
// (documents 0, 8 and 16: 1,342 tokens, ~20 s) and compares them with the card's figure for the whole sample
// (result.heldout_sample.perplexity in training_log.json, 19.58), plus a margin of kSubsetMargin;
// training_log.json has no transformers figure for a subset.
//
// Why that margin: the engine's figures agree with transformers' (whole sample: 19.5764 against 19.5765 over
// the same 9,166 tokens, with BASALT_DEFAULT_MODEL_FULL_SAMPLE=1), and for this subset the engine gives 19.35,
// 1% under the whole-sample figure; so 5% leaves ~6% for numerics across machines (~1e-5 in fact) and
// nothing more. A subset of three documents can sit far from the whole sample's figure (single documents
// range from 3.9 to 49.6), which is why the subset is a spread over the sample rather than its first
// documents (0 and 1 are 39 and 36) and why its measured figure is written here: a retrained model needs
// this checked again (run with BASALT_DEFAULT_MODEL_FULL_SAMPLE=1, which prints every document's figure).
// Damage shows well above that: reversing the element order of a single matrix (layer 3's down_proj) raised
// document 8's perplexity from 14.4 to 17.8 (+24%); bigger damage (every tensor, a wrong dtype, a tokenizer
// that does not match) does far more.
//
// BASALT_DEFAULT_MODEL_FULL_SAMPLE=1 scores the whole sample instead and compares it with the card's figure
// within 1% on both sides, with the same token count as the script's.
constexpr size_t kSubsetStride = 8;
constexpr double kSubsetMargin = 0.05;
TEST_F(DefaultModelTest, HeldOutPerplexityIsBelowTheCardsFigure) {
  ASSERT_NE(engine_, nullptr);
  const rapidjson::Value& ref = Log({"result", "heldout_sample"});
  ASSERT_TRUE(ref.IsObject());
  const double ref_ppl = ref["perplexity"].GetDouble();
  const int64_t ref_tokens = ref["tokens"].GetInt64();

  const std::vector<std::string> texts = ReadSample();
  ASSERT_EQ(static_cast<int>(texts.size()), ref["docs"].GetInt());
  const char* full_env = std::getenv("BASALT_DEFAULT_MODEL_FULL_SAMPLE");
  const bool full = full_env != nullptr && std::string(full_env) == "1";
  std::vector<std::vector<int32_t>> docs;
  std::vector<size_t> which;
  for (size_t i = 0; i < texts.size(); i += full ? 1 : kSubsetStride) {
    docs.push_back(EncodeDocument(*engine_, texts[i]));
    which.push_back(i);
  }
  const std::vector<Scored> per_doc = ScoreDocuments(*engine_, docs);
  const Scored total = Total(per_doc);
  ASSERT_GT(total.tokens, 0);
  for (size_t i = 0; i < per_doc.size(); ++i) {
    std::cout << "  document " << which[i] << ": " << per_doc[i].tokens << " tokens, perplexity " << per_doc[i].Perplexity()
              << "\n";
  }
  std::cout << (full ? "whole" : "subset of the") << " held-out sample: " << docs.size() << " documents, "
            << total.tokens << " predicted tokens, perplexity " << total.Perplexity() << " (card, whole sample: "
            << ref_ppl << " over " << ref_tokens << " tokens)\n";
  if (full) {
    // The same tokens as the script scored (a different count means the tokenizer or the windows differ),
    // and the same figure within 1%: the engine's float32 log-probabilities differ from transformers' by
    // ~1e-5, far below 1%, and any damage to the weights moves the figure by far more.
    EXPECT_EQ(total.tokens, ref_tokens);
    EXPECT_LT(total.Perplexity(), ref_ppl * 1.01);
    EXPECT_GT(total.Perplexity(), ref_ppl * 0.99);
  } else {
    EXPECT_LT(total.Perplexity(), ref_ppl * (1 + kSubsetMargin));
  }
}

}  // namespace
}  // namespace basalt::engine
