// CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair. Only a key's public half and
// fingerprint are stored; a created private key is returned once and forgotten.
#include <algorithm>

#include "common/crypto.h"
#include "ec2/key_material.h"
#include "ec2/operations.h"

namespace sigil::ec2 {
namespace {

std::string KeyPairArn(const CallContext& ctx, std::string_view name) {
  return Ec2Arn(ctx.region, ctx.principal.account_id, "key-pair", name);
}

Status ValidateKeyName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return InvalidParameterValue(
        "Value for parameter KeyName is invalid. Length exceeds maximum "
        "of 255 ASCII characters or is empty.");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c > 0x7e) {
      return InvalidParameterValue(
          "Value for parameter KeyName is invalid. Character sets "
          "beyond ASCII are not supported.");
    }
  }
  return OkStatus();
}

const std::vector<std::string> kKeyPairTagTypes = {"key-pair"};

// ec2:CreateKeyPair / ec2:ImportKeyPair on the new key pair, and ec2:CreateTags on it when the
// request tags it on creation (ec2:CreateAction names the creating call).
AuthzRequest DescribeCreate(const CallContext& ctx, const Value& in, std::string_view op) {
  const std::string name = in.value("KeyName", "");
  AuthzRequest q{"ec2:" + std::string(op), KeyPairArn(ctx, name), RegionKeys(ctx)};
  auto tags = TagsFromSpecifications(in, "key-pair", kKeyPairTagTypes);
  if (tags.ok()) {
    AddRequestTagKeys(*tags, &q.condition_keys);
    AddCreateTagsCheck(ctx, q.resource, *tags, op, &q);
  }
  return q;
}

Status Duplicate(const std::string& name) {
  return ClientError(StatusCode::kAlreadyExists, "InvalidKeyPair.Duplicate",
                     "The keypair '" + name + "' already exists");
}

StatusOr<Value> StoreKeyPair(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                             const std::string& type, const std::string& public_key,
                             const std::string& fingerprint) {
  const std::string name = in["KeyName"].get<std::string>();
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2TagRecord> tags,
                         TagsFromSpecifications(in, "key-pair", kKeyPairTagTypes));
  Ec2KeyPairRecord record{
      NewResourceId(deps.random, "key"), name, type, fingerprint, public_key, ctx.now};
  tags = TagsFor(std::move(tags), record.key_pair_id);
  Status stored = deps.store.CreateKeyPair(ScopeOf(ctx), record, tags);
  if (stored.code() == StatusCode::kAlreadyExists) return Duplicate(name);
  SIGIL_RETURN_IF_ERROR(stored);
  Value out = {
      {"KeyFingerprint", fingerprint}, {"KeyName", name}, {"KeyPairId", record.key_pair_id}};
  if (Value set = TagSet(tags); !set.is_null()) out["Tags"] = set;
  return out;
}

StatusOr<Value> CreateKeyPair(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_RETURN_IF_ERROR(ValidateKeyName(in["KeyName"].get<std::string>()));
  const std::string type = in.value("KeyType", "rsa");
  if (type != "rsa" && type != "ed25519") {
    return InvalidParameterValue("Invalid value '" + type +
                                 "' for KeyType. Valid values: rsa, "
                                 "ed25519");
  }
  const std::string format = in.value("KeyFormat", "pem");
  if (format != "pem" && format != "ppk") {
    return InvalidParameterValue("Invalid value '" + format +
                                 "' for KeyFormat. Valid values: "
                                 "pem, ppk");
  }
  // Refuse a taken name before spending a key generation on it.
  SIGIL_ASSIGN_OR_RETURN(auto existing, deps.store.ListKeyPairs(ScopeOf(ctx)));
  const std::string name = in["KeyName"].get<std::string>();
  if (std::any_of(existing.begin(), existing.end(),
                  [&](const Ec2KeyPairRecord& k) { return k.key_name == name; })) {
    return Duplicate(name);
  }
  SIGIL_ASSIGN_OR_RETURN(
      NewKeyPair key, GenerateKeyPair(type == "rsa" ? KeyType::kRsa : KeyType::kEd25519,
                                      format == "ppk" ? KeyFormat::kPpk : KeyFormat::kPem, name));
  auto out = StoreKeyPair(deps, ctx, in, type, key.public_key, key.fingerprint);
  if (out.ok()) (*out)["KeyMaterial"] = key.private_key;
  SecureWipe(key.private_key);
  return out;
}

StatusOr<Value> ImportKeyPair(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_RETURN_IF_ERROR(ValidateKeyName(in["KeyName"].get<std::string>()));
  SIGIL_ASSIGN_OR_RETURN(ImportedPublicKey key,
                         ParseOpenSshPublicKey(in["PublicKeyMaterial"].get<std::string>()));
  return StoreKeyPair(deps, ctx, in, key.type == KeyType::kRsa ? "rsa" : "ed25519", key.public_key,
                      key.fingerprint);
}

StatusOr<Value> DescribeKeyPairs(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  const Ec2Scope scope = ScopeOf(ctx);
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2KeyPairRecord> keys, deps.store.ListKeyPairs(scope));
  SIGIL_ASSIGN_OR_RETURN(TagIndex tags, LoadTags(deps.store, scope));
  const std::vector<std::string> names = Strings(in, "KeyNames");
  const std::vector<std::string> ids = Strings(in, "KeyPairIds");
  for (const std::string& name : names) {
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const Ec2KeyPairRecord& k) { return k.key_name == name; })) {
      return ClientError(StatusCode::kNotFound, "InvalidKeyPair.NotFound",
                         "The key pair '" + name + "' does not exist");
    }
  }
  for (const std::string& id : ids) {
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const Ec2KeyPairRecord& k) { return k.key_pair_id == id; })) {
      return ClientError(StatusCode::kNotFound, "InvalidKeyPair.NotFound",
                         "The key pair '" + id + "' does not exist");
    }
  }
  const std::vector<Filter> filters = ParseFilters(in);
  const bool include_public = in.value("IncludePublicKey", false);
  Value out = Value::array();
  for (const Ec2KeyPairRecord& k : keys) {
    if (!names.empty() && std::find(names.begin(), names.end(), k.key_name) == names.end())
      continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), k.key_pair_id) == ids.end()) continue;
    const std::vector<Ec2TagRecord>& own = tags[k.key_pair_id];
    SIGIL_ASSIGN_OR_RETURN(
        bool match, MatchesFilters(
                        filters,
                        [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                          if (name == "key-name") return std::vector{k.key_name};
                          if (name == "key-pair-id") return std::vector{k.key_pair_id};
                          if (name == "fingerprint") return std::vector{k.fingerprint};
                          if (name == "key-type") return std::vector{k.key_type};
                          return std::nullopt;
                        },
                        own));
    if (!match) continue;
    Value v = {{"KeyPairId", k.key_pair_id},
               {"KeyFingerprint", k.fingerprint},
               {"KeyName", k.key_name},
               {"KeyType", k.key_type},
               {"CreateTime", k.created.time_since_epoch().count()}};
    if (Value set = TagSet(own); !set.is_null()) v["Tags"] = set;
    if (include_public) v["PublicKey"] = k.public_key;
    out.push_back(std::move(v));
  }
  return Value{{"KeyPairs", out}};
}

// The key pair a DeleteKeyPair names, by name or id; nullopt when there is none.
StatusOr<std::optional<Ec2KeyPairRecord>> Target(const Ec2Deps& deps, const CallContext& ctx,
                                                 const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2KeyPairRecord> keys, deps.store.ListKeyPairs(ScopeOf(ctx)));
  const std::string name = in.value("KeyName", "");
  const std::string id = in.value("KeyPairId", "");
  for (Ec2KeyPairRecord& k : keys) {
    if ((!id.empty() && k.key_pair_id == id) || (id.empty() && k.key_name == name)) {
      return std::optional<Ec2KeyPairRecord>(std::move(k));
    }
  }
  return std::optional<Ec2KeyPairRecord>();
}

AuthzRequest DescribeDelete(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  AuthzRequest q{"ec2:DeleteKeyPair", KeyPairArn(ctx, in.value("KeyName", "*")), RegionKeys(ctx)};
  auto target = Target(deps, ctx, in);
  if (target.ok() && target->has_value()) {
    q.resource = KeyPairArn(ctx, (*target)->key_name);
    if (auto tags = LoadTags(deps.store, ScopeOf(ctx)); tags.ok()) {
      AddResourceTagKeys((*tags)[(*target)->key_pair_id], &q.condition_keys);
    }
  }
  return q;
}

StatusOr<Value> DeleteKeyPair(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  if (!in.contains("KeyName") && !in.contains("KeyPairId")) return MissingParameter("KeyName");
  SIGIL_ASSIGN_OR_RETURN(std::optional<Ec2KeyPairRecord> target, Target(deps, ctx, in));
  if (!target) {
    // EC2 deletes a missing name without complaint; an id it does not know is an error.
    if (in.contains("KeyPairId")) {
      return ClientError(
          StatusCode::kNotFound, "InvalidKeyPair.NotFound",
          "The key pair '" + in["KeyPairId"].get<std::string>() + "' does not exist");
    }
    return Value::object();
  }
  Status deleted = deps.store.DeleteKeyPair(ScopeOf(ctx), target->key_pair_id);
  if (deleted.code() == StatusCode::kNotFound) return Value::object();  // deleted meanwhile
  SIGIL_RETURN_IF_ERROR(deleted);
  return Value::object();
}

}  // namespace

void RegisterKeyPairOperations(api::QueryService& service, const Ec2Deps& deps) {
  RegisterEc2Operation(
      service, "CreateKeyPair",
      [](const CallContext& ctx, const Value& in) {
        return DescribeCreate(ctx, in, "CreateKeyPair");
      },
      [deps](const CallContext& ctx, const Value& in) { return CreateKeyPair(deps, ctx, in); });
  RegisterEc2Operation(
      service, "ImportKeyPair",
      [](const CallContext& ctx, const Value& in) {
        return DescribeCreate(ctx, in, "ImportKeyPair");
      },
      [deps](const CallContext& ctx, const Value& in) { return ImportKeyPair(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DescribeKeyPairs",
      [](const CallContext& ctx, const Value&) {
        return UnscopedQuestion(ctx, "DescribeKeyPairs");
      },
      [deps](const CallContext& ctx, const Value& in) { return DescribeKeyPairs(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DeleteKeyPair",
      [deps](const CallContext& ctx, const Value& in) { return DescribeDelete(deps, ctx, in); },
      [deps](const CallContext& ctx, const Value& in) { return DeleteKeyPair(deps, ctx, in); });
}

}  // namespace sigil::ec2
