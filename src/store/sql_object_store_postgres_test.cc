// SqlObjectStore on PostgreSQL: the contract suite on an emptied shared schema of the test
// server, plus opening and connection handling.
#include <thread>

#include "store/object_store_contract.h"
#include "store/postgres_db.h"
#include "store/postgres_metadata_store.h"
#include "store/postgres_test_server.h"
#include "store/sql_object_store.h"

namespace sigil {
namespace {

Status OpenToMigrate(const std::string& conninfo) {
  return PostgresMetadataStore::Open(conninfo).status();
}

INSTANTIATE_TEST_SUITE_P(
    Postgres, ObjectStoreContract,
    ::testing::Values(ObjectStoreFactory{
        .name = "Postgres",
        .create = [](const std::string&) -> StatusOr<std::unique_ptr<ObjectStore>> {
          SIGIL_ASSIGN_OR_RETURN(std::string conninfo,
                                 postgres_test::EmptiedSharedSchema(OpenToMigrate));
          SIGIL_ASSIGN_OR_RETURN(auto store,
                                 SqlObjectStore::OpenPostgres(conninfo, /*max_connections=*/3));
          return std::unique_ptr<ObjectStore>(std::move(store));
        }}),
    ObjectStoreFactoryName);

TEST(SqlObjectStorePostgresTest, OpenRefusesASchemaWithoutTheTables) {
  auto conninfo = postgres_test::FreshSchema();
  ASSERT_THAT(conninfo, IsOk());
  EXPECT_THAT(SqlObjectStore::OpenPostgres(*conninfo),
              StatusIs(StatusCode::kFailedPrecondition, "open the metadata store first"));
}

TEST(SqlObjectStorePostgresTest, MalformedConnectionStringIsInvalidArgumentAndNotQuoted) {
  auto store = SqlObjectStore::OpenPostgres("host=/tmp password=hunter2 user");
  EXPECT_THAT(store, StatusIs(StatusCode::kInvalidArgument, "malformed connection string"));
  EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos);
}

TEST(SqlObjectStorePostgresTest, PoolStaysWithinItsSizeAndRecoversDroppedConnections) {
  std::string schema;
  auto conninfo = postgres_test::FreshSchema(&schema);
  ASSERT_THAT(conninfo, IsOk());
  ASSERT_THAT(OpenToMigrate(*conninfo), IsOk());
  const std::string name = schema + "_pool";
  auto store =
      SqlObjectStore::OpenPostgres(postgres_test::WithOption(*conninfo, "application_name", name),
                                   /*max_connections=*/2);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT((*store)->CreateBucket(BucketRecord{.name = "b", .account_id = "111111111111"}),
              IsOk());
  std::vector<std::thread> threads;
  std::vector<Status> failures[4];
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto put = (*store)->PutObject(ObjectRecord{.bucket = "b", .key = key});
        if (!put.ok()) failures[t].push_back(put.status());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_THAT(failures[t], ::testing::IsEmpty()) << "thread " << t;

  auto admin = postgres::Db::Connect(*conninfo);
  ASSERT_THAT(admin, IsOk());
  auto terminated = admin->Query(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = $1",
      name);
  ASSERT_THAT(terminated, IsOk());
  EXPECT_GE(terminated->Rows(), 1);
  EXPECT_LE(terminated->Rows(), 2);  // never more connections than the pool's size

  auto page = (*store)->ListObjects("b", "", "", 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->items.size(), 40u);
}

}  // namespace
}  // namespace sigil
