#include "store/timed_metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/metadata_store_contract.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {
namespace {

using ::testing::HasSubstr;

// The decorator over SQLite, owning both (members first, so they exist before the base).
struct Owned {
  std::unique_ptr<SqliteMetadataStore> inner;
  metrics::Registry registry;
};
class OwningTimedStore : private Owned, public TimedMetadataStore {
 public:
  explicit OwningTimedStore(std::unique_ptr<SqliteMetadataStore> store)
      : Owned{std::move(store), {}}, TimedMetadataStore(*inner, registry) {}
  const metrics::Registry& metrics() const { return registry; }
};

// Passing calls through unchanged is exactly what the contract suite checks.
INSTANTIATE_TEST_SUITE_P(
    TimedSqlite, MetadataStoreContract,
    ::testing::Values(StoreFactory{
        .name = "TimedSqlite",
        .create = [](const std::string& dir) -> StatusOr<std::unique_ptr<MetadataStore>> {
          SIGIL_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(dir + "/sigil.db"));
          return std::unique_ptr<MetadataStore>(new OwningTimedStore(std::move(store)));
        }}),
    StoreFactoryName);

TEST(TimedMetadataStoreTest, CountsEachOperationUnderItsName) {
  ScratchDir dir;
  auto sqlite = SqliteMetadataStore::Open(dir.File("sigil.db"));
  ASSERT_THAT(sqlite, IsOk());
  OwningTimedStore store(std::move(sqlite).value());
  const Account account{.account_id = "111111111111", .name = "a", .created = FromUnixSeconds(1)};
  ASSERT_THAT(store.CreateAccount(account), IsOk());
  EXPECT_THAT(store.CreateAccount(account), StatusIs(StatusCode::kAlreadyExists, ""));
  ASSERT_THAT(store.LoadIdentity(), IsOk());
  ASSERT_THAT(store.ChangedElsewhere(), IsOk());
  ASSERT_THAT(store.Ping(), IsOk());

  const std::string text = store.metrics().Render();
  // Failed calls are timed too.
  EXPECT_THAT(text,
              HasSubstr("sigil_store_operation_duration_seconds_count{op=\"create_account\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("sigil_store_operation_duration_seconds_count{op=\"load_identity\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("sigil_store_operation_duration_seconds_count{op=\"changed_elsewhere\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sigil_store_operation_duration_seconds_count{op=\"ping\"} 1\n"));
  // Every operation is listed from the start.
  EXPECT_THAT(
      text,
      HasSubstr(
          "sigil_store_operation_duration_seconds_count{op=\"record_access_key_usage\"} 0\n"));
  EXPECT_THAT(
      text, HasSubstr("sigil_store_operation_duration_seconds_bucket{op=\"ping\",le=\"10\"} 1\n"));
}

}  // namespace
}  // namespace sigil
