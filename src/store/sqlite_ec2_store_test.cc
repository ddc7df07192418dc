#include "store/sqlite_ec2_store.h"

#include "store/ec2_store_contract.h"
#include "store/sqlite_db.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, Ec2StoreContract,
                         ::testing::Values(Ec2StoreFactory{
                             .name = "Sqlite",
                             .create =
                                 [](const std::string& dir) -> StatusOr<std::unique_ptr<Ec2Store>> {
                               const std::string path = dir + "/sigil.db";
                               // The metadata store migrates; the EC2 store opens its own
                               // connection beside it.
                               SIGIL_RETURN_IF_ERROR(SqliteMetadataStore::Open(path).status());
                               return OpenSqliteEc2Store(path);
                             }}),
                         Ec2StoreFactoryName);

TEST(SqliteEc2Store, RefusesADatabaseWithoutTheEc2Tables) {
  ScratchDir dir;
  {
    auto db = sqlite::Db::Open(dir.File("old.db"));
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY,"
                         " applied_at BIGINT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (3, 0)"),
                IsOk());
  }
  EXPECT_THAT(OpenSqliteEc2Store(dir.File("old.db")),
              StatusIsExactly(StatusCode::kFailedPrecondition,
                              "ec2 store: database schema version 3 has no EC2 tables (needs 4)"));
}

}  // namespace
}  // namespace sigil
