#include "identity/snapshot.h"

#include <algorithm>

#include "common/strings.h"

namespace sigil {

std::string UserArn(const std::string& account_id, const std::string& path,
                    const std::string& name) {
  return "arn:aws:iam::" + account_id + ":user" + path + name;
}

std::string RootArn(const std::string& account_id) {
  return "arn:aws:iam::" + account_id + ":root";
}

namespace {
std::string UserKey(std::string_view account_id, std::string_view name) {
  return std::string(account_id) + "\n" + AsciiLower(name);
}
}  // namespace

IdentitySnapshot::~IdentitySnapshot() {
  for (auto& [id, entry] : keys_) SecureWipe(entry.secret);
}

StatusOr<std::shared_ptr<const IdentitySnapshot>> IdentitySnapshot::Build(IdentityData data,
                                                                          const SecretBox& box) {
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

}  // namespace sigil
