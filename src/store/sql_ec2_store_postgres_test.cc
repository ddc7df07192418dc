// The EC2 store on PostgreSQL: the contract suite on an emptied shared schema of the test server
// (through a pool, so the racing tests race on separate connections), plus opening.
#include "store/ec2_store_contract.h"
#include "store/migrations.h"
#include "store/postgres_db.h"
#include "store/postgres_metadata_store.h"
#include "store/postgres_test_server.h"
#include "store/sql_ec2_store.h"

namespace sigil {
namespace {

Status OpenToMigrate(const std::string& conninfo) {
  return PostgresMetadataStore::Open(conninfo).status();
}

INSTANTIATE_TEST_SUITE_P(
    Postgres, Ec2StoreContract,
    ::testing::Values(Ec2StoreFactory{
        .name = "Postgres",
        .create = [](const std::string&) -> StatusOr<std::unique_ptr<Ec2Store>> {
          SIGIL_ASSIGN_OR_RETURN(std::string conninfo,
                                 postgres_test::EmptiedSharedSchema(OpenToMigrate));
          SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db,
                                 ConnectPostgresDatabase(conninfo, /*max_connections=*/4));
          return OpenSqlEc2Store(std::move(db));
        }}),
    Ec2StoreFactoryName);

TEST(SqlEc2StorePostgresTest, OpenRefusesASchemaWithoutTheEc2Tables) {
  auto conninfo = postgres_test::FreshSchema();
  ASSERT_THAT(conninfo, IsOk());
  {
    auto db = postgres::Db::Connect(*conninfo);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY,"
                         " applied_at BIGINT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (4, 0)"),
                IsOk());
  }
  auto db = ConnectPostgresDatabase(*conninfo, /*max_connections=*/1);
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT(OpenSqlEc2Store(std::move(db).value()),
              StatusIs(StatusCode::kFailedPrecondition,
                       ": database schema version 4, this sigil needs " +
                           std::to_string(LatestSchemaVersion()) + ": migrations not applied"));
}

}  // namespace
}  // namespace sigil
