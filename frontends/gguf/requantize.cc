#include "frontends/gguf/requantize.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/gguf_writer.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "support/status.h"

namespace rf::gguf {

absl::StatusOr<RequantizeReport> Requantize(const std::string& in, const std::string& out,
                                            quant::GgmlType type) {
  if (!quant::CanQuantize(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rf cannot quantize to ", quant::TypeName(type)));
  }
  RF_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> src, GgufFile::Open(in));
  GgufWriter w;
  for (const KeyValue& kv : src->metadata()) {
    if (kv.key != "general.file_type") w.SetValue(kv.key, kv.value);
  }
  RequantizeReport report;
  const int block = quant::Info(type).block_size;
  for (const TensorInfo& t : src->tensors()) {
    const bool convert = t.dims.size() == 2 && t.dims[0] % block == 0 && t.type != type &&
                         quant::Info(t.type).dequantizable;
    if (!convert) {
      ++report.kept;
      RF_RETURN_IF_ERROR(w.AddTensor(t.name, t.dims, t.type, t.bytes()));
      continue;
    }
    ++report.converted;
    const TensorInfo* tp = &t;
    RF_RETURN_IF_ERROR(w.AddTensor(t.name, t.dims, type, [tp, type](std::span<uint8_t> dst) {
      RF_ASSIGN_OR_RETURN(std::vector<float> f32,
                          quant::DequantizeToF32(tp->type, tp->bytes(), tp->n_elements));
      return quant::Quantize(type, f32, dst);
    }));
  }
  RF_RETURN_IF_ERROR(w.WriteFile(out));
  return report;
}

}  // namespace rf::gguf
