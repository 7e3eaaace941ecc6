#include "worker/model/weights.h"

#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/status/status_macros.h"
#include "worker/model/torch_status.h"

namespace basalt::model {

absl::StatusOr<at::ScalarType> ToScalarType(DType dtype) {
  switch (dtype) {
    case DType::kF64: return at::kDouble;
    case DType::kF32: return at::kFloat;
    case DType::kF16: return at::kHalf;
    case DType::kBF16: return at::kBFloat16;
    case DType::kI64: return at::kLong;
    case DType::kI32: return at::kInt;
    case DType::kI16: return at::kShort;
    case DType::kI8: return at::kChar;
    case DType::kU8: return at::kByte;
    case DType::kBool: return at::kBool;
    default: return absl::InvalidArgumentError(absl::StrCat("unsupported weight dtype ", DTypeName(dtype)));
  }
}

namespace {

// Reads checkpoint tensors straight from the mapping into their final place (converted to the compute
// dtype, on the device, fused projections' rows included), releasing the mapped pages once copied: the
// weights are copied once and peak memory stays near one copy of them. Quantized Linear weights are
// quantized part by part as they are read (quantization.h), so that holds for them too.
class Reader {
 public:
  Reader(const WeightFiles& files, std::string base_prefix, at::ScalarType dtype, at::Device device,
         Quantization quantization)
      : files_(files), base_prefix_(std::move(base_prefix)), dtype_(dtype), device_(device),
        quantization_(quantization) {}

  bool Has(const std::string& name) const { return files_.Find(Resolve(name)) != nullptr; }

  // A checkpoint tensor as it lies in the mapping (no copy; valid until Release), checked against the
  // expected shape (empty: any).
  absl::StatusOr<at::Tensor> Map(const std::string& requested, const std::vector<int64_t>& expected_shape) {
    const std::string name = Resolve(requested);
    auto view = files_.Get(name);
    if (!view.ok()) return view.status();
    const TensorView& v = **view;
    if (!expected_shape.empty() && v.shape != expected_shape) {
      return absl::InvalidArgumentError(absl::StrCat("weight ", name, " has shape [",
                                                     absl::StrJoin(v.shape, ", "), "], expected [",
                                                     absl::StrJoin(expected_shape, ", "), "]"));
    }
    auto type = ToScalarType(v.dtype);
    if (!type.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", type.status().message()));
    mapped_.push_back(&v);
    count_ += static_cast<int64_t>(v.nbytes / DTypeSize(v.dtype));
    // from_blob does not take ownership; copies out of it detach from the mapping.
    return at::from_blob(const_cast<unsigned char*>(v.data), v.shape, at::TensorOptions().dtype(*type).device(at::kCPU));
  }

  // Drops the pages of every tensor mapped since the last call (their bytes are copied by now).
  void Release() {
    for (const TensorView* v : mapped_) v->file->Release(v->file_offset, v->nbytes);
    mapped_.clear();
  }

  at::Tensor Empty(std::vector<int64_t> shape) const {
    return at::empty(shape, at::TensorOptions().dtype(dtype_).device(device_));
  }

  // A whole tensor, copied once.
  absl::StatusOr<at::Tensor> Read(const std::string& name, const std::vector<int64_t>& expected_shape) {
    at::Tensor source;
    BASALT_ASSIGN_OR_RETURN(source, Map(name, expected_shape));
    at::Tensor result = Empty(source.sizes().vec());
    result.copy_(source);
    Release();
    return result;
  }

  int64_t count() const { return count_; }
  Quantization quantization() const { return quantization_; }
  at::Device device() const { return device_; }

 private:
  // The name as the checkpoint spells it: as given, or without the base model's prefix.
  std::string Resolve(const std::string& name) const {
    if (files_.Find(name) != nullptr || base_prefix_.empty() || name.rfind(base_prefix_, 0) != 0) return name;
    std::string stripped = name.substr(base_prefix_.size());
    return files_.Find(stripped) != nullptr ? stripped : name;
  }

  const WeightFiles& files_;
  std::string base_prefix_;
  at::ScalarType dtype_;
  at::Device device_;
  Quantization quantization_;
  std::vector<const TensorView*> mapped_;
  int64_t count_ = 0;
};

std::string ForLayer(const std::string& pattern, int layer) {
  return absl::StrReplaceAll(pattern, {{"{L}", absl::StrCat(layer)}});
}

absl::StatusOr<NormWeights> ReadNorm(Reader& r, const std::string& name, int64_t dim, const NormSpec& spec,
                                     bool required) {
  NormWeights norm;
  if (name.empty()) return norm;
  if (!spec.affine) {
    // A norm without parameters: present, with nothing to read (the layer normalizes without weight).
    norm.present = true;
    return norm;
  }
  if (!required && !r.Has(name + ".weight")) return norm;
  BASALT_ASSIGN_OR_RETURN(norm.weight, r.Read(name + ".weight", {dim}));
  norm.present = true;
  if (spec.type == NormType::kLayerNorm && spec.bias) {
    BASALT_ASSIGN_OR_RETURN(norm.bias, r.Read(name + ".bias", {dim}));
  }
  return norm;
}

// How a checkpoint stores a Linear layer's weight.
struct LinearLayout {
  bool transposed = false;  // Conv1D: [in, out] instead of [out, in]
  int per_head = 0;         // > 0: rows are [per_head heads, 3, head_dim] (fused qkv), reordered to q, k, v
};

// Reads Linear layers that share an input into one [sum(out), in] projection (q/k/v, gate/up, or a
// single layer): each part is copied from the mapping straight into its rows, so fusing costs nothing.
// Quantized, each part's rows are quantized from the mapping into the int8 rows (the scale is per row,
// so fused parts and reordered rows quantize independently).
absl::StatusOr<LinearWeights> ReadLinear(Reader& r, const std::vector<std::pair<std::string, int64_t>>& parts,
                                         int64_t in, bool bias, LinearLayout layout = {}) {
  int64_t total = 0;
  for (const auto& part : parts) total += part.second;
  LinearWeights linear;
  const bool int8 = r.quantization() == Quantization::kInt8;
  if (int8) {
    linear.weight = at::empty({total, in}, at::TensorOptions().dtype(at::kChar).device(r.device()));
    linear.scale = at::empty({total}, at::TensorOptions().dtype(at::kFloat).device(r.device()));
  } else {
    linear.weight = r.Empty({total, in});
  }
  if (bias) linear.bias = r.Empty({total});
  int64_t row = 0;
  for (const auto& [name, out] : parts) {
    at::Tensor w, b;
    BASALT_ASSIGN_OR_RETURN(w, r.Map(name + ".weight", layout.transposed ? std::vector<int64_t>{in, out}
                                                                          : std::vector<int64_t>{out, in}));
    if (layout.transposed) w = w.t();
    if (bias) {
      BASALT_ASSIGN_OR_RETURN(b, r.Map(name + ".bias", {out}));
    }
    at::Tensor w_rows = linear.weight.narrow(0, row, out);
    at::Tensor b_rows = bias ? linear.bias.narrow(0, row, out) : at::Tensor();
    if (layout.per_head > 0) {
      const int64_t heads = layout.per_head, head_dim = out / (3 * heads);
      if (int8) {
        // One [head_dim, in] block per (q/k/v, head), each contiguous in the mapping.
        at::Tensor source = w.view({heads, 3, head_dim, in});
        at::Tensor q_rows = w_rows.view({3, heads, head_dim, in});
        at::Tensor s_rows = linear.scale.narrow(0, row, out).view({3, heads, head_dim});
        for (int64_t part = 0; part < 3; ++part) {
          for (int64_t head = 0; head < heads; ++head) {
            QuantizeInt8RowsInto(source[head][part], q_rows[part][head], s_rows[part][head]);
          }
        }
      } else {
        w_rows.view({3, heads, head_dim, in}).copy_(w.view({heads, 3, head_dim, in}).transpose(0, 1));
      }
      if (bias) b_rows.view({3, heads, head_dim}).copy_(b.view({heads, 3, head_dim}).transpose(0, 1));
    } else {
      if (int8) {
        QuantizeInt8RowsInto(w, w_rows, linear.scale.narrow(0, row, out));
      } else {
        w_rows.copy_(w);
      }
      if (bias) b_rows.copy_(b);
    }
    r.Release();
    row += out;
  }
  return linear;
}

absl::StatusOr<LayerWeights> ReadLayer(Reader& r, const ModelSpec& spec, int layer) {
  const WeightNames& n = spec.weights;
  const AttentionSpec& a = spec.attention;
  const int64_t hidden = spec.hidden_size;
  const int64_t q_out = static_cast<int64_t>(a.num_heads) * a.head_dim;
  const int64_t kv_out = static_cast<int64_t>(a.num_kv_heads) * a.head_dim;
  auto name = [&](const std::string& pattern) { return ForLayer(pattern, layer); };
  const LinearLayout plain{n.transposed_linear, 0};
  LayerWeights w;
  BASALT_ASSIGN_OR_RETURN(w.input_norm, ReadNorm(r, name(n.input_norm), hidden, spec.norm, true));
  BASALT_ASSIGN_OR_RETURN(w.post_attention_norm,
                          ReadNorm(r, name(n.post_attention_norm), hidden, spec.norm, !spec.parallel_residual));
  BASALT_ASSIGN_OR_RETURN(w.pre_feedforward_norm, ReadNorm(r, name(n.pre_feedforward_norm), hidden, spec.norm, true));
  BASALT_ASSIGN_OR_RETURN(w.post_feedforward_norm, ReadNorm(r, name(n.post_feedforward_norm), hidden, spec.norm, true));
  if (a.qk_norm) {
    BASALT_ASSIGN_OR_RETURN(w.q_norm, ReadNorm(r, name(n.q_norm), a.head_dim, spec.norm, true));
    BASALT_ASSIGN_OR_RETURN(w.k_norm, ReadNorm(r, name(n.k_norm), a.head_dim, spec.norm, true));
  }
  if (!n.qkv_proj.empty()) {
    LinearLayout layout = plain;
    if (n.qkv_per_head) {
      if (a.num_kv_heads != a.num_heads)
        return absl::InvalidArgumentError("a per-head fused qkv projection needs as many kv heads as heads");
      layout.per_head = a.num_heads;
    }
    BASALT_ASSIGN_OR_RETURN(w.qkv, ReadLinear(r, {{name(n.qkv_proj), q_out + 2 * kv_out}}, hidden, a.qkv_bias, layout));
  } else {
    BASALT_ASSIGN_OR_RETURN(
        w.qkv, ReadLinear(r, {{name(n.q_proj), q_out}, {name(n.k_proj), kv_out}, {name(n.v_proj), kv_out}}, hidden,
                          a.qkv_bias, plain));
  }
  BASALT_ASSIGN_OR_RETURN(w.o, ReadLinear(r, {{name(n.o_proj), hidden}}, q_out, a.out_bias, plain));
  if (spec.cross_attention) {
    // Cross-attention keys and values come from the encoder output (same width as the decoder's).
    BASALT_ASSIGN_OR_RETURN(w.cross_norm, ReadNorm(r, name(n.cross_attention_norm), hidden, spec.norm, true));
    BASALT_ASSIGN_OR_RETURN(w.cross_q, ReadLinear(r, {{name(n.cross_q_proj), q_out}}, hidden, a.qkv_bias, plain));
    BASALT_ASSIGN_OR_RETURN(w.cross_kv, ReadLinear(r, {{name(n.cross_k_proj), q_out}, {name(n.cross_v_proj), q_out}},
                                                   hidden, a.qkv_bias, plain));
    BASALT_ASSIGN_OR_RETURN(w.cross_o, ReadLinear(r, {{name(n.cross_o_proj), hidden}}, q_out, a.out_bias, plain));
  }
  const int64_t inter = spec.mlp.intermediate_size;
  if (spec.mlp.gated) {
    BASALT_ASSIGN_OR_RETURN(w.gate_up, ReadLinear(r, {{name(n.gate_proj), inter}, {name(n.up_proj), inter}}, hidden,
                                                  spec.mlp.bias, plain));
  } else {
    BASALT_ASSIGN_OR_RETURN(w.gate_up, ReadLinear(r, {{name(n.up_proj), inter}}, hidden, spec.mlp.bias, plain));
  }
  BASALT_ASSIGN_OR_RETURN(w.down, ReadLinear(r, {{name(n.down_proj), hidden}}, inter, spec.mlp.bias, plain));
  return w;
}

// Bytes of the distinct tensors of `w`, leaving out `shared` (counted by the stack that owns it).
int64_t CountBytes(const ModelWeights& w, const at::Tensor& shared) {
  std::unordered_set<const void*> seen;
  if (shared.defined()) seen.insert(shared.data_ptr());
  int64_t bytes = 0;
  auto add = [&](const at::Tensor& t) {
    if (t.defined() && seen.insert(t.data_ptr()).second) bytes += static_cast<int64_t>(t.nbytes());
  };
  auto add_norm = [&](const NormWeights& n) {
    add(n.weight);
    add(n.bias);
  };
  auto add_linear = [&](const LinearWeights& l) {
    add(l.weight);
    add(l.bias);
    add(l.scale);
  };
  add(w.embed_tokens);
  add(w.position_embeddings);
  add_norm(w.embedding_norm);
  add_linear(w.project_in);
  add_linear(w.project_out);
  add(w.relative_bias);
  add_norm(w.final_norm);
  add_linear(w.lm_head);
  for (const LayerWeights& l : w.layers) {
    for (const NormWeights* n : {&l.input_norm, &l.post_attention_norm, &l.pre_feedforward_norm,
                                 &l.post_feedforward_norm, &l.q_norm, &l.k_norm, &l.cross_norm})
      add_norm(*n);
    for (const LinearWeights* lin : {&l.qkv, &l.o, &l.cross_q, &l.cross_kv, &l.cross_o, &l.gate_up, &l.down})
      add_linear(*lin);
  }
  return bytes;
}

}  // namespace

absl::StatusOr<ModelWeights> LoadModelWeights(const ModelSpec& spec, const WeightFiles& files,
                                              at::ScalarType dtype, at::Device device,
                                              const at::Tensor& shared_embedding, Quantization quantization) {
  return GuardTorch([&]() -> absl::StatusOr<ModelWeights> {
    const WeightNames& n = spec.weights;
    Reader r(files, n.base_prefix, dtype, device, quantization);
    ModelWeights w;
    const int64_t embedding_dim = spec.embedding_dim > 0 ? spec.embedding_dim : spec.hidden_size;
    if (shared_embedding.defined()) {
      w.embed_tokens = shared_embedding;
    } else {
      BASALT_ASSIGN_OR_RETURN(w.embed_tokens, r.Read(n.embed_tokens + ".weight", {spec.vocab_size, embedding_dim}));
    }
    if (spec.position == PositionType::kLearned) {
      BASALT_ASSIGN_OR_RETURN(w.position_embeddings, r.Read(n.position_embeddings + ".weight", {}));
      if (w.position_embeddings.dim() != 2 || w.position_embeddings.size(1) != spec.hidden_size)
        return absl::InvalidArgumentError(absl::StrCat(n.position_embeddings, ".weight must be [positions, ",
                                                       spec.hidden_size, "]"));
    }
    if (spec.position == PositionType::kRelativeBias) {
      BASALT_ASSIGN_OR_RETURN(w.relative_bias, r.Read(n.relative_attention_bias + ".weight",
                                                      {spec.relative_bias.num_buckets, spec.attention.num_heads}));
    }
    if (embedding_dim != spec.hidden_size) {
      BASALT_ASSIGN_OR_RETURN(w.project_in, ReadLinear(r, {{n.project_in, spec.hidden_size}}, embedding_dim, false));
      BASALT_ASSIGN_OR_RETURN(w.project_out, ReadLinear(r, {{n.project_out, embedding_dim}}, spec.hidden_size, false));
    }
    if (spec.embedding_norm) {
      BASALT_ASSIGN_OR_RETURN(w.embedding_norm, ReadNorm(r, n.embedding_norm, spec.hidden_size, spec.norm, true));
    }
    if (spec.final_norm) {
      BASALT_ASSIGN_OR_RETURN(w.final_norm, ReadNorm(r, n.final_norm, spec.hidden_size, spec.norm, true));
    }
    // transformers ties the head to the embedding when tie_word_embeddings is set, even if the file
    // carries an lm_head copy; without tying, the head must be present.
    // Quantization: an untied head is a Linear like the others and is quantized (for TinyLlama it is 6%
    // of the weights). A tied head stays in the compute dtype: the same tensor is the embedding table,
    // whose rows are looked up (by the encoder too for T5/BART); a second, int8 copy for the head would
    // add a quarter of the table's memory instead of saving three quarters, and a quantized lookup would
    // put rounding error into every token's input as well. bitsandbytes (Basaran's int8) keeps every head
    // in 16 bits; here an untied head is quantized like the projections (its accuracy is covered by
    // tests/worker/quantized_model_test.cc with the rest of the model, not measured on its own).
    const std::string head = n.lm_head + ".weight";
    if (n.lm_head.empty() || (spec.tie_word_embeddings && !(n.lm_head_if_present && r.Has(head)))) {
      w.lm_head.weight = w.embed_tokens;
    } else {
      BASALT_ASSIGN_OR_RETURN(w.lm_head, ReadLinear(r, {{n.lm_head, spec.vocab_size}}, embedding_dim, false));
    }
    if (spec.lm_head_bias) {
      BASALT_ASSIGN_OR_RETURN(w.lm_head.bias, r.Read(n.lm_head_bias, {}));
      if (w.lm_head.bias.numel() != spec.vocab_size)
        return absl::InvalidArgumentError(absl::StrCat(n.lm_head_bias, " must have ", spec.vocab_size, " values"));
      w.lm_head.bias = w.lm_head.bias.reshape({spec.vocab_size});
    }
    for (int layer = 0; layer < spec.num_layers; ++layer) {
      LayerWeights lw;
      BASALT_ASSIGN_OR_RETURN(lw, ReadLayer(r, spec, layer));
      w.layers.push_back(std::move(lw));
    }
    w.num_parameters = r.count();
    w.bytes = CountBytes(w, shared_embedding);
    return w;
  });
}

}  // namespace basalt::model
