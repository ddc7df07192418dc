#include "client/rotate.h"

#include <gtest/gtest.h>

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
