#include "tests/worker/reference_cases.h"

#include <cmath>

namespace basalt::testing {

std::vector<ReferenceCase> LoadReferenceCases(const std::string& model_dir, const std::string& section) {
  std::vector<ReferenceCase> cases;
  auto text = fs::ReadFile(model_dir + "/reference.json");
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return cases;
  auto doc = json::Parse(*text);
  EXPECT_TRUE(doc.ok()) << doc.status();
  const rapidjson::Value* list = json::Find(*doc, section);
  if (list == nullptr || !list->IsArray()) return cases;
  for (const auto& v : list->GetArray()) {
    ReferenceCase c;
    c.name = v["name"].GetString();
    c.prompt = v["prompt"].GetString();
    for (const auto& id : v["prompt_ids"].GetArray()) c.prompt_ids.push_back(id.GetInt());
    for (const auto& id : v["output_ids"].GetArray()) c.output_ids.push_back(id.GetInt());
    for (const auto& lp : v["logprobs"].GetArray()) c.logprobs.push_back(lp.GetDouble());
    for (const auto& g : v["top2_gap"].GetArray()) c.top2_gap.push_back(g.GetDouble());
    for (const auto& step : v["top_logprobs"].GetArray()) {
      std::vector<std::pair<int32_t, double>> top;
      for (const auto& pair : step.GetArray()) top.emplace_back(pair[0].GetInt(), pair[1].GetDouble());
      c.top_logprobs.push_back(std::move(top));
    }
    if (const rapidjson::Value* p = json::Find(v, "prompt_logprobs")) {
      for (const auto& lp : p->GetArray())
        c.prompt_logprobs.push_back(lp.IsNull() ? std::nullopt : std::optional<double>(lp.GetDouble()));
    }
    const rapidjson::Value& params = v["params"];
    engine::GenerationParams& g = c.params;
    g.sampling.temperature = 0.0f;
    g.stopping.max_tokens = json::GetOr<int>(params, "max_tokens", 16).value();
    g.stopping.ignore_eos = json::GetOr<bool>(params, "ignore_eos", false).value();
    g.stopping.min_tokens = json::GetOr<int>(params, "min_tokens", 0).value();
    g.sampling.repetition_penalty = json::GetOr<float>(params, "repetition_penalty", 1.0f).value();
    g.sampling.presence_penalty = json::GetOr<float>(params, "presence_penalty", 0.0f).value();
    g.sampling.frequency_penalty = json::GetOr<float>(params, "frequency_penalty", 0.0f).value();
    g.sampling.penalty_alpha = json::GetOr<float>(params, "penalty_alpha", 0.0f).value();
    g.sampling.top_k = json::GetOr<int>(params, "top_k", 0).value();
    if (const rapidjson::Value* bias = json::Find(params, "logit_bias")) {
      for (auto it = bias->MemberBegin(); it != bias->MemberEnd(); ++it)
        g.sampling.logit_bias.emplace_back(std::stoi(it->name.GetString()), static_cast<float>(it->value.GetDouble()));
    }
    if (const rapidjson::Value* stops = json::Find(params, "stop_token_ids")) {
      for (const auto& id : stops->GetArray()) g.stopping.stop_token_ids.push_back(id.GetInt());
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

engine::GenerationRequest RequestFor(const ReferenceCase& c) {
  engine::GenerationRequest request;
  request.request_id = c.name;
  request.prompt_ids = c.prompt_ids;
  request.params = c.params;
  request.params.logprobs = true;
  request.params.top_logprobs = 5;
  if (!c.prompt_logprobs.empty()) {
    request.params.echo_prompt = true;
    request.params.prompt_logprobs = 5;
  }
  return request;
}

int ExpectMatchesReference(const ReferenceCase& c, const engine::CompletedRequest& got, double tolerance,
                           double relative) {
  const auto allowed = [&](double reference) { return tolerance + relative * std::abs(reference); };
  EXPECT_EQ(got.choices.size(), 1u);
  if (got.choices.empty()) return 0;
  const auto& tokens = got.choices[0].tokens;
  int compared = 0;
  bool tie_seen = false;
  for (size_t i = 0; i < c.output_ids.size(); ++i) {
    if (i >= tokens.size()) {
      ADD_FAILURE() << c.name << ": engine stopped after " << tokens.size() << " tokens, reference has "
                    << c.output_ids.size();
      break;
    }
    const auto& token = tokens[i];
    if (token.id != c.output_ids[i]) {
      EXPECT_TRUE(tie_seen || c.top2_gap[i] < kTieGap)
          << c.name << ": token " << i << " is " << token.id << ", reference " << c.output_ids[i]
          << " (top-2 gap " << c.top2_gap[i] << ")";
      break;  // after an allowed divergence the sequences differ legitimately
    }
    tie_seen |= c.top2_gap[i] < kTieGap;
    ++compared;
    EXPECT_TRUE(token.logprob.has_value());
    EXPECT_NEAR(token.logprob.value_or(0), c.logprobs[i], allowed(c.logprobs[i])) << c.name << " step " << i;
    // Every reference alternative must be there with the same logprob (order may differ on near-ties).
    for (const auto& [id, lp] : c.top_logprobs[i]) {
      bool found = false;
      for (const auto& alt : token.top_logprobs) {
        if (alt.id == id) {
          found = true;
          EXPECT_NEAR(alt.logprob, lp, allowed(lp)) << c.name << " step " << i << " alternative " << id;
        }
      }
      const double fifth = c.top_logprobs[i].back().second;
      EXPECT_TRUE(found || std::abs(lp - fifth) < allowed(lp))
          << c.name << " step " << i << ": alternative " << id << " missing";
    }
  }
  if (!tie_seen && compared == static_cast<int>(c.output_ids.size())) {
    EXPECT_EQ(tokens.size(), c.output_ids.size()) << c.name << ": engine generated more tokens than the reference";
  }
  if (!c.prompt_logprobs.empty()) {
    EXPECT_TRUE(got.prompt.has_value()) << c.name;
    if (got.prompt) {
      EXPECT_EQ(got.prompt->tokens.size(), c.prompt_ids.size());
      for (size_t i = 0; i < std::min(got.prompt->tokens.size(), c.prompt_logprobs.size()); ++i) {
        const auto& t = got.prompt->tokens[i];
        EXPECT_EQ(t.id, c.prompt_ids[i]);
        if (!c.prompt_logprobs[i]) {
          EXPECT_FALSE(t.logprob.has_value()) << "first prompt token has no logprob";
        } else {
          EXPECT_NEAR(t.logprob.value_or(0), *c.prompt_logprobs[i], allowed(*c.prompt_logprobs[i])) << c.name << " prompt position " << i;
        }
      }
    }
  }
  return compared;
}

}  // namespace basalt::testing
