#include "identity/identity_service.h"

namespace sigil {
namespace {
constexpr std::string_view kBase32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kDigits = "0123456789";
}  // namespace

IdentityService::IdentityService(MetadataStore& store, SecretBox box, RandomSource& random,
                                 const Clock& clock)
    : store_(store), box_(std::move(box)), random_(random), clock_(clock) {}

Status IdentityService::Load() {
  std::lock_guard<std::mutex> lock(write_mu_);
  return Republish();
}

Status IdentityService::Republish() {
  SIGIL_ASSIGN_OR_RETURN(IdentityData data, store_.LoadIdentity());
  SIGIL_ASSIGN_OR_RETURN(auto snapshot, IdentitySnapshot::Build(std::move(data), box_));
  snapshot_.store(std::move(snapshot));
  return OkStatus();
}

std::string IdentityService::NewAccountId() {
  // AWS account ids are 12 digits; a leading zero is legal but confuses people and spreadsheets.
  return RandomString(random_, "123456789", 1) + RandomString(random_, kDigits, 11);
}
std::string IdentityService::NewUserId() {
  return "AIDA" + RandomString(random_, kBase32Upper, 17);
}
std::string IdentityService::NewAccessKeyId() {
  return "AKIA" + RandomString(random_, kBase32Upper, 16);
}

StatusOr<Account> IdentityService::CreateAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Account account{NewAccountId(), name, clock_.Now()};
  SIGIL_RETURN_IF_ERROR(store_.CreateAccount(account));
  SIGIL_RETURN_IF_ERROR(Republish());
  return account;
}

StatusOr<User> IdentityService::CreateUser(const std::string& account_id, const std::string& name,
                                           const std::string& path, const std::vector<Tag>& tags) {
  std::lock_guard<std::mutex> lock(write_mu_);
  User user{account_id, NewUserId(), name, path, clock_.Now(), tags};
  SIGIL_RETURN_IF_ERROR(store_.CreateUser(user));
  SIGIL_RETURN_IF_ERROR(Republish());
  return user;
}

Status IdentityService::UpdateUser(const std::string& account_id, const std::string& user_id,
                                   const std::optional<std::string>& new_name,
                                   const std::optional<std::string>& new_path) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.UpdateUser(account_id, user_id, new_name, new_path));
  return Republish();
}

Status IdentityService::DeleteUser(const std::string& account_id, const std::string& user_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.DeleteUser(account_id, user_id));
  return Republish();
}

Status IdentityService::SetUserTags(const std::string& account_id, const std::string& user_id,
                                    const std::vector<Tag>& tags) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.SetUserTags(account_id, user_id, tags));
  return Republish();
}

StatusOr<NewAccessKey> IdentityService::CreateAccessKey(const std::string& account_id,
                                                        const std::string& user_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  NewAccessKey created;
  created.secret_access_key = RandomString(random_, kSecretAlphabet, 40);
  AccessKey& key = created.key;
  key.access_key_id = NewAccessKeyId();
  key.account_id = account_id;
  key.user_id = user_id;
  key.status = AccessKeyStatus::kActive;
  key.created = clock_.Now();
  key.sealed_secret = box_.Seal(random_, created.secret_access_key, key.access_key_id);
  SIGIL_RETURN_IF_ERROR(store_.CreateAccessKey(key));
  SIGIL_RETURN_IF_ERROR(Republish());
  return created;
}

Status IdentityService::UpdateAccessKeyStatus(const std::string& access_key_id,
                                              AccessKeyStatus status) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.UpdateAccessKeyStatus(access_key_id, status));
  return Republish();
}

Status IdentityService::DeleteAccessKey(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.DeleteAccessKey(access_key_id));
  return Republish();
}

}  // namespace sigil
