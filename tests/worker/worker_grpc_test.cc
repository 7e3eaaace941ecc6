// The worker's gRPC API through a real channel on loopback: streaming generation, cancel on the same
// stream, client going away, errors as statuses, the unary calls, and the standard health service.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>

#include "basalt/v1/worker.grpc.pb.h"
#include "worker/engine/engine.h"
#include "worker/engine/blocking_generate.h"
#include "worker/server/grpc_server.h"

namespace basalt::server {
namespace {

using basalt::v1::GenerateClientMessage;
using basalt::v1::GenerateResponse;

// A greedy request for max_tokens tokens, EOS ignored.
GenerateClientMessage Request(const std::string& prompt, int max_tokens) {
  GenerateClientMessage msg;
  auto* r = msg.mutable_request();
  r->set_request_id("test");
  r->set_text(prompt);
  r->mutable_sampling()->set_temperature(0);
  r->mutable_stopping()->set_max_tokens(max_tokens);
  r->mutable_stopping()->set_ignore_eos(true);
  return msg;
}

class WorkerGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine::EngineOptions options;
    options.model_dir = std::string(BASALT_FIXTURES_DIR) + "/models/llama";
    options.dtype = "float32";
    auto created = engine::Engine::Create(options);
    ASSERT_TRUE(created.ok()) << created.status();
    engine_ = created->release();
    auto running = StartGrpcServer(*engine_, "127.0.0.1:0");
    ASSERT_TRUE(running.ok()) << running.status();
    server_ = new RunningServer(std::move(*running));
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(256 << 20);
    channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->port), grpc::InsecureChannelCredentials(), args));
  }
  static void TearDownTestSuite() {
    engine_->Shutdown();
    server_->server->Shutdown();
    delete channel_;
    delete server_;
    delete engine_;
  }
  std::unique_ptr<basalt::v1::Worker::Stub> Stub() { return basalt::v1::Worker::NewStub(*channel_); }

  static engine::Engine* engine_;
  static RunningServer* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
};
engine::Engine* WorkerGrpcTest::engine_ = nullptr;
RunningServer* WorkerGrpcTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* WorkerGrpcTest::channel_ = nullptr;

TEST_F(WorkerGrpcTest, GenerateStreamsTokensAndEndsWithUsage) {
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  auto msg = Request("Call me Ishmael.", 12);
  msg.mutable_request()->set_logprobs(true);
  msg.mutable_request()->set_top_logprobs(3);
  ASSERT_TRUE(stream->Write(msg));
  stream->WritesDone();
  GenerateResponse response;
  std::string text;
  int tokens = 0, messages = 0;
  basalt::v1::FinishReason finish = basalt::v1::FINISH_REASON_UNSPECIFIED;
  bool saw_usage = false;
  while (stream->Read(&response)) {
    ++messages;
    EXPECT_GT(response.prompt_tokens(), 0u);
    for (const auto& choice : response.choices()) {
      EXPECT_EQ(choice.index(), 0u);
      text += choice.text();
      for (const auto& token : choice.tokens()) {
        ++tokens;
        EXPECT_TRUE(token.has_logprob());
        EXPECT_EQ(token.top_logprobs_size(), 3);
      }
      if (choice.finish_reason() != basalt::v1::FINISH_REASON_UNSPECIFIED) finish = choice.finish_reason();
    }
    if (response.has_usage()) {
      saw_usage = true;
      EXPECT_EQ(response.usage().completion_tokens(), 12u);
    }
  }
  grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(tokens, 12);
  EXPECT_GE(messages, 2);
  EXPECT_TRUE(saw_usage);
  EXPECT_EQ(finish, basalt::v1::FINISH_REASON_LENGTH);
  // The same request straight through the engine gives the same text.
  engine::GenerationRequest direct;
  direct.prompt_text = "Call me Ishmael.";
  direct.params.sampling.temperature = 0;
  direct.params.stopping.max_tokens = 12;
  direct.params.stopping.ignore_eos = true;
  auto expected = engine::GenerateBlocking(*engine_, direct);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(text, expected->choices[0].text);
}

TEST_F(WorkerGrpcTest, CancelOnTheSameStreamEndsItWithCancelled) {
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  ASSERT_TRUE(stream->Write(Request("Call me Ishmael.", 480)));
  GenerateResponse response;
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(stream->Read(&response));
  GenerateClientMessage cancel;
  cancel.mutable_cancel()->set_reason("test");
  ASSERT_TRUE(stream->Write(cancel));
  int tokens = 0;
  while (stream->Read(&response)) {
    for (const auto& choice : response.choices()) tokens += choice.tokens_size();
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  EXPECT_LT(tokens, 470);
}

TEST_F(WorkerGrpcTest, ClientGoingAwayCancelsAndTheWorkerCarriesOn) {
  {
    auto stub = Stub();
    grpc::ClientContext context;
    auto stream = stub->Generate(&context);
    ASSERT_TRUE(stream->Write(Request("Call me Ishmael.", 480)));
    GenerateResponse response;
    ASSERT_TRUE(stream->Read(&response));
    context.TryCancel();
    while (stream->Read(&response)) {
    }
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  ASSERT_TRUE(stream->Write(Request("Hello", 3)));
  stream->WritesDone();
  GenerateResponse response;
  while (stream->Read(&response)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(WorkerGrpcTest, InvalidRequestIsInvalidArgumentNamingTheField) {
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  auto msg = Request("Hello", 3);
  msg.mutable_request()->mutable_sampling()->set_top_p(1.5f);
  ASSERT_TRUE(stream->Write(msg));
  stream->WritesDone();
  GenerateResponse response;
  EXPECT_FALSE(stream->Read(&response));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("top_p"), std::string::npos) << status.error_message();
}

TEST_F(WorkerGrpcTest, StreamWithoutRequestIsInvalidArgument) {
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  stream->WritesDone();
  GenerateResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkerGrpcTest, TokenizeAndDetokenizeRoundTrip) {
  auto stub = Stub();
  basalt::v1::TokenizeRequest request;
  request.set_text("Call me Ishmael.");
  request.set_return_tokens(true);
  basalt::v1::TokenizeResponse tokens;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->Tokenize(&c1, request, &tokens).ok());
  ASSERT_GT(tokens.ids_size(), 1);
  EXPECT_EQ(tokens.ids(0), 0);  // BOS
  EXPECT_EQ(tokens.tokens_size(), tokens.ids_size());
  EXPECT_EQ(tokens.max_model_len(), 512u);
  basalt::v1::DetokenizeRequest back;
  *back.mutable_ids() = tokens.ids();
  basalt::v1::DetokenizeResponse text;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->Detokenize(&c2, back, &text).ok());
  EXPECT_EQ(text.text(), "Call me Ishmael.");
  back.add_ids(5000);
  grpc::ClientContext c3;
  EXPECT_EQ(stub->Detokenize(&c3, back, &text).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkerGrpcTest, ModelInfoAndTokenizerFiles) {
  auto stub = Stub();
  basalt::v1::ModelInfoResponse info;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->ModelInfo(&c1, {}, &info).ok());
  EXPECT_EQ(info.name(), "llama");
  EXPECT_EQ(info.architecture(), "LlamaForCausalLM");
  EXPECT_EQ(info.vocab_size(), 1024u);
  EXPECT_EQ(info.max_model_len(), 512u);
  EXPECT_EQ(info.dtype(), "float32");
  EXPECT_EQ(info.device(), "cpu");
  EXPECT_EQ(info.quantization(), "none");
  EXPECT_TRUE(info.has_chat_template());
  ASSERT_EQ(info.eos_token_ids_size(), 1);
  basalt::v1::GetTokenizerResponse files;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->GetTokenizer(&c2, {}, &files).ok());
  EXPECT_NE(files.tokenizer_json().find("\"merges\""), std::string::npos);
  EXPECT_NE(files.chat_template().find("<|im_start|>"), std::string::npos);
}

TEST_F(WorkerGrpcTest, HealthServiceSaysServing) {
  grpc::GenericStub generic(*channel_);
  grpc::ClientContext context;
  grpc::Slice empty("");  // an empty HealthCheckRequest asks about the whole server
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

// A worker started with --quantization int8 serves and says so in ModelInfo.
TEST(QuantizedWorkerGrpcTest, ServesAndReportsInt8) {
  engine::EngineOptions options;
  options.model_dir = std::string(BASALT_FIXTURES_DIR) + "/models/llama";
  options.dtype = "float32";
  options.quantization = "int8";
  auto engine = engine::Engine::Create(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto running = StartGrpcServer(**engine, "127.0.0.1:0");
  ASSERT_TRUE(running.ok()) << running.status();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(running->port), grpc::InsecureChannelCredentials());
  auto stub = basalt::v1::Worker::NewStub(channel);
  basalt::v1::ModelInfoResponse info;
  grpc::ClientContext info_context;
  ASSERT_TRUE(stub->ModelInfo(&info_context, {}, &info).ok());
  EXPECT_EQ(info.quantization(), "int8");
  EXPECT_EQ(info.dtype(), "float32");
  grpc::ClientContext context;
  auto stream = stub->Generate(&context);
  ASSERT_TRUE(stream->Write(Request("Call me Ishmael.", 8)));
  stream->WritesDone();
  GenerateResponse response;
  int tokens = 0;
  while (stream->Read(&response)) {
    for (const auto& choice : response.choices()) tokens += choice.tokens_size();
  }
  grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(tokens, 8);
  (*engine)->Shutdown();
  running->server->Shutdown();
}

}  // namespace
}  // namespace basalt::server
