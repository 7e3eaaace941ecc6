#include "bench/load/http_client.h"

#include <httplib.h>

#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace basalt::bench {

RequestTrace RunHttpRequest(const std::string& host, int port, const std::string& model, const WorkItem& item) {
  RequestTrace trace;
  rapidjson::StringBuffer body;
  rapidjson::Writer<rapidjson::StringBuffer> w(body);
  w.StartObject();
  w.Key("model");
  w.String(model.c_str());
  w.Key("prompt");
  w.StartArray();
  for (int32_t id : item.prompt) w.Int(id);
  w.EndArray();
  w.Key("max_tokens");
  w.Int(item.max_tokens);
  w.Key("temperature");
  w.Int(0);
  w.Key("ignore_eos");
  w.Bool(true);
  w.Key("stream");
  w.Bool(true);
  w.Key("stream_options");
  w.StartObject();
  w.Key("include_usage");
  w.Bool(true);
  w.EndObject();
  w.EndObject();

  httplib::Client client(host, port);
  client.set_read_timeout(600, 0);
  client.set_tcp_nodelay(true);
  std::string pending;
  trace.start = Clock::now();
  int completion_tokens = -1;
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/completions";
  request.headers = {{"Content-Type", "application/json"}};
  request.body.assign(body.GetString(), body.GetSize());
  request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
        const auto now = Clock::now();
        pending.append(data, length);
        size_t end;
        while ((end = pending.find("\n\n")) != std::string::npos) {
          std::string event = pending.substr(0, end);
          pending.erase(0, end + 2);
          if (event.rfind("data: ", 0) != 0 || event == "data: [DONE]") continue;
          rapidjson::Document doc;
          doc.Parse(event.c_str() + 6);
          if (doc.HasParseError() || !doc.IsObject()) continue;
          if (doc.HasMember("error")) {
            trace.error = event;
            continue;
          }
          if (doc.HasMember("usage") && doc["usage"].IsObject())
            completion_tokens = doc["usage"]["completion_tokens"].GetInt();
          if (doc.HasMember("choices") && doc["choices"].IsArray() && !doc["choices"].Empty())
            trace.token_times.push_back(now);  // one chunk per token from the gateway
        }
        return true;
      };
  auto result = client.send(request);
  if (!result) {
    trace.error = "HTTP request failed: " + httplib::to_string(result.error());
  } else if (result->status != 200) {
    trace.error = "HTTP " + std::to_string(result->status) + ": " + result->body;
  }
  trace.output_tokens = completion_tokens >= 0 ? completion_tokens : static_cast<int>(trace.token_times.size());
  return trace;
}

}  // namespace basalt::bench
