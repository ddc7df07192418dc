#include "client/rotate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "client/commands.h"
#include "client/session_cache.h"
#include "client/terminal.h"
#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

constexpr RotationState kStates[] = {RotationState::kCreating, RotationState::kCreated,
                                     RotationState::kVerified, RotationState::kSwitched,
                                     RotationState::kDeactivated};

// Tests set SIGIL_TEST_ROTATE_CRASH_AFTER=<point> to end the process abruptly right after that
// point, exactly as a kill would, to prove every point resumes.
void MaybeCrash(const ClientContext& ctx, std::string_view point) {
  if (ctx.env().Get("SIGIL_TEST_ROTATE_CRASH_AFTER") == point) {
    std::fprintf(stderr, "sigil: rotate: test crash after %.*s\n", static_cast<int>(point.size()),
                 point.data());
    std::fflush(nullptr);
    ::_exit(75);
  }
}

class Rotation {
 public:
  Rotation(ClientContext& ctx, const RotateFlags& flags, Vault& vault, std::string profile)
      : ctx_(ctx), flags_(flags), vault_(vault), profile_(std::move(profile)) {}

  Status Run();

 private:
  Status Start();
  Status Create();
  Status Verify();
  Status Switch();
  Status Deactivate();
  Status DeleteOld(bool* finished);
  Status Save(std::string_view point);
  Credentials NewKey() const;
  int64_t Now() const { return ToUnixSeconds(ctx_.clock().Now()); }

  ClientContext& ctx_;
  const RotateFlags& flags_;
  Vault& vault_;
  const std::string profile_;
  RotationJournal journal_;
};

Status Rotation::Save(std::string_view point) {
  vault_.data()["rotations"][profile_] = journal_.ToJson();
  SIGIL_RETURN_IF_ERROR(vault_.Save());
  MaybeCrash(ctx_, point);
  return OkStatus();
}

Credentials Rotation::NewKey() const {
  Credentials key;
  key.access_key_id = journal_.new_key_id;
  key.secret_access_key = journal_.new_secret;
  key.source = "the new key";
  return key;
}

Status Rotation::Run() {
  nlohmann::json& rotations = vault_.data()["rotations"];
  if (rotations.contains(profile_)) {
    SIGIL_ASSIGN_OR_RETURN(journal_, RotationJournal::FromJson(rotations[profile_]));
    Progress("rotate", "resuming the rotation of " + journal_.old_key_id +
                           " (step: " + std::string(RotationStateName(journal_.state)) + ")");
  } else {
    SIGIL_RETURN_IF_ERROR(Start());
  }
  if (journal_.state == RotationState::kCreating) SIGIL_RETURN_IF_ERROR(Create());
  if (journal_.state == RotationState::kCreated) SIGIL_RETURN_IF_ERROR(Verify());
  if (journal_.state == RotationState::kVerified) SIGIL_RETURN_IF_ERROR(Switch());
  if (journal_.state == RotationState::kSwitched) SIGIL_RETURN_IF_ERROR(Deactivate());
  bool finished = false;
  SIGIL_RETURN_IF_ERROR(DeleteOld(&finished));
  if (finished) {
    std::printf("Rotated profile %s: %s replaces %s, which is deleted.\n", profile_.c_str(),
                journal_.new_key_id.c_str(), journal_.old_key_id.c_str());
  }
  return OkStatus();
}

Status Rotation::Start() {
  KeyStorage storage = KeyStorage::kVault;
  SIGIL_ASSIGN_OR_RETURN(Credentials old_key, ctx_.LongTermKey(profile_, &storage));
  Progress("rotate", "checking " + old_key.access_key_id);
  SIGIL_ASSIGN_OR_RETURN(CallerIdentity who, GetCallerIdentity(ctx_.api(), old_key));
  if (who.IsRoot()) {
    return FailedPreconditionError(
        "this is a root user's key: delete it instead of rotating it, "
        "and use an IAM user's key");
  }
  const std::string user = who.UserName();
  if (user.empty()) return FailedPreconditionError(who.arn + " is not an IAM user");
  SIGIL_ASSIGN_OR_RETURN(std::vector<AccessKeyInfo> keys,
                         ListAccessKeys(ctx_.api(), old_key, user));
  for (const AccessKeyInfo& other : keys) {
    if (other.access_key_id == old_key.access_key_id || keys.size() < 2) continue;
    // IAM allows two keys per user: room must be made before creating one.
    if (other.status == "Active" || !flags_.delete_inactive) {
      return Status(StatusCode::kResourceExhausted,
                    "user " + user + " already has two access keys (" + old_key.access_key_id +
                        " and " + other.status + " " + other.access_key_id +
                        "); delete the one you no longer use (aws iam delete-access-key "
                        "--access-key-id " +
                        other.access_key_id + ")" +
                        (other.status == "Active" ? "" : " or pass --delete-inactive") +
                        ", then rerun");
    }
    Progress("rotate", "deleting the inactive key " + other.access_key_id +
                           " to make room (two keys per user)");
    SIGIL_RETURN_IF_ERROR(DeleteAccessKey(ctx_.api(), old_key, user, other.access_key_id));
  }
  journal_.state = RotationState::kCreating;
  journal_.user = user;
  journal_.old_key_id = old_key.access_key_id;
  journal_.storage = storage == KeyStorage::kVault             ? "vault"
                     : storage == KeyStorage::kCredentialsFile ? "credentials-file"
                                                               : "config-file";
  journal_.started = Now();
  return Save("journal");
}

Status Rotation::Create() {
  SIGIL_ASSIGN_OR_RETURN(Credentials old_key, ctx_.LongTermKey(profile_));
  SIGIL_ASSIGN_OR_RETURN(std::vector<AccessKeyInfo> keys,
                         ListAccessKeys(ctx_.api(), old_key, journal_.user));
  for (const AccessKeyInfo& k : keys) {
    if (k.access_key_id == journal_.old_key_id) continue;
    // A key created after the journal began is this rotation's, from a run that died before it
    // could record the secret: unusable, so it goes.
    std::optional<TimePoint> created = ParseIso8601(k.create_date);
    if (created && ToUnixSeconds(*created) + 1 >= journal_.started) {
      Progress("rotate", "deleting " + k.access_key_id +
                             ", created by an interrupted run before its secret was saved");
      SIGIL_RETURN_IF_ERROR(DeleteAccessKey(ctx_.api(), old_key, journal_.user, k.access_key_id));
    } else {
      return FailedPreconditionError("user " + journal_.user + " has another key, " +
                                     k.access_key_id +
                                     ", that this rotation did not create; "
                                     "delete it or rerun after checking");
    }
  }
  Progress("rotate", "creating a new access key for " + journal_.user);
  SIGIL_ASSIGN_OR_RETURN(Credentials fresh, CreateAccessKey(ctx_.api(), old_key, journal_.user));
  MaybeCrash(ctx_, "create");
  journal_.new_key_id = fresh.access_key_id;
  journal_.new_secret = fresh.secret_access_key;
  journal_.state = RotationState::kCreated;
  return Save("record");
}

Status Rotation::Verify() {
  const Credentials new_key = NewKey();
  Status last;
  for (int attempt = 1; attempt <= std::max(1, flags_.verify_attempts); ++attempt) {
    Progress("rotate",
             "verifying " + journal_.new_key_id + " (attempt " + std::to_string(attempt) + ")");
    StatusOr<CallerIdentity> who = GetCallerIdentity(ctx_.api(), new_key);
    if (who.ok() && who->UserName() == journal_.user) {
      journal_.state = RotationState::kVerified;
      return Save("verify");
    }
    last = who.ok() ? FailedPreconditionError("the new key belongs to " + who->arn) : who.status();
    // New IAM keys can take a few seconds to work everywhere (eventual consistency).
    if (attempt < flags_.verify_attempts) std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  // Roll back: the old key was never touched.
  Progress("rotate", "the new key does not work; deleting it (the old key stays in use)");
  SIGIL_ASSIGN_OR_RETURN(Credentials old_key, ctx_.LongTermKey(profile_));
  Status deleted = DeleteAccessKey(ctx_.api(), old_key, journal_.user, journal_.new_key_id);
  if (deleted.ok() || deleted.code() == StatusCode::kNotFound) {
    WipeJson(vault_.data()["rotations"][profile_]);
    vault_.data()["rotations"].erase(profile_);
    SIGIL_RETURN_IF_ERROR(vault_.Save());
  }
  return Status(StatusCode::kUnavailable,
                "the new key " + journal_.new_key_id + " failed verification (" + last.message() +
                    "); the rotation was rolled back and " + journal_.old_key_id +
                    " is still in use. Check the endpoint and rerun `sigil rotate`");
}

Status Rotation::Switch() {
  Progress("rotate", "switching profile " + profile_ + " to " + journal_.new_key_id);
  if (journal_.storage == "vault") {
    nlohmann::json& entry = vault_.data()["keys"][profile_];
    WipeJson(entry);
    entry = {{"access_key_id", journal_.new_key_id},
             {"secret_access_key", journal_.new_secret},
             {"added", FormatIso8601(ctx_.clock().Now())}};
  } else {
    AwsConfig& config = ctx_.config();
    IniDocument& doc = journal_.storage == "credentials-file" ? config.mutable_credentials()
                                                              : config.mutable_config();
    const std::string section =
        journal_.storage == "credentials-file" ? profile_ : config.ConfigSection(profile_);
    doc.Set(section, "aws_access_key_id", journal_.new_key_id);
    doc.Set(section, "aws_secret_access_key", journal_.new_secret);
    SIGIL_RETURN_IF_ERROR(journal_.storage == "credentials-file" ? config.SaveCredentials()
                                                                 : config.SaveConfig());
  }
  int cleared = ClearSessions(vault_, journal_.old_key_id);
  if (cleared > 0) Progress("rotate", "cleared " + std::to_string(cleared) + " cached session(s)");
  journal_.state = RotationState::kSwitched;
  return Save("switch");
}

Status Rotation::Deactivate() {
  Progress("rotate", "deactivating the old key " + journal_.old_key_id);
  Status s = UpdateAccessKey(ctx_.api(), NewKey(), journal_.user, journal_.old_key_id, "Inactive");
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  journal_.state = RotationState::kDeactivated;
  journal_.deactivated_at = Now();
  return Save("deactivate");
}

Status Rotation::DeleteOld(bool* finished) {
  const int64_t due = journal_.deactivated_at + flags_.grace_seconds;
  if (Now() < due) {
    std::printf(
        "Profile %s uses %s. The old key %s is inactive and will be deleted by the "
        "first `sigil rotate --profile %s` after %s (reactivate it with aws iam "
        "update-access-key if something breaks).\n",
        profile_.c_str(), journal_.new_key_id.c_str(), journal_.old_key_id.c_str(),
        profile_.c_str(), FormatIso8601(FromUnixSeconds(due)).c_str());
    return OkStatus();
  }
  Progress("rotate", "deleting the old key " + journal_.old_key_id);
  Status s = DeleteAccessKey(ctx_.api(), NewKey(), journal_.user, journal_.old_key_id);
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  MaybeCrash(ctx_, "delete");
  WipeJson(vault_.data()["rotations"][profile_]);
  vault_.data()["rotations"].erase(profile_);
  SIGIL_RETURN_IF_ERROR(vault_.Save());
  *finished = true;
  return OkStatus();
}

}  // namespace

std::string_view RotationStateName(RotationState state) {
  switch (state) {
    case RotationState::kCreating:
      return "creating";
    case RotationState::kCreated:
      return "created";
    case RotationState::kVerified:
      return "verified";
    case RotationState::kSwitched:
      return "switched";
    case RotationState::kDeactivated:
      return "deactivated";
  }
  return "creating";
}

nlohmann::json RotationJournal::ToJson() const {
  return {{"state", RotationStateName(state)},
          {"user", user},
          {"old_key_id", old_key_id},
          {"new_key_id", new_key_id},
          {"new_secret", new_secret},
          {"storage", storage},
          {"started", started},
          {"deactivated_at", deactivated_at}};
}

StatusOr<RotationJournal> RotationJournal::FromJson(const nlohmann::json& json) {
  RotationJournal j;
  if (!json.is_object()) return FailedPreconditionError("the rotation journal is damaged");
  const std::string state = json.value("state", "");
  bool known = false;
  for (RotationState s : kStates) {
    if (RotationStateName(s) == state) {
      j.state = s;
      known = true;
    }
  }
  if (!known) {
    return FailedPreconditionError("the rotation journal has an unknown step \"" + state +
                                   "\" (written by a newer sigil?)");
  }
  j.user = json.value("user", "");
  j.old_key_id = json.value("old_key_id", "");
  j.new_key_id = json.value("new_key_id", "");
  j.new_secret = json.value("new_secret", "");
  j.storage = json.value("storage", "");
  j.started = json.value("started", int64_t{0});
  j.deactivated_at = json.value("deactivated_at", int64_t{0});
  if (j.user.empty() || j.old_key_id.empty() ||
      (j.state != RotationState::kCreating && (j.new_key_id.empty() || j.new_secret.empty())) ||
      (j.storage != "vault" && j.storage != "credentials-file" && j.storage != "config-file")) {
    return FailedPreconditionError("the rotation journal is incomplete");
  }
  return j;
}

int RunRotate(ClientContext& ctx, const RotateFlags& flags) {
  const std::string profile = ctx.profile().name;
  StatusOr<Vault*> vault = ctx.OpenVault(/*create=*/true);
  if (!vault.ok()) return Fail("rotate", vault.status());
  Rotation rotation(ctx, flags, **vault, profile);
  Status s = rotation.Run();
  if (!s.ok()) {
    return Fail(
        "rotate",
        Status(s.code(), s.message() + (s.code() == StatusCode::kUnavailable
                                            ? ""
                                            : " (`sigil rotate` resumes from the journal)")));
  }
  return 0;
}

}  // namespace sigil::client
