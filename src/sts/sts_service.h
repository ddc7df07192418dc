// The STS API (query protocol). So far: GetCallerIdentity, for every kind of principal.
// The returned service is immutable; its handlers are thread-safe.
#pragma once

#include <memory>

#include "api/operation.h"

namespace sigil::sts {

std::unique_ptr<api::QueryService> MakeStsService();

}  // namespace sigil::sts
