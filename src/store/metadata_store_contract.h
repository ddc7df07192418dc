// The behaviour every MetadataStore implementation must share, as a parameterized GoogleTest
// suite: a backend's test binary compiles metadata_store_contract.cc and instantiates
// MetadataStoreContract with a StoreFactory for itself. Also printers for the model's types.
// Test-only; thread-compatible.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/status.h"
#include "store/metadata_store.h"
#include "store/store_test_util.h"

namespace sigil {

struct StoreFactory {
  std::string name;  // names the instantiation's tests, e.g. "Sqlite"
  // Creates a fresh, empty store. `scratch_dir` is an empty directory private to the test; the
  // store is destroyed before the directory is removed.
  std::function<StatusOr<std::unique_ptr<MetadataStore>>(const std::string& scratch_dir)> create;
};

// For INSTANTIATE_TEST_SUITE_P's name generator argument.
inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

class MetadataStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  // LoadIdentity, failing the test (and returning empty data) on error.
  IdentityData Load();
  // Seeds accounts 111111111111 and 222222222222 ...
  void CreateAccounts();
  // ... and user "alice" in the first.
  void CreateAccountsAndAlice();

  ScratchDir scratch_;  // declared first so it outlives store_
  std::unique_ptr<MetadataStore> store_;
};

// ---- Printers, so failures show values rather than bytes.

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }
inline void PrintTo(const Tag& tag, std::ostream* os) { *os << tag.key << "=" << tag.value; }
inline void PrintTo(const Account& a, std::ostream* os) {
  *os << "Account{" << a.account_id << ", " << a.name << ", "
      << a.created.time_since_epoch().count() << "ms}";
}
inline void PrintTo(const User& u, std::ostream* os) {
  *os << "User{" << u.account_id << ", " << u.user_id << ", " << u.name << ", " << u.path << ", "
      << u.created.time_since_epoch().count() << "ms, tags:";
  for (const Tag& tag : u.tags) *os << " " << tag.key << "=" << tag.value;
  *os << ", boundary '" << u.permissions_boundary_arn << "'}";
}
inline void PrintTo(const Group& g, std::ostream* os) {
  *os << "Group{" << g.account_id << ", " << g.group_id << ", " << g.name << ", " << g.path << ", "
      << g.created.time_since_epoch().count() << "ms}";
}
inline void PrintTo(const GroupMembership& m, std::ostream* os) {
  *os << "GroupMembership{" << m.account_id << ", " << m.group_id << ", " << m.user_id << "}";
}
inline void PrintTo(const ManagedPolicy& p, std::ostream* os) {
  *os << "ManagedPolicy{" << p.account_id << ", " << p.policy_id << ", " << p.name << ", " << p.path
      << ", '" << p.description << "', default " << p.default_version_id << ", next "
      << p.next_version_number << ", " << p.created.time_since_epoch().count() << "ms, "
      << p.updated.time_since_epoch().count() << "ms, tags:";
  for (const Tag& tag : p.tags) *os << " " << tag.key << "=" << tag.value;
  *os << "}";
}
inline void PrintTo(const PolicyVersion& v, std::ostream* os) {
  *os << "PolicyVersion{" << v.policy_id << ", " << v.version_id << ", " << v.document << ", "
      << v.created.time_since_epoch().count() << "ms}";
}
inline const char* OwnerKindName(PolicyOwnerKind kind) {
  switch (kind) {
    case PolicyOwnerKind::kUser:
      return "user";
    case PolicyOwnerKind::kGroup:
      return "group";
    case PolicyOwnerKind::kRole:
      return "role";
  }
  return "?";
}
inline void PrintTo(const PolicyAttachment& a, std::ostream* os) {
  *os << "PolicyAttachment{" << a.account_id << ", " << OwnerKindName(a.owner_kind) << " "
      << a.owner_id << ", " << a.policy_arn << "}";
}
inline void PrintTo(const InlinePolicy& p, std::ostream* os) {
  *os << "InlinePolicy{" << p.account_id << ", " << OwnerKindName(p.owner_kind) << " " << p.owner_id
      << ", " << p.name << ", " << p.document << "}";
}
inline void PrintTo(const Role& r, std::ostream* os) {
  *os << "Role{" << r.account_id << ", " << r.role_id << ", " << r.name << ", " << r.path << ", '"
      << r.description << "', trust " << r.assume_role_policy << ", max " << r.max_session_duration
      << "s, boundary '" << r.permissions_boundary_arn << "', "
      << r.created.time_since_epoch().count() << "ms, tags:";
  for (const Tag& tag : r.tags) *os << " " << tag.key << "=" << tag.value;
  *os << "}";
}
inline void PrintTo(const AccessKey& k, std::ostream* os) {
  // Never print a secret, even a sealed one.
  *os << "AccessKey{" << k.access_key_id << ", " << k.account_id << ", user '" << k.user_id << "', "
      << (k.status == AccessKeyStatus::kActive ? "Active" : "Inactive") << ", "
      << k.created.time_since_epoch().count() << "ms, sealed secret of " << k.sealed_secret.size()
      << " bytes}";
}
inline void PrintTo(const MfaDevice& d, std::ostream* os) {
  // Never print a seed, even a sealed one.
  *os << "MfaDevice{" << d.account_id << ", " << d.serial_number << ", " << d.name << ", " << d.path
      << ", user '" << d.user_id << "', " << d.created.time_since_epoch().count() << "ms, enabled ";
  if (d.enabled_at) {
    *os << d.enabled_at->time_since_epoch().count() << "ms";
  } else {
    *os << "never";
  }
  *os << ", sealed seed of " << d.sealed_seed.size() << " bytes, step " << d.last_accepted_step
      << ", tags:";
  for (const Tag& tag : d.tags) *os << " " << tag.key << "=" << tag.value;
  *os << "}";
}
inline void PrintTo(const AccessKeyUsage& u, std::ostream* os) {
  *os << "AccessKeyUsage{" << u.access_key_id << ", " << u.last_used.time_since_epoch().count()
      << "ms, " << u.region << ", " << u.service << "}";
}

}  // namespace sigil
