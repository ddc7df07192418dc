#include "store/postgres_ec2_store.h"

#include "store/ec2_store_contract.h"
#include "store/postgres_db.h"
#include "store/postgres_metadata_store.h"
#include "store/postgres_test_server.h"

namespace sigil {
namespace {

Status OpenToMigrate(const std::string& conninfo) {
  return PostgresMetadataStore::Open(conninfo).status();
}

// Each contract test gets the shared schema, migrated once and emptied of its rows.
INSTANTIATE_TEST_SUITE_P(
    Postgres, Ec2StoreContract,
    ::testing::Values(Ec2StoreFactory{
        .name = "Postgres",
        .create = [](const std::string&) -> StatusOr<std::unique_ptr<Ec2Store>> {
          SIGIL_ASSIGN_OR_RETURN(std::string conninfo,
                                 postgres_test::EmptiedSharedSchema(OpenToMigrate));
          return OpenPostgresEc2Store(conninfo);
        }}),
    Ec2StoreFactoryName);

TEST(PostgresEc2Store, RefusesASchemaWithoutTheEc2Tables) {
  auto conninfo = postgres_test::FreshSchema();
  ASSERT_THAT(conninfo, IsOk());
  {
    auto db = postgres::Db::Connect(*conninfo);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY,"
                         " applied_at BIGINT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (3, 0)"),
                IsOk());
  }
  EXPECT_THAT(OpenPostgresEc2Store(*conninfo),
              StatusIsExactly(StatusCode::kFailedPrecondition,
                              "ec2 store: database schema version 3 has no EC2 tables (needs 4)"));
}

}  // namespace
}  // namespace sigil
