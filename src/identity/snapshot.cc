#include "identity/snapshot.h"

#include <algorithm>
#include <cstdlib>

#include "common/strings.h"

namespace sigil {

std::string UserArn(const std::string& account_id, const std::string& path,
                    const std::string& name) {
  return "arn:aws:iam::" + account_id + ":user" + path + name;
}

std::string RootArn(const std::string& account_id) {
  return "arn:aws:iam::" + account_id + ":root";
}

std::string RoleArn(const std::string& account_id, const std::string& path,
                    const std::string& name) {
  return "arn:aws:iam::" + account_id + ":role" + path + name;
}

std::string AssumedRoleArn(const std::string& account_id, const std::string& role_name,
                           const std::string& session_name) {
  return "arn:aws:sts::" + account_id + ":assumed-role/" + role_name + "/" + session_name;
}

std::string FederatedUserArn(const std::string& account_id, const std::string& name) {
  return "arn:aws:sts::" + account_id + ":federated-user/" + name;
}

namespace {
std::string UserKey(std::string_view account_id, std::string_view name) {
  return std::string(account_id) + "\n" + AsciiLower(name);
}
}  // namespace

IdentitySnapshot::~IdentitySnapshot() {
  for (auto& [id, entry] : keys_) SecureWipe(entry.secret);
  for (auto& [serial, entry] : mfa_by_serial_) SecureWipe(entry.seed);
}

StatusOr<std::shared_ptr<const IdentitySnapshot>> IdentitySnapshot::Build(
    IdentityData data, const SecretBox& box, const AwsManagedPolicyText& aws_managed,
    PolicyCompileCache& cache) {
  std::shared_ptr<IdentitySnapshot> snap(new IdentitySnapshot());
  snap->data_ = std::move(data);
  for (const Account& a : snap->data_.accounts) snap->accounts_by_id_[a.account_id] = &a;
  std::unordered_map<std::string, const User*> users_by_id;
  for (const User& u : snap->data_.users) {
    snap->users_by_name_[UserKey(u.account_id, u.name)] = &u;
    users_by_id[u.user_id] = &u;
  }
  for (const AccessKey& k : snap->data_.access_keys) {
    auto secret = box.Open(k.sealed_secret, k.access_key_id);
    if (!secret.ok()) {
      return InternalError("cannot decrypt the secret of access key " + k.access_key_id +
                           ": wrong master key or tampered database");
    }
    KeyEntry entry;
    entry.key = k;
    entry.secret = std::move(secret).value();
    Principal& p = entry.principal;
    p.account_id = k.account_id;
    p.access_key_id = k.access_key_id;
    if (k.user_id.empty()) {
      p.type = PrincipalType::kRoot;
      p.arn = RootArn(k.account_id);
      p.principal_id = k.account_id;
    } else {
      auto it = users_by_id.find(k.user_id);
      if (it == users_by_id.end()) {
        return InternalError("access key " + k.access_key_id + " belongs to no user");
      }
      entry.user = it->second;
      p.type = PrincipalType::kUser;
      p.arn = UserArn(k.account_id, entry.user->path, entry.user->name);
      p.principal_id = entry.user->user_id;
      p.user_id = entry.user->user_id;
      p.user_name = entry.user->name;
    }
    snap->keys_.emplace(k.access_key_id, std::move(entry));
  }
  for (const AccessKeyUsage& u : snap->data_.key_usage) snap->usage_by_key_[u.access_key_id] = &u;
  for (const Group& g : snap->data_.groups)
    snap->groups_by_name_[UserKey(g.account_id, g.name)] = &g;
  for (const ManagedPolicy& p : snap->data_.managed_policies) {
    snap->policies_by_name_[UserKey(p.account_id, p.name)] = &p;
  }
  for (const Role& r : snap->data_.roles) {
    snap->roles_by_name_[UserKey(r.account_id, r.name)] = &r;
    snap->roles_by_id_[r.role_id] = &r;  // every request of a role session looks its role up
  }
  for (const MfaDevice& d : snap->data_.mfa_devices) {
    auto seed = box.Open(d.sealed_seed, d.serial_number);
    if (!seed.ok()) {
      return InternalError("cannot decrypt the seed of MFA device " + d.serial_number +
                           ": wrong master key or tampered database");
    }
    snap->mfa_by_serial_[AsciiLower(d.serial_number)] =
        MfaEntry{.device = &d, .seed = std::move(seed).value()};
  }
  SIGIL_ASSIGN_OR_RETURN(snap->policies_, BuildEffectivePolicies(snap->data_, aws_managed, cache));
  return std::shared_ptr<const IdentitySnapshot>(std::move(snap));
}

const KeyEntry* IdentitySnapshot::FindKey(std::string_view access_key_id) const {
  auto it = keys_.find(std::string(access_key_id));
  return it == keys_.end() ? nullptr : &it->second;
}

const Account* IdentitySnapshot::FindAccount(std::string_view account_id) const {
  auto it = accounts_by_id_.find(account_id);
  return it == accounts_by_id_.end() ? nullptr : it->second;
}

const User* IdentitySnapshot::FindUser(std::string_view account_id,
                                       std::string_view user_name) const {
  auto it = users_by_name_.find(UserKey(account_id, user_name));
  return it == users_by_name_.end() ? nullptr : it->second;
}

std::vector<const User*> IdentitySnapshot::Users(std::string_view account_id) const {
  std::vector<const User*> out;
  const std::string prefix = std::string(account_id) + "\n";
  for (auto it = users_by_name_.lower_bound(prefix);
       it != users_by_name_.end() && StartsWith(it->first, prefix); ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<const KeyEntry*> IdentitySnapshot::Keys(std::string_view account_id,
                                                    std::string_view user_id) const {
  std::vector<const KeyEntry*> out;
  for (const auto& [id, entry] : keys_) {
    if (entry.key.account_id == account_id && entry.key.user_id == user_id) out.push_back(&entry);
  }
  std::sort(out.begin(), out.end(), [](const KeyEntry* a, const KeyEntry* b) {
    return std::tie(a->key.created, a->key.access_key_id) <
           std::tie(b->key.created, b->key.access_key_id);
  });
  return out;
}

const AccessKeyUsage* IdentitySnapshot::PersistedUsage(std::string_view access_key_id) const {
  auto it = usage_by_key_.find(std::string(access_key_id));
  return it == usage_by_key_.end() ? nullptr : it->second;
}

namespace {

template <typename T>
const T* FindByKey(const std::map<std::string, const T*, std::less<>>& index,
                   std::string_view account_id, std::string_view name) {
  auto it = index.find(UserKey(account_id, name));
  return it == index.end() ? nullptr : it->second;
}

template <typename T>
std::vector<const T*> AllOfAccount(const std::map<std::string, const T*, std::less<>>& index,
                                   std::string_view account_id) {
  std::vector<const T*> out;
  const std::string prefix = std::string(account_id) + "\n";
  for (auto it = index.lower_bound(prefix); it != index.end() && StartsWith(it->first, prefix);
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

template <typename T>
void SortByName(std::vector<const T*>* v) {
  std::sort(v->begin(), v->end(),
            [](const T* a, const T* b) { return AsciiLower(a->name) < AsciiLower(b->name); });
}

int VersionNumber(std::string_view version_id) {
  return version_id.size() > 1 ? std::atoi(std::string(version_id.substr(1)).c_str()) : 0;
}

}  // namespace

const Group* IdentitySnapshot::FindGroup(std::string_view account_id, std::string_view name) const {
  return FindByKey(groups_by_name_, account_id, name);
}

std::vector<const Group*> IdentitySnapshot::Groups(std::string_view account_id) const {
  return AllOfAccount(groups_by_name_, account_id);
}

std::vector<const Group*> IdentitySnapshot::GroupsOfUser(std::string_view user_id) const {
  std::vector<const Group*> out;
  for (const GroupMembership& m : data_.memberships) {
    if (m.user_id != user_id) continue;
    for (const Group& g : data_.groups) {
      if (g.group_id == m.group_id) out.push_back(&g);
    }
  }
  SortByName(&out);
  return out;
}

std::vector<const User*> IdentitySnapshot::MembersOfGroup(std::string_view group_id) const {
  std::vector<const User*> out;
  for (const GroupMembership& m : data_.memberships) {
    if (m.group_id != group_id) continue;
    for (const User& u : data_.users) {
      if (u.user_id == m.user_id) out.push_back(&u);
    }
  }
  SortByName(&out);
  return out;
}

const ManagedPolicy* IdentitySnapshot::FindManagedPolicy(std::string_view account_id,
                                                         std::string_view name) const {
  return FindByKey(policies_by_name_, account_id, name);
}

const ManagedPolicy* IdentitySnapshot::FindManagedPolicyById(std::string_view policy_id) const {
  for (const ManagedPolicy& p : data_.managed_policies) {
    if (p.policy_id == policy_id) return &p;
  }
  return nullptr;
}

std::vector<const ManagedPolicy*> IdentitySnapshot::ManagedPolicies(
    std::string_view account_id) const {
  return AllOfAccount(policies_by_name_, account_id);
}

std::vector<const PolicyVersion*> IdentitySnapshot::Versions(std::string_view policy_id) const {
  std::vector<const PolicyVersion*> out;
  for (const PolicyVersion& v : data_.policy_versions) {
    if (v.policy_id == policy_id) out.push_back(&v);
  }
  std::sort(out.begin(), out.end(), [](const PolicyVersion* a, const PolicyVersion* b) {
    return VersionNumber(a->version_id) < VersionNumber(b->version_id);
  });
  return out;
}

const PolicyVersion* IdentitySnapshot::FindVersion(std::string_view policy_id,
                                                   std::string_view version_id) const {
  for (const PolicyVersion& v : data_.policy_versions) {
    if (v.policy_id == policy_id && v.version_id == version_id) return &v;
  }
  return nullptr;
}

std::vector<const PolicyAttachment*> IdentitySnapshot::AttachmentsOf(
    PolicyOwnerKind kind, std::string_view owner_id) const {
  std::vector<const PolicyAttachment*> out;
  for (const PolicyAttachment& a : data_.attachments) {
    if (a.owner_kind == kind && a.owner_id == owner_id) out.push_back(&a);
  }
  return out;
}

std::vector<const PolicyAttachment*> IdentitySnapshot::AttachmentsOfPolicy(
    std::string_view account_id, std::string_view policy_arn) const {
  std::vector<const PolicyAttachment*> out;
  for (const PolicyAttachment& a : data_.attachments) {
    if (a.account_id == account_id && a.policy_arn == policy_arn) out.push_back(&a);
  }
  return out;
}

std::vector<const InlinePolicy*> IdentitySnapshot::InlinePoliciesOf(
    PolicyOwnerKind kind, std::string_view owner_id) const {
  std::vector<const InlinePolicy*> out;
  for (const InlinePolicy& p : data_.inline_policies) {
    if (p.owner_kind == kind && p.owner_id == owner_id) out.push_back(&p);
  }
  SortByName(&out);
  return out;
}

const InlinePolicy* IdentitySnapshot::FindInlinePolicy(PolicyOwnerKind kind,
                                                       std::string_view owner_id,
                                                       std::string_view name) const {
  for (const InlinePolicy& p : data_.inline_policies) {
    if (p.owner_kind == kind && p.owner_id == owner_id && EqualsIgnoreCase(p.name, name)) {
      return &p;
    }
  }
  return nullptr;
}

const Role* IdentitySnapshot::FindRole(std::string_view account_id, std::string_view name) const {
  return FindByKey(roles_by_name_, account_id, name);
}

const EffectivePolicies* IdentitySnapshot::UserPolicies(std::string_view user_id) const {
  auto it = policies_.by_user_id.find(std::string(user_id));
  return it == policies_.by_user_id.end() ? nullptr : &it->second;
}

const EffectivePolicies* IdentitySnapshot::RolePolicies(std::string_view role_id) const {
  auto it = policies_.by_role_id.find(std::string(role_id));
  return it == policies_.by_role_id.end() ? nullptr : &it->second;
}

const policy::Policy* IdentitySnapshot::ManagedPolicyDocument(std::string_view arn) const {
  auto it = policies_.managed_by_arn.find(std::string(arn));
  return it == policies_.managed_by_arn.end() ? nullptr : it->second.get();
}

const Role* IdentitySnapshot::FindRoleById(std::string_view role_id) const {
  auto it = roles_by_id_.find(role_id);
  return it == roles_by_id_.end() ? nullptr : it->second;
}

std::vector<const Role*> IdentitySnapshot::Roles(std::string_view account_id) const {
  return AllOfAccount(roles_by_name_, account_id);
}

const MfaDevice* IdentitySnapshot::FindMfaDevice(std::string_view serial_number) const {
  auto it = mfa_by_serial_.find(AsciiLower(serial_number));
  return it == mfa_by_serial_.end() ? nullptr : it->second.device;
}

std::string_view IdentitySnapshot::MfaSeed(std::string_view serial_number) const {
  auto it = mfa_by_serial_.find(AsciiLower(serial_number));
  return it == mfa_by_serial_.end() ? std::string_view() : std::string_view(it->second.seed);
}

// data_.mfa_devices is sorted by (account_id, serial_number), and a user's devices are all in
// its account, so both lists come out sorted by serial.
std::vector<const MfaDevice*> IdentitySnapshot::MfaDevicesOfUser(std::string_view user_id) const {
  std::vector<const MfaDevice*> out;
  if (user_id.empty()) return out;  // "" marks unassigned devices, not a user
  for (const MfaDevice& d : data_.mfa_devices) {
    if (d.user_id == user_id) out.push_back(&d);
  }
  return out;
}

std::vector<const MfaDevice*> IdentitySnapshot::MfaDevices(std::string_view account_id) const {
  std::vector<const MfaDevice*> out;
  for (const MfaDevice& d : data_.mfa_devices) {
    if (d.account_id == account_id) out.push_back(&d);
  }
  return out;
}

}  // namespace sigil
