#include "protocol/service_model.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace sigil::protocol {

extern const std::string_view kIamModelJson;
extern const std::string_view kStsModelJson;
extern const std::string_view kCloudtrailModelJson;
extern const std::string_view kEc2ModelJson;

namespace {

// ordered_json keeps members in the model's order, which is the XML wire order.
using json = nlohmann::ordered_json;

StatusOr<ShapeType> ParseType(const std::string& t) {
  static const std::map<std::string, ShapeType, std::less<>> kTypes = {
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
      {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"boolean", ShapeType::kBoolean},
      {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},
      {"double", ShapeType::kDouble},
      {"float", ShapeType::kFloat}};
  auto it = kTypes.find(t);
  if (it == kTypes.end()) return InternalError("unknown shape type " + t);
  return it->second;
}

}  // namespace

const Member* Shape::FindMember(std::string_view member_name) const {
  for (const Member& m : members) {
    if (m.name == member_name) return &m;
  }
  return nullptr;
}

StatusOr<std::unique_ptr<ServiceModel>> ServiceModel::Load(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return InternalError("service model is not JSON");
  auto model = std::make_unique<ServiceModel>();
  const json& meta = doc["metadata"];
  model->xml_namespace_ = meta.value("xmlNamespace", "");
  model->api_version_ = meta.value("apiVersion", "");
  model->signing_name_ = meta.value("signingName", meta.value("endpointPrefix", ""));
  model->protocol_ = meta.value("protocol", "");
  model->target_prefix_ = meta.value("targetPrefix", "");
  model->json_version_ = meta.value("jsonVersion", "");

  // Two passes: create every shape, then resolve references.
  for (const auto& [name, body] : doc["shapes"].items()) {
    auto shape = std::make_unique<Shape>();
    shape->name = name;
    SIGIL_ASSIGN_OR_RETURN(shape->type, ParseType(body.value("type", "")));
    model->shapes_[name] = std::move(shape);
  }
  auto resolve = [&](const json& ref, Member* out, std::string member_name) -> Status {
    std::string target = ref.value("shape", "");
    const Shape* s = model->FindShape(target);
    if (s == nullptr) return InternalError("unresolved shape " + target);
    out->name = std::move(member_name);
    out->shape = s;
    out->location_name = ref.value("locationName", "");
    out->query_name = ref.value("queryName", "");
    out->flattened = ref.value("flattened", false);
    return OkStatus();
  };
  for (const auto& [name, body] : doc["shapes"].items()) {
    Shape& shape = *model->shapes_[name];
    if (body.contains("members")) {
      for (const auto& [mname, mref] : body["members"].items()) {
        Member m;
        SIGIL_RETURN_IF_ERROR(resolve(mref, &m, mname));
        shape.members.push_back(std::move(m));
      }
    }
    if (body.contains("required"))
      shape.required = body["required"].get<std::vector<std::string>>();
    if (body.contains("member")) SIGIL_RETURN_IF_ERROR(resolve(body["member"], &shape.member, ""));
    if (body.contains("key")) SIGIL_RETURN_IF_ERROR(resolve(body["key"], &shape.key, "key"));
    if (body.contains("value"))
      SIGIL_RETURN_IF_ERROR(resolve(body["value"], &shape.value, "value"));
    shape.flattened = body.value("flattened", false);
    if (body.contains("min")) shape.min = body["min"].get<int64_t>();
    if (body.contains("max")) shape.max = body["max"].get<int64_t>();
    shape.pattern = body.value("pattern", "");
    shape.sensitive = body.value("sensitive", false);
    if (body.contains("enum")) shape.enum_values = body["enum"].get<std::vector<std::string>>();
    if (body.contains("error")) {
      shape.error_code = body["error"].value("code", name);
      shape.http_status = body["error"].value("httpStatusCode", 400);
    }
  }
  for (const auto& [name, body] : doc["operations"].items()) {
    Operation op;
    op.name = name;
    if (body.contains("input")) op.input = model->FindShape(body["input"].value("shape", ""));
    if (body.contains("output")) {
      op.output = model->FindShape(body["output"].value("shape", ""));
      op.result_wrapper = body["output"].value("resultWrapper", "");
    }
    model->operations_[name] = std::move(op);
  }
  return model;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = operations_.find(name);
  return it == operations_.end() ? nullptr : &it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : it->second.get();
}

namespace {
const ServiceModel& LoadOrDie(std::string_view json, const char* what) {
  auto model = ServiceModel::Load(json);
  // The embedded model is part of the binary: failing to load it is a build defect.
  if (!model.ok()) {
    std::fprintf(stderr, "sigil: embedded %s model is broken: %s\n", what,
                 model.status().ToString().c_str());
    std::abort();
  }
  return *model->release();
}
}  // namespace

const ServiceModel& IamModel() {
  static const ServiceModel& model = LoadOrDie(kIamModelJson, "IAM");
  return model;
}

const ServiceModel& StsModel() {
  static const ServiceModel& model = LoadOrDie(kStsModelJson, "STS");
  return model;
}

const ServiceModel& CloudTrailModel() {
  static const ServiceModel& model = LoadOrDie(kCloudtrailModelJson, "CloudTrail");
  return model;
}

const ServiceModel& Ec2Model() {
  static const ServiceModel& model = LoadOrDie(kEc2ModelJson, "EC2");
  return model;
}

}  // namespace sigil::protocol
