// Account-wide views: GetAccountSummary (entity counts and IAM quotas) and
// GetAccountAuthorizationDetails (every user, group, role and managed policy in use, with their
// policies).
#include "common/strings.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"

namespace sigil::iam {
namespace {

// ---- GetAccountSummary ---------------------------------------------------------------------

StatusOr<Value> GetAccountSummary(const CallContext& ctx, const Value&) {
  const IdentitySnapshot& snap = ctx.snapshot;
  const std::string& account = ctx.principal.account_id;
  // Each attachment of a managed policy to a user, group or role puts one policy version in use.
  int64_t versions_in_use = 0;
  for (const PolicyAttachment& a : snap.data().attachments) {
    versions_in_use += a.account_id == account ? 1 : 0;
  }
  auto count = [](const auto& v) { return static_cast<int64_t>(v.size()); };
  // Every key AWS returns (newer botocore models list them all; the one Sigil embeds lacks
  // Roles, InstanceProfiles, Providers, AccountPasswordPresent and the role and trust policy
  // sizes). Sigil has no passwords, MFA devices, server or signing certificates, instance
  // profiles or identity providers yet: those count 0.
  Value summary = {
      {"Users", count(snap.Users(account))},
      {"UsersQuota", kMaxUsersPerAccount},
      {"Groups", count(snap.Groups(account))},
      {"GroupsQuota", kMaxGroupsPerAccount},
      {"Roles", count(snap.Roles(account))},
      {"RolesQuota", kMaxRolesPerAccount},
      {"Policies", count(snap.ManagedPolicies(account))},
      {"PoliciesQuota", kMaxManagedPoliciesPerAccount},
      {"PolicyVersionsInUse", versions_in_use},
      {"PolicyVersionsInUseQuota", 10000},
      {"VersionsPerPolicyQuota", kMaxVersionsPerPolicy},
      {"PolicySizeQuota", 6144},
      {"UserPolicySizeQuota", 2048},
      {"GroupPolicySizeQuota", 5120},
      {"RolePolicySizeQuota", 10240},
      {"AssumeRolePolicySizeQuota", 2048},
      {"AccessKeysPerUserQuota", kMaxAccessKeysPerUser},
      {"GroupsPerUserQuota", kMaxGroupsPerUser},
      {"AttachedPoliciesPerUserQuota", kMaxAttachedPolicies},
      {"AttachedPoliciesPerGroupQuota", kMaxAttachedPolicies},
      {"AttachedPoliciesPerRoleQuota", kMaxAttachedPolicies},
      {"SigningCertificatesPerUserQuota", 2},
      {"AccountAccessKeysPresent", snap.Keys(account, "").empty() ? 0 : 1},
      {"AccountPasswordPresent", 0},
      {"AccountSigningCertificatesPresent", 0},
      {"AccountMFAEnabled", 0},
      {"MFADevices", 0},
      {"MFADevicesInUse", 0},
      {"ServerCertificates", 0},
      {"ServerCertificatesQuota", 20},
      {"InstanceProfiles", 0},
      {"InstanceProfilesQuota", 1000},
      {"Providers", 0},
      {"GlobalEndpointTokenVersion", 1},
  };
  return Value{{"SummaryMap", std::move(summary)}};
}

// ---- GetAccountAuthorizationDetails --------------------------------------------------------

Value InlinePoliciesToValue(const IdentitySnapshot& snap, PolicyOwnerKind kind,
                            const std::string& owner_id) {
  Value list = Value::array();
  for (const InlinePolicy* p : snap.InlinePoliciesOf(kind, owner_id)) {
    // AWS returns documents percent-encoded (RFC 3986); the SDKs decode them.
    list.push_back({{"PolicyName", p->name}, {"PolicyDocument", UriEncode(p->document)}});
  }
  return list;
}

Value AttachedPoliciesToValue(const IdentitySnapshot& snap, PolicyOwnerKind kind,
                              const std::string& owner_id) {
  Value list = Value::array();
  for (const PolicyAttachment* a : snap.AttachmentsOf(kind, owner_id)) {
    const std::string& arn = a->policy_arn;
    list.push_back({{"PolicyName", arn.substr(arn.rfind('/') + 1)}, {"PolicyArn", arn}});
  }
  return list;
}

Value UserDetail(const CallContext& ctx, const User& u) {
  Value v = UserToValue(ctx.principal.account_id, u, /*detailed=*/true);
  v["UserPolicyList"] = InlinePoliciesToValue(ctx.snapshot, PolicyOwnerKind::kUser, u.user_id);
  Value groups = Value::array();
  for (const Group* g : ctx.snapshot.GroupsOfUser(u.user_id)) groups.push_back(g->name);
  v["GroupList"] = std::move(groups);
  v["AttachedManagedPolicies"] =
      AttachedPoliciesToValue(ctx.snapshot, PolicyOwnerKind::kUser, u.user_id);
  return v;
}

Value GroupDetail(const CallContext& ctx, const Group& g) {
  return {
      {"Path", g.path},
      {"GroupName", g.name},
      {"GroupId", g.group_id},
      {"Arn", GroupArn(ctx.principal.account_id, g.path, g.name)},
      {"CreateDate", MillisOf(g.created)},
      {"GroupPolicyList", InlinePoliciesToValue(ctx.snapshot, PolicyOwnerKind::kGroup, g.group_id)},
      {"AttachedManagedPolicies",
       AttachedPoliciesToValue(ctx.snapshot, PolicyOwnerKind::kGroup, g.group_id)}};
}

Value RoleDetail(const CallContext& ctx, const Role& r) {
  Value v = {
      {"Path", r.path},
      {"RoleName", r.name},
      {"RoleId", r.role_id},
      {"Arn", RoleArn(ctx.principal.account_id, r.path, r.name)},
      {"CreateDate", MillisOf(r.created)},
      {"AssumeRolePolicyDocument", UriEncode(r.assume_role_policy)},
      {"InstanceProfileList", Value::array()},  // Sigil has no instance profiles
      {"RolePolicyList", InlinePoliciesToValue(ctx.snapshot, PolicyOwnerKind::kRole, r.role_id)},
      {"AttachedManagedPolicies",
       AttachedPoliciesToValue(ctx.snapshot, PolicyOwnerKind::kRole, r.role_id)},
      {"RoleLastUsed", Value::object()}};
  if (!r.permissions_boundary_arn.empty()) {
    v["PermissionsBoundary"] = PermissionsBoundaryToValue(r.permissions_boundary_arn);
  }
  if (!r.tags.empty()) v["Tags"] = TagsToValue(r.tags);
  return v;
}

// The counts a ManagedPolicyDetail shows, for the caller's account.
struct PolicyUsage {
  int64_t attachments = 0;
  int64_t boundaries = 0;
};

PolicyUsage UsageOf(const CallContext& ctx, const std::string& arn) {
  const std::string& account = ctx.principal.account_id;
  PolicyUsage usage;
  usage.attachments = static_cast<int64_t>(ctx.snapshot.AttachmentsOfPolicy(account, arn).size());
  for (const User* u : ctx.snapshot.Users(account)) {
    usage.boundaries += u->permissions_boundary_arn == arn ? 1 : 0;
  }
  for (const Role* r : ctx.snapshot.Roles(account)) {
    usage.boundaries += r->permissions_boundary_arn == arn ? 1 : 0;
  }
  return usage;
}

Value VersionDetail(const std::string& version_id, bool is_default, TimePoint created,
                    const std::string& document) {
  return {{"Document", UriEncode(document)},
          {"VersionId", version_id},
          {"IsDefaultVersion", is_default},
          {"CreateDate", MillisOf(created)}};
}

Value LocalPolicyDetail(const CallContext& ctx, const ManagedPolicy& p) {
  const std::string arn = PolicyArn(ctx.principal.account_id, p.path, p.name);
  const PolicyUsage usage = UsageOf(ctx, arn);
  Value versions = Value::array();
  for (const PolicyVersion* v : ctx.snapshot.Versions(p.policy_id)) {
    versions.push_back(VersionDetail(v->version_id, v->version_id == p.default_version_id,
                                     v->created, v->document));
  }
  Value detail = {{"PolicyName", p.name},
                  {"PolicyId", p.policy_id},
                  {"Arn", arn},
                  {"Path", p.path},
                  {"DefaultVersionId", p.default_version_id},
                  {"AttachmentCount", usage.attachments},
                  {"PermissionsBoundaryUsageCount", usage.boundaries},
                  {"IsAttachable", true},
                  {"CreateDate", MillisOf(p.created)},
                  {"UpdateDate", MillisOf(p.updated)},
                  {"PolicyVersionList", std::move(versions)}};
  if (!p.description.empty()) detail["Description"] = p.description;
  return detail;
}

Value AwsPolicyDetail(const AwsManagedPolicy& p, const PolicyUsage& usage) {
  return {
      {"PolicyName", p.name},
      {"PolicyId", p.policy_id},
      {"Arn", p.arn},
      {"Path", p.path},
      {"DefaultVersionId", p.default_version_id},
      {"AttachmentCount", usage.attachments},
      {"PermissionsBoundaryUsageCount", usage.boundaries},
      {"IsAttachable", true},
      {"Description", p.description},
      {"CreateDate", MillisOf(p.create_date)},
      {"UpdateDate", MillisOf(p.update_date)},
      {"PolicyVersionList", Value::array({VersionDetail(std::string(p.default_version_id), true,
                                                        p.update_date, std::string(p.document))})}};
}

StatusOr<Value> GetAccountAuthorizationDetails(const CallContext& ctx, const Value& in) {
  const std::string& account = ctx.principal.account_id;
  auto wanted = [&](std::string_view type) {
    if (!in.contains("Filter") || in["Filter"].empty()) return true;
    for (const Value& f : in["Filter"]) {
      if (f.get<std::string>() == type) return true;
    }
    return false;
  };
  // One ordered sequence across the four lists, so a Marker can resume anywhere in it.
  struct Item {
    std::string key;   // list rank, then lower-case name
    const char* list;  // output member
    Value value;
  };
  std::vector<Item> items;
  if (wanted("User")) {
    for (const User* u : ctx.snapshot.Users(account)) {
      items.push_back({"1" + AsciiLower(u->name), "UserDetailList", UserDetail(ctx, *u)});
    }
  }
  if (wanted("Group")) {
    for (const Group* g : ctx.snapshot.Groups(account)) {
      items.push_back({"2" + AsciiLower(g->name), "GroupDetailList", GroupDetail(ctx, *g)});
    }
  }
  if (wanted("Role")) {
    for (const Role* r : ctx.snapshot.Roles(account)) {
      items.push_back({"3" + AsciiLower(r->name), "RoleDetailList", RoleDetail(ctx, *r)});
    }
  }
  if (wanted("LocalManagedPolicy")) {
    for (const ManagedPolicy* p : ctx.snapshot.ManagedPolicies(account)) {
      items.push_back({"4" + AsciiLower(p->name), "Policies", LocalPolicyDetail(ctx, *p)});
    }
  }
  if (wanted("AWSManagedPolicy")) {
    // As AWS does, only the AWS managed policies the account uses.
    for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
      const PolicyUsage usage = UsageOf(ctx, std::string(p.arn));
      if (usage.attachments == 0 && usage.boundaries == 0) continue;
      items.push_back({"5" + AsciiLower(p.name), "Policies", AwsPolicyDetail(p, usage)});
    }
  }
  Value page = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, items, [](const Item& i) { return i.key; },
      [](const Item& i) {
        return Value{{"list", i.list}, {"value", i.value}};
      },
      "Items", &page));
  Value out = {{"UserDetailList", Value::array()},
               {"GroupDetailList", Value::array()},
               {"RoleDetailList", Value::array()},
               {"Policies", Value::array()},
               {"IsTruncated", page["IsTruncated"]}};
  for (const Value& i : page["Items"]) out[i["list"].get<std::string>()].push_back(i["value"]);
  if (page.contains("Marker")) out["Marker"] = page["Marker"];
  return out;
}

}  // namespace

void RegisterAccountOperations(api::QueryService* svc) {
  svc->Register(
      "GetAccountSummary",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"iam:GetAccountSummary", "*"};
      },
      GetAccountSummary);
  svc->Register(
      "GetAccountAuthorizationDetails",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"iam:GetAccountAuthorizationDetails", "*"};
      },
      GetAccountAuthorizationDetails);
}

}  // namespace sigil::iam
