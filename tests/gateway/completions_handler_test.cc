// POST /v1/completions end to end through the gateway and a FakeWorker (see fake_worker.h for the
// script that makes the expected texts below).
#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json/json.h"
#include "tests/gateway/gateway_fixture.h"

namespace basalt::gateway::testing {
namespace {

std::string Body(const std::string& fields) { return R"({"model":"tiny-test",)" + fields + "}"; }

class CompletionsTest : public GatewayTest {
 protected:
  std::vector<int32_t> Encode(const std::string& text, bool special = true) {
    return model().tokenizer->Encode(text, special)->ids;
  }
  // What the fake worker's candidate `c` writes in `steps` tokens for a prompt without "say:": the
  // prompt's (non-special) tokens, cycled, starting c tokens in.
  std::string CandidateText(const std::string& prompt, size_t c, size_t steps) {
    std::vector<int32_t> ids = Encode(prompt, false);
    std::vector<int32_t> out;
    for (size_t i = 0; i < steps; ++i) out.push_back(ids[(c + i) % ids.size()]);
    return model().tokenizer->Decode(out, true);
  }
  // The stream's chunks (without [DONE]) as JSON.
  std::vector<rapidjson::Document> Chunks(const std::vector<std::string>& data) {
    std::vector<rapidjson::Document> chunks;
    for (const std::string& d : data) {
      if (d == "[DONE]") continue;
      chunks.push_back(*json::Parse(d));
    }
    return chunks;
  }
};

TEST_F(CompletionsTest, NonStreamingResponse) {
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":4,"temperature":0)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  rapidjson::Document doc = r.Json();
  EXPECT_EQ(std::string(doc["id"].GetString()).rfind("cmpl-", 0), 0u);
  EXPECT_EQ(doc["object"].GetString(), std::string("text_completion"));
  EXPECT_GE(doc["created"].GetInt64(), before);
  EXPECT_EQ(doc["model"].GetString(), std::string("tiny-test"));
  ASSERT_EQ(doc["choices"].Size(), 1u);
  const auto& choice = doc["choices"][0];
  EXPECT_EQ(choice["index"].GetInt(), 0);
  EXPECT_EQ(choice["text"].GetString(), std::string("hello worldhello world"));
  EXPECT_TRUE(choice["logprobs"].IsNull());
  EXPECT_EQ(choice["finish_reason"].GetString(), std::string("length"));
  EXPECT_EQ(json::Serialize(doc["usage"]), R"({"prompt_tokens":3,"completion_tokens":4,"total_tokens":7})");

  // The worker got token ids (BOS added by the tokenizer) and the parameters.
  auto requests = worker().requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(std::vector<int32_t>(requests[0].token_ids().ids().begin(), requests[0].token_ids().ids().end()),
            Encode("hello world"));
  EXPECT_EQ(requests[0].token_ids().ids(0), model().info.bos_token_id());
  EXPECT_EQ(requests[0].stopping().max_tokens(), 4u);
  EXPECT_FLOAT_EQ(requests[0].sampling().temperature(), 0.0f);
  EXPECT_EQ(requests[0].request_id().rfind(doc["id"].GetString(), 0), 0u);
}

TEST_F(CompletionsTest, EosFinishesWithStop) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"say: the quick brown fox","max_tokens":50)"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  EXPECT_EQ(doc["choices"][0]["text"].GetString(), std::string(" the quick brown fox"));
  EXPECT_EQ(doc["choices"][0]["finish_reason"].GetString(), std::string("stop"));
  EXPECT_EQ(doc["usage"]["completion_tokens"].GetUint64(), Encode(" the quick brown fox", false).size() + 1);
}

TEST_F(CompletionsTest, MaxTokensDefaultAndNull) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello world")"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["usage"]["completion_tokens"].GetInt(), 16);
  HttpResult null = Post("/v1/completions", Body(R"("prompt":"say:hi","max_tokens":null)"));
  ASSERT_EQ(null.status, 200) << null.body;
  auto requests = worker().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].stopping().max_tokens(), 16u);
  EXPECT_EQ(requests[1].stopping().max_tokens(), 256u - Encode("say:hi").size());  // up to the context
}

TEST_F(CompletionsTest, NChoices) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":3,"n":2)"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  ASSERT_EQ(doc["choices"].Size(), 2u);
  EXPECT_EQ(doc["choices"][0]["text"].GetString(), std::string("hello worldhello"));
  EXPECT_EQ(doc["choices"][1]["index"].GetInt(), 1);
  EXPECT_EQ(doc["choices"][1]["text"].GetString(), std::string(" worldhello world"));
  EXPECT_EQ(doc["usage"]["completion_tokens"].GetInt(), 6);
  EXPECT_EQ(worker().requests()[0].n(), 2u);
}

TEST_F(CompletionsTest, BatchPromptsIndexChoicesPerPromptTimesN) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":["hello world","say: fox"],"max_tokens":3,"n":2)"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  ASSERT_EQ(doc["choices"].Size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(doc["choices"][i]["index"].GetInt(), i);
  EXPECT_EQ(doc["choices"][0]["text"].GetString(), std::string("hello worldhello"));
  EXPECT_EQ(doc["choices"][1]["text"].GetString(), std::string(" worldhello world"));
  EXPECT_EQ(doc["choices"][2]["text"].GetString(), std::string(" fox"));
  EXPECT_EQ(doc["choices"][2]["finish_reason"].GetString(), std::string("stop"));
  EXPECT_EQ(doc["choices"][3]["text"].GetString(), std::string(""));  // candidate 1 starts at EOS
  EXPECT_EQ(doc["usage"]["prompt_tokens"].GetUint64(), Encode("hello world").size() + Encode("say: fox").size());
  EXPECT_EQ(worker().requests().size(), 2u);  // one worker stream per prompt
}

TEST_F(CompletionsTest, TokenPrompts) {
  const std::vector<int32_t> hello = Encode("hello", false);
  const std::vector<int32_t> world = Encode(" world", false);
  ASSERT_EQ(hello.size(), 1u);
  ASSERT_EQ(world.size(), 1u);
  HttpResult r = Post("/v1/completions",
                      Body(absl::StrCat(R"("prompt":[)", hello[0], ",", world[0], R"(],"max_tokens":3)")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["choices"][0]["text"].GetString(), std::string("hello worldhello"));
  EXPECT_EQ(r.Json()["usage"]["prompt_tokens"].GetInt(), 2);  // ids are used as given: no BOS

  HttpResult batch = Post("/v1/completions",
                          Body(absl::StrCat(R"("prompt":[[)", hello[0], "],[", world[0], R"(]],"max_tokens":2)")));
  ASSERT_EQ(batch.status, 200) << batch.body;
  rapidjson::Document doc = batch.Json();
  ASSERT_EQ(doc["choices"].Size(), 2u);
  EXPECT_EQ(doc["choices"][0]["text"].GetString(), std::string("hellohello"));
  EXPECT_EQ(doc["choices"][1]["text"].GetString(), std::string(" world world"));

  HttpResult bad = Post("/v1/completions", Body(R"("prompt":[100000])"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("outside the vocabulary"), std::string::npos) << bad.body;
}

TEST_F(CompletionsTest, BestOfReturnsTheMostLikelyCandidates) {
  const std::string prompt = "the quick brown fox";
  ASSERT_GE(Encode(prompt, false).size(), 3u);  // so that the candidates differ
  HttpResult plain = Post("/v1/completions", Body(R"("prompt":"the quick brown fox","max_tokens":3)"));
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.Json()["choices"][0]["text"].GetString(), CandidateText(prompt, 0, 3));
  // The fake makes its last candidate the most likely one.
  HttpResult best = Post("/v1/completions", Body(R"("prompt":"the quick brown fox","max_tokens":3,"best_of":3)"));
  ASSERT_EQ(best.status, 200) << best.body;
  rapidjson::Document doc = best.Json();
  ASSERT_EQ(doc["choices"].Size(), 1u);
  EXPECT_EQ(doc["choices"][0]["text"].GetString(), CandidateText(prompt, 2, 3));
  EXPECT_NE(CandidateText(prompt, 2, 3), CandidateText(prompt, 0, 3));
  HttpResult two = Post("/v1/completions",
                        Body(R"("prompt":"the quick brown fox","max_tokens":3,"best_of":3,"n":2)"));
  ASSERT_EQ(two.status, 200) << two.body;
  rapidjson::Document both = two.Json();
  ASSERT_EQ(both["choices"].Size(), 2u);
  EXPECT_EQ(both["choices"][0]["text"].GetString(), CandidateText(prompt, 2, 3));
  EXPECT_EQ(both["choices"][1]["text"].GetString(), CandidateText(prompt, 1, 3));
  EXPECT_EQ(worker().requests()[1].best_of(), 3u);

  HttpResult streamed = Post("/v1/completions", Body(R"("prompt":"x","best_of":2,"stream":true)"));
  EXPECT_EQ(streamed.status, 400);
  EXPECT_NE(streamed.body.find(R"("param":"best_of")"), std::string::npos) << streamed.body;
}

TEST_F(CompletionsTest, Logprobs) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":2,"logprobs":2)"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  const auto& lp = doc["choices"][0]["logprobs"];
  ASSERT_TRUE(lp.IsObject()) << r.body;
  ASSERT_EQ(lp["tokens"].Size(), 2u);
  EXPECT_EQ(lp["tokens"][0].GetString(), std::string("hello"));
  EXPECT_EQ(lp["tokens"][1].GetString(), std::string(" world"));
  EXPECT_NEAR(lp["token_logprobs"][0].GetDouble(), -0.05, 1e-6);
  EXPECT_NEAR(lp["token_logprobs"][1].GetDouble(), -0.06, 1e-6);
  // The sampled token and the alternatives (the fake's second alternative is id + 1).
  ASSERT_EQ(lp["top_logprobs"][0].MemberCount(), 2u);
  EXPECT_NEAR(lp["top_logprobs"][0]["hello"].GetDouble(), -0.05, 1e-6);
  const int32_t next_id = Encode("hello", false)[0] + 1;
  const std::string next_text = model().tokenizer->Decode(std::vector<int32_t>{next_id}, false);
  ASSERT_TRUE(lp["top_logprobs"][0].HasMember(next_text.c_str())) << r.body;
  EXPECT_NEAR(lp["top_logprobs"][0][next_text.c_str()].GetDouble(), -1.05, 1e-6);
  EXPECT_EQ(json::Serialize(lp["text_offset"]), "[0,5]");
  EXPECT_TRUE(worker().requests()[0].logprobs());
  EXPECT_EQ(worker().requests()[0].top_logprobs(), 2u);
  EXPECT_FALSE(worker().requests()[0].echo_prompt());

  HttpResult zero = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":1,"logprobs":0)"));
  ASSERT_EQ(zero.status, 200) << zero.body;
  EXPECT_EQ(json::Serialize(zero.Json()["choices"][0]["logprobs"]["top_logprobs"]).find("{\"hello\":"), 1u);
}

TEST_F(CompletionsTest, EchoWithAndWithoutLogprobs) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":2,"echo":true)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["choices"][0]["text"].GetString(), std::string("hello worldhello world"));

  HttpResult lp = Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":1,"echo":true,"logprobs":1)"));
  ASSERT_EQ(lp.status, 200) << lp.body;
  rapidjson::Document doc = lp.Json();
  const auto& logprobs = doc["choices"][0]["logprobs"];
  EXPECT_EQ(json::Serialize(logprobs["tokens"]), R"(["<|bos|>","hello"," world","hello"])");
  EXPECT_TRUE(logprobs["token_logprobs"][0].IsNull());  // the first prompt token has none
  EXPECT_TRUE(logprobs["top_logprobs"][0].IsNull());
  EXPECT_NEAR(logprobs["token_logprobs"][1].GetDouble(), -1.1, 1e-6);
  EXPECT_NEAR(logprobs["token_logprobs"][3].GetDouble(), -0.05, 1e-6);
  EXPECT_EQ(json::Serialize(logprobs["text_offset"]), "[0,7,12,18]");
  auto requests = worker().requests();
  EXPECT_TRUE(requests[1].echo_prompt());
  EXPECT_EQ(requests[1].prompt_logprobs(), 1);
}

TEST_F(CompletionsTest, StopStrings) {
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"say: the quick brown fox","stop":["brown","zzz"])"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["choices"][0]["text"].GetString(), std::string(" the quick "));
  EXPECT_EQ(r.Json()["choices"][0]["finish_reason"].GetString(), std::string("stop"));
  HttpResult kept = Post("/v1/completions", Body(R"("prompt":"say: the quick brown fox","stop":"brown",)"
                                                 R"("include_stop_str_in_output":true)"));
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(kept.Json()["choices"][0]["text"].GetString(), std::string(" the quick brown"));

  // A stop string across two tokens, streamed: nothing past it is ever sent.
  std::vector<std::string> data = PostStream(
      "/v1/completions", Body(R"("prompt":"say: the quick brown fox","stop":"k br","stream":true)"));
  std::string text;
  for (const auto& chunk : Chunks(data)) text += chunk["choices"][0]["text"].GetString();
  EXPECT_EQ(text, " the quic");
  EXPECT_EQ(worker().requests()[2].stopping().stop(0), "k br");
}

TEST_F(CompletionsTest, SamplingParametersReachTheWorker) {
  HttpResult r = Post("/v1/completions",
                      Body(R"("prompt":"hello","max_tokens":2,"temperature":0.5,"top_p":0.9,"top_k":7,"min_p":0.1,)"
                           R"("presence_penalty":0.3,"frequency_penalty":0.4,"repetition_penalty":1.1,"seed":9,)"
                           R"("logit_bias":{"5":-100},"min_tokens":1,"ignore_eos":true,"user":"alice",)"
                           R"("skip_special_tokens":false,"stop_token_ids":[3])"));
  ASSERT_EQ(r.status, 200) << r.body;
  const v1::GenerateRequest request = worker().requests()[0];
  EXPECT_FLOAT_EQ(request.sampling().temperature(), 0.5f);
  EXPECT_FLOAT_EQ(request.sampling().top_p(), 0.9f);
  EXPECT_EQ(request.sampling().top_k(), 7u);
  EXPECT_FLOAT_EQ(request.sampling().min_p(), 0.1f);
  EXPECT_FLOAT_EQ(request.sampling().presence_penalty(), 0.3f);
  EXPECT_FLOAT_EQ(request.sampling().frequency_penalty(), 0.4f);
  EXPECT_FLOAT_EQ(request.sampling().repetition_penalty(), 1.1f);
  EXPECT_EQ(request.sampling().seed(), 9u);
  EXPECT_FLOAT_EQ(request.sampling().logit_bias().at(5), -100.0f);
  EXPECT_EQ(request.stopping().min_tokens(), 1u);
  EXPECT_TRUE(request.stopping().ignore_eos());
  EXPECT_EQ(request.stopping().stop_token_ids(0), 3);
  EXPECT_FALSE(request.skip_special_tokens());

  HttpResult contrastive = Post("/v1/completions", Body(R"("prompt":"hello","penalty_alpha":0.6,"top_k":4)"));
  ASSERT_EQ(contrastive.status, 200) << contrastive.body;
  EXPECT_FLOAT_EQ(worker().requests()[1].sampling().penalty_alpha(), 0.6f);
  EXPECT_EQ(worker().requests()[1].sampling().top_k(), 4u);
}

TEST_F(CompletionsTest, StreamingChunks) {
  std::vector<std::string> data =
      PostStream("/v1/completions", Body(R"("prompt":"hello world","max_tokens":4,"stream":true)"));
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  std::vector<rapidjson::Document> chunks = Chunks(data);
  ASSERT_EQ(chunks.size(), 4u);
  std::string text;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto& chunk = chunks[i];
    EXPECT_EQ(chunk["object"].GetString(), std::string("text_completion"));
    EXPECT_EQ(chunk["id"].GetString(), std::string(chunks[0]["id"].GetString()));
    EXPECT_FALSE(chunk.HasMember("usage"));
    ASSERT_EQ(chunk["choices"].Size(), 1u);
    text += chunk["choices"][0]["text"].GetString();
    if (i + 1 < chunks.size()) {
      EXPECT_TRUE(chunk["choices"][0]["finish_reason"].IsNull());
    }
  }
  EXPECT_EQ(text, "hello worldhello world");
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"].GetString(), std::string("length"));
}

TEST_F(CompletionsTest, StreamingWithUsageNAndEcho) {
  std::vector<std::string> data = PostStream(
      "/v1/completions", Body(R"("prompt":"hello world","max_tokens":2,"n":2,"echo":true,"logprobs":0,)"
                              R"("stream":true,"stream_options":{"include_usage":true})"));
  std::vector<rapidjson::Document> chunks = Chunks(data);
  ASSERT_GE(chunks.size(), 3u);
  std::string texts[2];
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_TRUE(chunks[i].HasMember("usage"));
    EXPECT_TRUE(chunks[i]["usage"].IsNull());
    const auto& choice = chunks[i]["choices"][0];
    texts[choice["index"].GetInt()] += choice["text"].GetString();
    EXPECT_TRUE(choice["logprobs"].IsObject());
  }
  EXPECT_EQ(texts[0], "hello worldhello world");
  EXPECT_EQ(texts[1], "hello world worldhello");
  const auto& last = chunks.back();
  EXPECT_EQ(last["choices"].Size(), 0u);
  EXPECT_EQ(json::Serialize(last["usage"]), R"({"prompt_tokens":3,"completion_tokens":4,"total_tokens":7})");
  // The echo chunk comes first, with the prompt's logprobs (text offsets start at 0).
  EXPECT_EQ(chunks[0]["choices"][0]["text"].GetString(), std::string("hello world"));
  EXPECT_EQ(json::Serialize(chunks[0]["choices"][0]["logprobs"]["text_offset"]), "[0,7,12]");
}

TEST_F(CompletionsTest, Errors) {
  struct Case {
    std::string body;
    int status;
    std::string param;  // "" for null
    std::string code;   // "" for null
  };
  const Case cases[] = {
      {R"({"model":"gpt-4","prompt":"x"})", 404, "model", "model_not_found"},
      {R"({"prompt":"x"})", 400, "model", "missing_required_parameter"},
      {R"({"model":"tiny-test","prompt":"x",)", 400, "", ""},
      {"[]", 400, "", ""},
      {Body(R"("prompt":"x","temperature":"0")"), 400, "temperature", "invalid_type"},
      {Body(R"("prompt":"x","n":99)"), 400, "n", "integer_above_max_value"},
      {Body(R"("prompt":"x","max_tokens":300)"), 400, "max_tokens", "context_length_exceeded"},
      {Body(R"("prompt":"x","logit_bias":{"99999":1})"), 400, "logit_bias", ""},
      {Body(R"("prompt":"x","bogus":true)"), 400, "bogus", "unknown_parameter"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    HttpResult r = Post("/v1/completions", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    rapidjson::Document doc = r.Json();
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << r.body;
    const auto& error = doc["error"];
    EXPECT_TRUE(error["message"].IsString());
    EXPECT_EQ(error["type"].GetString(), std::string("invalid_request_error"));
    EXPECT_EQ(error["param"].IsNull() ? "" : error["param"].GetString(), c.param);
    EXPECT_EQ(error["code"].IsNull() ? "" : error["code"].GetString(), c.code);
  }
  EXPECT_TRUE(worker().requests().empty());  // nothing reached the worker
}

TEST_F(CompletionsTest, InvalidUtf8Body) {
  HttpResult r = Post("/v1/completions", Body("\"prompt\":\"caf\xC3\x28\""));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("not valid UTF-8"), std::string::npos) << r.body;
}

TEST_F(CompletionsTest, PromptLongerThanTheContext) {
  std::string prompt;
  for (int i = 0; i < 300; ++i) prompt += "hello ";
  HttpResult r = Post("/v1/completions", Body(R"("prompt":")" + prompt + "\""));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("maximum context length is 256 tokens"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("param":"prompt")"), std::string::npos) << r.body;
}

TEST_F(CompletionsTest, QueueFullIs429WithRetryAfter) {
  worker().SetQueueFull(true);
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello")"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(r.body, R"({"error":{"message":"the worker's queue is full","type":"requests","param":null,)"
                    R"("code":"rate_limit_exceeded"}})");
  // Streams too: the error arrives before any SSE byte, so it keeps its status.
  HttpResult s = Post("/v1/completions", Body(R"("prompt":"hello","stream":true)"));
  EXPECT_EQ(s.status, 429);
  EXPECT_EQ(s.Header("content-type"), "application/json");
}

TEST_F(CompletionsTest, ErrorInsideARunningStream) {
  // Slow enough that the failure comes after the SSE headers went out.
  worker().SetTokenDelay(absl::Milliseconds(50));
  std::vector<std::string> data =
      PostStream("/v1/completions", Body(R"("prompt":"fail: hello world","max_tokens":20,"stream":true)"));
  ASSERT_GE(data.size(), 3u);
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_EQ(data[data.size() - 2],
            R"({"error":{"message":"scripted failure","type":"server_error","param":null,"code":null}})");
  HttpResult whole = Post("/v1/completions", Body(R"("prompt":"fail: hello world","max_tokens":20)"));
  EXPECT_EQ(whole.status, 500);
}

TEST_F(CompletionsTest, WorkerGoneIs503) {
  worker().Shutdown();
  HttpResult r = Post("/v1/completions", Body(R"("prompt":"hello")"));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find(R"("type":"server_error")"), std::string::npos);
}

TEST_F(CompletionsTest, ClientDisconnectCancelsTheWorkerStream) {
  worker().SetTokenDelay(absl::Milliseconds(20));
  httplib::Client client("127.0.0.1", port());
  int chunks = 0;
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/completions";
  request.body = Body(R"("prompt":"hello world","max_tokens":200,"stream":true)");
  request.set_header("Content-Type", "application/json");
  request.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 3; };
  auto res = client.send(request);
  EXPECT_GE(chunks, 3);
  // The worker sees the gateway's Cancel long before the 200 tokens (4 s) would be done.
  EXPECT_TRUE(worker().WaitForCancel(absl::Seconds(3)));
  EXPECT_GE(worker().cancel_messages(), 1);
  for (int i = 0; i < 300 && worker().active_streams() > 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(worker().active_streams(), 0);
}

TEST_F(CompletionsTest, ClientGoneDuringSilenceIsNoticedByHeartbeats) {
  // The worker is silent for 1.5 s between tokens; the client leaves after the first chunk. Without
  // heartbeats the gateway would notice only at the next token.
  worker().SetTokenDelay(absl::Milliseconds(1500));
  httplib::Client client("127.0.0.1", port());
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/completions";
  request.body = Body(R"("prompt":"hello world","max_tokens":50,"stream":true)");
  request.set_header("Content-Type", "application/json");
  request.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return false; };
  client.send(request);
  const absl::Time left = absl::Now();
  EXPECT_TRUE(worker().WaitForCancel(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - left, absl::Milliseconds(1200));
}

TEST_F(CompletionsTest, ManyConcurrentStreams) {
  constexpr int kClients = 256;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port());
      client.set_read_timeout(60, 0);
      auto res = client.Post("/v1/completions", Body(R"("prompt":"hello world","max_tokens":4,"stream":true)"),
                             "application/json");
      if (res && res->status == 200 && res->body.find("data: [DONE]") != std::string::npos &&
          res->body.find("\"finish_reason\":\"length\"") != std::string::npos) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
}

}  // namespace
}  // namespace basalt::gateway::testing
