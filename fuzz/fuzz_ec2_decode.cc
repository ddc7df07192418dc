// libFuzzer target for the EC2 query decoder. The input is a form body; its Action picks the
// operation (a missing or unknown one falls back to RunInstances, the deepest input shape). The
// decoder must not crash, and must either accept (a JSON object whose members are all in the
// shape) or refuse with one of EC2's parameter errors, never anything else.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/strings.h"
#include "protocol/ec2_codec.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto params = sigil::ParseQueryString(body);
  if (!params) return 0;
  const sigil::protocol::ServiceModel& model = sigil::protocol::Ec2Model();
  const sigil::protocol::Operation* op = nullptr;
  for (const sigil::QueryParam& p : *params) {
    if (p.key == "Action") op = model.FindOperation(p.value);
  }
  if (op == nullptr) op = model.FindOperation("RunInstances");
  Check(op != nullptr);
  auto decoded = sigil::protocol::DecodeEc2Input(op->input, *params);
  if (decoded.ok()) {
    Check(decoded->is_object());
    for (const auto& [name, value] : decoded->items()) {
      Check(op->input != nullptr && op->input->FindMember(name) != nullptr);
    }
    return 0;
  }
  const sigil::Status status = decoded.status();
  const std::string& code = status.aws_code();
  Check(code == "MissingParameter" || code == "UnknownParameter" ||
        code == "InvalidParameterValue");
  Check(status.http_status() == 400);
  return 0;
}
