#include "client/rotate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "client/client_test_util.h"
#include "common/file_util.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

TEST(RotationJournalTest, RoundTripsEveryState) {
  for (RotationState state :
       {RotationState::kCreating, RotationState::kCreated, RotationState::kVerified,
        RotationState::kSwitched, RotationState::kDeactivated}) {
    RotationJournal j;
    j.state = state;
    j.user = "alice";
    j.old_key_id = "AKIAOLD";
    if (state != RotationState::kCreating) {
      j.new_key_id = "AKIANEW";
      j.new_secret = "secret";
    }
    j.storage = "vault";
    j.started = 1700000000;
    j.deactivated_at = state == RotationState::kDeactivated ? 1700000100 : 0;
    auto back = RotationJournal::FromJson(j.ToJson());
    ASSERT_TRUE(back.ok()) << RotationStateName(state);
    EXPECT_EQ(back->state, state);
    EXPECT_EQ(back->new_key_id, j.new_key_id);
    EXPECT_EQ(back->new_secret, j.new_secret);
    EXPECT_EQ(back->started, 1700000000);
    EXPECT_EQ(back->deactivated_at, j.deactivated_at);
  }
}

TEST(RotationJournalTest, RefusesDamagedJournals) {
  RotationJournal j;
  j.user = "alice";
  j.old_key_id = "AKIAOLD";
  j.storage = "vault";
  nlohmann::json json = j.ToJson();
  json["state"] = "teleporting";
  auto bad = RotationJournal::FromJson(json);
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(bad.status().message(),
            "the rotation journal has an unknown step \"teleporting\" (written by a newer sigil?)");
  json["state"] = "created";  // created without the new key
  EXPECT_EQ(RotationJournal::FromJson(json).status().message(),
            "the rotation journal is incomplete");
  json["state"] = "creating";
  json["storage"] = "somewhere";
  EXPECT_EQ(RotationJournal::FromJson(json).status().message(),
            "the rotation journal is incomplete");
  EXPECT_EQ(RotationJournal::FromJson(nlohmann::json::array()).status().message(),
            "the rotation journal is damaged");
}

}  // namespace
}  // namespace sigil::client

// The rotation against a fake IAM that keeps keys in memory: rollback, orphaned keys, the
// two-key limit and resuming from a journal, without a server.
namespace sigil::client {
namespace {

struct FakeKey {
  std::string secret;
  std::string status = "Active";
  int64_t created = 0;
};

class FakeIam {
 public:
  std::map<std::string, FakeKey> keys;  // all of user "alice"
  bool new_keys_work = true;
  int created = 0;
  std::vector<std::string> actions;

  http::Response Answer(const HttpCall& call) {
    const std::string action = FakeHttpClient::Param(call, "Action");
    actions.push_back(action);
    std::string caller;
    for (const http::Header& h : call.headers) {
      if (h.name == "Authorization") {
        size_t at = h.value.find("Credential=") + 11;
        caller = h.value.substr(at, h.value.find('/', at) - at);
      }
    }
    auto it = keys.find(caller);
    const bool usable = it != keys.end() && it->second.status == "Active" &&
                        (new_keys_work || caller.rfind("AKIANEW", 0) != 0);
    if (!usable) return Error(403, "InvalidClientTokenId");
    std::string result;
    if (action == "GetCallerIdentity") {
      result = "<Arn>arn:aws:iam::123456789012:user/alice</Arn><Account>123456789012</Account>";
    } else if (action == "ListAccessKeys") {
      result = "<AccessKeyMetadata>";
      for (const auto& [id, k] : keys) {
        result += "<member><UserName>alice</UserName><AccessKeyId>" + id +
                  "</AccessKeyId><Status>" + k.status + "</Status><CreateDate>" +
                  FormatIso8601(FromUnixSeconds(k.created)) + "</CreateDate></member>";
      }
      result += "</AccessKeyMetadata>";
    } else if (action == "CreateAccessKey") {
      if (keys.size() >= 2) return Error(409, "LimitExceeded");
      const std::string id = "AKIANEW" + std::to_string(++created);
      keys[id] = {"secret-" + id, "Active", ToUnixSeconds(SystemClock().Now())};
      result = "<AccessKey><AccessKeyId>" + id + "</AccessKeyId><SecretAccessKey>secret-" + id +
               "</SecretAccessKey></AccessKey>";
    } else if (action == "UpdateAccessKey" || action == "DeleteAccessKey") {
      auto target = keys.find(FakeHttpClient::Param(call, "AccessKeyId"));
      if (target == keys.end()) return Error(404, "NoSuchEntity");
      if (action == "DeleteAccessKey") {
        keys.erase(target);
      } else {
        target->second.status = FakeHttpClient::Param(call, "Status");
      }
    }
    http::Response r;
    r.body = "<" + action + "Response><" + action + "Result>" + result + "</" + action +
             "Result></" + action + "Response>";
    return r;
  }

  static http::Response Error(int status, const std::string& code) {
    http::Response r;
    r.status = status;
    r.body = "<ErrorResponse><Error><Code>" + code +
             "</Code><Message>m</Message></Error>"
             "</ErrorResponse>";
    return r;
  }
};

class RotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() / "sigil-rotate-test-XXXXXX";
    ASSERT_NE(::mkdtemp(home_.data()), nullptr);
    ASSERT_TRUE(WriteFileAtomically(home_ + "/key", std::string(32, 'k'), 0600).ok());
    env_ = Environment({{"HOME", home_}, {"SIGIL_VAULT_KEY_FILE", home_ + "/key"}});
    iam_.keys["AKIAOLD"] = {"old-secret", "Active", 1000};
    auto ctx = Context();
    auto vault = (*ctx)->OpenVault(true);
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    (*vault)->data()["keys"]["dev"] = {{"access_key_id", "AKIAOLD"},
                                       {"secret_access_key", "old-secret"}};
    ASSERT_TRUE((*vault)->Save().ok());
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  StatusOr<std::unique_ptr<ClientContext>> Context() {
    CommonFlags flags;
    flags.profile = "dev";
    flags.endpoint_url = "http://fake";
    return ClientContext::CreateWithHttp(
        flags, env_,
        std::make_unique<FakeHttpClient>([this](const HttpCall& c) { return iam_.Answer(c); }));
  }

  nlohmann::json VaultData() {
    auto ctx = Context();
    auto vault = (*ctx)->OpenVault(false);
    EXPECT_TRUE(vault.ok());
    return (*vault)->data();
  }

  // A journal left by a run that stopped in the "creating" step, begun at `started`.
  void StartedJournal(int64_t started) {
    auto ctx = Context();
    auto vault = (*ctx)->OpenVault(false);
    ASSERT_TRUE(vault.ok());
    RotationJournal j;
    j.user = "alice";
    j.old_key_id = "AKIAOLD";
    j.storage = "vault";
    j.started = started;
    (*vault)->data()["rotations"]["dev"] = j.ToJson();
    ASSERT_TRUE((*vault)->Save().ok());
  }

  int Rotate(const RotateFlags& flags) {
    auto ctx = Context();
    EXPECT_TRUE(ctx.ok());
    return RunRotate(**ctx, flags);
  }

  std::string home_;
  Environment env_;
  FakeIam iam_;
};

TEST_F(RotationTest, CompletesAndSwitchesTheVault) {
  EXPECT_EQ(Rotate({}), 0);
  ASSERT_EQ(iam_.keys.size(), 1u);
  EXPECT_EQ(iam_.keys.begin()->first, "AKIANEW1");
  nlohmann::json data = VaultData();
  EXPECT_EQ(data["keys"]["dev"]["access_key_id"], "AKIANEW1");
  EXPECT_EQ(data["keys"]["dev"]["secret_access_key"], "secret-AKIANEW1");
  EXPECT_TRUE(data["rotations"].empty());
}

TEST_F(RotationTest, RollsBackWhenTheNewKeyNeverWorks) {
  iam_.new_keys_work = false;
  RotateFlags flags;
  flags.verify_attempts = 1;
  EXPECT_EQ(Rotate(flags), 1);
  ASSERT_EQ(iam_.keys.size(), 1u);  // the new key was deleted again
  EXPECT_EQ(iam_.keys.begin()->first, "AKIAOLD");
  EXPECT_EQ(iam_.keys["AKIAOLD"].status, "Active");
  nlohmann::json data = VaultData();
  EXPECT_EQ(data["keys"]["dev"]["access_key_id"], "AKIAOLD");
  EXPECT_TRUE(data["rotations"].empty());
}

TEST_F(RotationTest, DeletesAKeyOrphanedByACrashAndResumes) {
  // A run died after CreateAccessKey but before recording the secret.
  const int64_t now = ToUnixSeconds(SystemClock().Now());
  StartedJournal(now - 5);
  iam_.keys["AKIAORPHAN"] = {"lost", "Active", now - 4};
  EXPECT_EQ(Rotate({}), 0);
  ASSERT_EQ(iam_.keys.size(), 1u);
  EXPECT_EQ(iam_.keys.begin()->first, "AKIANEW1");
}

TEST_F(RotationTest, AnUnknownOtherKeyStopsTheResumedRun) {
  const int64_t now = ToUnixSeconds(SystemClock().Now());
  StartedJournal(now);
  iam_.keys["AKIAOLDER"] = {"someone's", "Active", now - 86400};  // not ours: left alone
  EXPECT_EQ(Rotate({}), 1);
  EXPECT_EQ(iam_.keys.size(), 2u);
  EXPECT_TRUE(iam_.keys.count("AKIAOLDER"));
}

TEST_F(RotationTest, TwoKeyLimit) {
  iam_.keys["AKIAOTHER"] = {"x", "Inactive", 500};
  EXPECT_EQ(Rotate({}), 1);  // an inactive other key is deleted only when asked
  EXPECT_EQ(iam_.keys.size(), 2u);
  RotateFlags flags;
  flags.delete_inactive = true;
  EXPECT_EQ(Rotate(flags), 0);
  ASSERT_EQ(iam_.keys.size(), 1u);
  EXPECT_EQ(iam_.keys.begin()->first, "AKIANEW1");
  iam_.keys["AKIAACTIVE"] = {"y", "Active", 500};
  EXPECT_EQ(Rotate(flags), 1);  // never an active one
  EXPECT_EQ(iam_.keys.size(), 2u);
}

}  // namespace
}  // namespace sigil::client
