// A botocore service model (operations and shapes) loaded at start-up from the copy embedded at
// build time. It drives the wire codecs, so adding an operation costs only its business logic.
// Immutable after Load; safe to share across threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sigil::protocol {

struct Shape;

struct Member {
  std::string name;  // the member name in the model, e.g. "UserName"
  const Shape* shape = nullptr;
  std::string location_name;  // wire name override (locationName), if any
  std::string query_name;     // EC2 query wire name override (queryName), if any
  bool flattened = false;     // member-level flattened
  const std::string& WireName() const { return location_name.empty() ? name : location_name; }
};

enum class ShapeType {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kBoolean,
  kTimestamp,
  kBlob,
  kDouble,
  kFloat
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;
  // Structures.
  std::vector<Member> members;  // in model order (the wire order of XML output)
  std::vector<std::string> required;
  // Lists: element; maps: key and value.
  Member member;
  Member key;
  Member value;
  bool flattened = false;
  // Constraints (strings: length; numbers: value; lists/maps: element count).
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  std::string pattern;
  std::vector<std::string> enum_values;
  bool sensitive = false;  // never echo its value in an error message
  // Exceptions.
  std::string error_code;
  int http_status = 400;

  const Member* FindMember(std::string_view member_name) const;
};

struct Operation {
  std::string name;
  const Shape* input = nullptr;   // may be null
  const Shape* output = nullptr;  // may be null
  std::string result_wrapper;     // e.g. "CreateUserResult"
};

class ServiceModel {
 public:
  // Parses the compact JSON produced by tools/gen_service_model.py.
  static StatusOr<std::unique_ptr<ServiceModel>> Load(std::string_view json);

  const Operation* FindOperation(std::string_view name) const;
  // Every operation of the (embedded part of the) model, by name.
  const std::map<std::string, Operation, std::less<>>& operations() const { return operations_; }
  const Shape* FindShape(std::string_view name) const;
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& signing_name() const { return signing_name_; }
  const std::string& protocol() const { return protocol_; }
  // JSON-protocol services: the X-Amz-Target prefix ("com.amazonaws.cloudtrail.v20131101.
  // CloudTrail_20131101") and the protocol version ("1.1"); empty for the others.
  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& json_version() const { return json_version_; }

 private:
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;
  std::map<std::string, Operation, std::less<>> operations_;
  std::string xml_namespace_;
  std::string api_version_;
  std::string signing_name_;
  std::string protocol_;
  std::string target_prefix_;
  std::string json_version_;
};

// The models embedded at build time.
const ServiceModel& IamModel();
const ServiceModel& StsModel();
// CloudTrail (JSON protocol), embedded with only the operations Sigil serves (LookupEvents).
const ServiceModel& CloudTrailModel();
// EC2 (its own query protocol flavour), embedded with only the operations Sigil serves.
const ServiceModel& Ec2Model();

}  // namespace sigil::protocol
