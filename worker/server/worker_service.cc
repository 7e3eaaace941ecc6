#include "worker/server/worker_service.h"

#include "absl/strings/str_cat.h"
#include "worker/server/generate_reactor.h"
#include "worker/server/proto_convert.h"

namespace basalt::server {
namespace {

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const grpc::Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

WorkerService::WorkerService(engine::Engine& engine, std::string version)
    : engine_(engine), version_(std::move(version)) {}

grpc::ServerBidiReactor<basalt::v1::GenerateClientMessage, basalt::v1::GenerateResponse>* WorkerService::Generate(
    grpc::CallbackServerContext* context) {
  // The engine needs ids unique among running requests; clients' ids are only labels.
  return new GenerateReactor(engine_, absl::StrCat("g", next_stream_.fetch_add(1)));
}

grpc::ServerUnaryReactor* WorkerService::Tokenize(grpc::CallbackServerContext* context,
                                                  const basalt::v1::TokenizeRequest* request,
                                                  basalt::v1::TokenizeResponse* response) {
  const bool add_special = request->has_add_special_tokens() ? request->add_special_tokens() : true;
  auto encoding = engine_.tokenizer().Encode(request->text(), add_special);
  if (!encoding.ok()) return Done(context, ToGrpcStatus(encoding.status()));
  response->mutable_ids()->Add(encoding->ids.begin(), encoding->ids.end());
  if (request->return_tokens()) {
    for (auto& token : encoding->tokens) response->add_tokens(std::move(token));
  }
  response->set_max_model_len(engine_.description().max_model_len);
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* WorkerService::Detokenize(grpc::CallbackServerContext* context,
                                                    const basalt::v1::DetokenizeRequest* request,
                                                    basalt::v1::DetokenizeResponse* response) {
  const auto vocab = static_cast<int32_t>(engine_.tokenizer().VocabSize());
  for (int32_t id : request->ids()) {
    if (id < 0 || id >= vocab) {
      return Done(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        absl::StrCat("ids: token id ", id, " is outside the vocabulary [0, ", vocab, ")")));
    }
  }
  const bool skip = request->has_skip_special_tokens() ? request->skip_special_tokens() : true;
  std::vector<int32_t> ids(request->ids().begin(), request->ids().end());
  response->set_text(engine_.tokenizer().Decode(ids, skip));
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* WorkerService::ModelInfo(grpc::CallbackServerContext* context,
                                                   const basalt::v1::ModelInfoRequest* request,
                                                   basalt::v1::ModelInfoResponse* response) {
  const engine::ModelDescription& d = engine_.description();
  response->set_name(d.name);
  response->set_architecture(d.architecture);
  response->set_model_type(d.model_type);
  response->set_max_model_len(d.max_model_len);
  response->set_vocab_size(d.vocab_size);
  response->mutable_eos_token_ids()->Add(d.eos_token_ids.begin(), d.eos_token_ids.end());
  response->set_bos_token_id(d.bos_token_id);
  response->set_has_chat_template(d.has_chat_template);
  response->set_dtype(d.dtype);
  response->set_quantization(d.quantization);
  response->set_device(d.device);
  response->set_is_encoder_decoder(d.is_encoder_decoder);
  response->set_max_encoder_len(static_cast<uint32_t>(d.max_encoder_len));
  response->set_num_parameters(d.num_parameters);
  response->set_worker_version(version_);
  response->set_max_choices(d.max_choices);
  return Done(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* WorkerService::GetTokenizer(grpc::CallbackServerContext* context,
                                                      const basalt::v1::GetTokenizerRequest* request,
                                                      basalt::v1::GetTokenizerResponse* response) {
  const engine::ModelDescription& d = engine_.description();
  response->set_tokenizer_json(d.tokenizer_json);
  response->set_tokenizer_config_json(d.tokenizer_config_json);
  response->set_chat_template(d.chat_template);
  response->set_generation_config_json(d.generation_config_json);
  return Done(context, grpc::Status::OK);
}

}  // namespace basalt::server
