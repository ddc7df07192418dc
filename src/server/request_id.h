// Request ids in AWS's shape (a random UUID string), for x-amzn-RequestId and the XML
// ResponseMetadata. Not secret; per-thread generators, so no lock. Thread-safe.
#pragma once

#include <string>

namespace sigil::server {

std::string NewRequestId();

}  // namespace sigil::server
