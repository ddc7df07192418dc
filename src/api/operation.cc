#include "api/operation.h"

#include <cassert>

namespace sigil::api {

void QueryService::Register(std::string_view name, Describer describe, Handler handle) {
  const protocol::Operation* op = model_.FindOperation(name);
  assert(op != nullptr && "operation not in the service model");
  operations_[std::string(name)] = OperationBinding{op, std::move(describe), std::move(handle)};
}

const OperationBinding* QueryService::Find(std::string_view name) const {
  auto it = operations_.find(name);
  return it == operations_.end() ? nullptr : &it->second;
}

}  // namespace sigil::api
