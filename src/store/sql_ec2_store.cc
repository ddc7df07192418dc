#include "store/sql_ec2_store.h"

#include <charconv>
#include <map>
#include <utility>

#include "store/row_values.h"

namespace sigil {
namespace {

using store_rows::FromMillis;
using store_rows::ToMillis;
using store_rows::WithContext;

// The first schema version that has the EC2 tables.
constexpr int64_t kEc2SchemaVersion = 4;

constexpr std::string_view kSelectSchemaVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

constexpr std::string_view kInsertVpc =
    "INSERT INTO ec2_vpcs (vpc_id, account_id, region, cidr_block, is_default, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kSelectVpcs =
    "SELECT vpc_id, cidr_block, is_default, created_ms FROM ec2_vpcs"
    " WHERE account_id = ?1 AND region = ?2 ORDER BY vpc_id";
constexpr std::string_view kSelectDefaultVpc =
    "SELECT vpc_id, cidr_block, is_default, created_ms FROM ec2_vpcs"
    " WHERE account_id = ?1 AND region = ?2 AND is_default = 1";

constexpr std::string_view kInsertKeyPair =
    "INSERT INTO ec2_key_pairs (key_pair_id, account_id, region, key_name, key_type,"
    " fingerprint, public_key, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kSelectKeyPairs =
    "SELECT key_pair_id, key_name, key_type, fingerprint, public_key, created_ms"
    " FROM ec2_key_pairs WHERE account_id = ?1 AND region = ?2 ORDER BY key_name";
constexpr std::string_view kDeleteKeyPair =
    "DELETE FROM ec2_key_pairs WHERE account_id = ?1 AND region = ?2 AND key_pair_id = ?3";

constexpr std::string_view kInsertGroup =
    "INSERT INTO ec2_security_groups (group_id, account_id, region, vpc_id, group_name,"
    " description, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kSelectGroups =
    "SELECT group_id, group_name, description, vpc_id, created_ms FROM ec2_security_groups"
    " WHERE account_id = ?1 AND region = ?2 ORDER BY group_id";
constexpr std::string_view kGroupExists =
    "SELECT 1 FROM ec2_security_groups WHERE account_id = ?1 AND region = ?2 AND group_id = ?3";
constexpr std::string_view kDeleteGroup =
    "DELETE FROM ec2_security_groups WHERE account_id = ?1 AND region = ?2 AND group_id = ?3";

constexpr std::string_view kInsertRule =
    "INSERT INTO ec2_security_group_rules (rule_id, group_id, position, egress, ip_protocol,"
    " from_port, to_port, cidr_ipv4, cidr_ipv6, referenced_group_id, description)"
    " SELECT ?1, ?2, COALESCE(MAX(position), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
    " FROM ec2_security_group_rules WHERE group_id = ?2";
constexpr std::string_view kSelectRules =
    "SELECT r.group_id, r.rule_id, r.egress, r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4,"
    " r.cidr_ipv6, r.referenced_group_id, r.description FROM ec2_security_group_rules r"
    " JOIN ec2_security_groups g ON g.group_id = r.group_id"
    " WHERE g.account_id = ?1 AND g.region = ?2 ORDER BY r.group_id, r.position";
constexpr std::string_view kDeleteRule =
    "DELETE FROM ec2_security_group_rules WHERE group_id = ?1 AND rule_id = ?2";

constexpr std::string_view kInsertInstance =
    "INSERT INTO ec2_instances (instance_id, account_id, region, reservation_id, image_id,"
    " instance_type, key_name, availability_zone, subnet_id, vpc_id, private_ip, user_data,"
    " client_token, state, state_changed_ms, launched_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
constexpr std::string_view kInsertInstanceGroup =
    "INSERT INTO ec2_instance_security_groups (instance_id, position, group_id)"
    " VALUES (?1, ?2, ?3)";
constexpr std::string_view kSelectInstances =
    "SELECT instance_id, reservation_id, image_id, instance_type, key_name, availability_zone,"
    " subnet_id, vpc_id, private_ip, user_data, client_token, state, state_changed_ms,"
    " launched_ms FROM ec2_instances WHERE account_id = ?1 AND region = ?2 ORDER BY instance_id";
constexpr std::string_view kSelectInstanceGroups =
    "SELECT s.instance_id, s.group_id FROM ec2_instance_security_groups s"
    " JOIN ec2_instances i ON i.instance_id = s.instance_id"
    " WHERE i.account_id = ?1 AND i.region = ?2 ORDER BY s.instance_id, s.position";
constexpr std::string_view kUpdateInstanceState =
    "UPDATE ec2_instances SET state = ?4, state_changed_ms = ?5, launched_ms = ?6"
    " WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3 AND state = ?7"
    " AND state_changed_ms = ?8";
constexpr std::string_view kDeleteInstance =
    "DELETE FROM ec2_instances WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3";

constexpr std::string_view kUpsertTag =
    "INSERT INTO ec2_tags (account_id, region, resource_id, tag_key, tag_value)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (account_id, region, resource_id, tag_key)"
    " DO UPDATE SET tag_value = excluded.tag_value";
constexpr std::string_view kDeleteTag =
    "DELETE FROM ec2_tags WHERE account_id = ?1 AND region = ?2 AND resource_id = ?3"
    " AND tag_key = ?4";
constexpr std::string_view kDeleteTagWithValue =
    "DELETE FROM ec2_tags WHERE account_id = ?1 AND region = ?2 AND resource_id = ?3"
    " AND tag_key = ?4 AND tag_value = ?5";
constexpr std::string_view kDeleteResourceTags =
    "DELETE FROM ec2_tags WHERE account_id = ?1 AND region = ?2 AND resource_id = ?3";
constexpr std::string_view kSelectTags =
    "SELECT resource_id, tag_key, tag_value FROM ec2_tags WHERE account_id = ?1 AND region = ?2"
    " ORDER BY resource_id, tag_key";

StatusOr<int64_t> ToInt(const std::string& text) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return InternalError("ec2 store: not an integer column: '" + text + "'");
  }
  return n;
}

Status Exec(SqlSession& s, std::string_view sql, std::vector<SqlValue> args) {
  return s.Execute(sql, args).status();
}

Ec2VpcRecord ReadVpc(const std::vector<std::string>& row, Status* error) {
  Ec2VpcRecord v;
  v.vpc_id = row[0];
  v.cidr_block = row[1];
  v.is_default = row[2] == "1";
  auto created = ToInt(row[3]);
  if (!created.ok()) *error = created.status();
  v.created = FromMillis(created.ok() ? *created : 0);
  return v;
}

StatusOr<std::vector<Ec2VpcRecord>> ReadVpcs(const SqlRows& rows) {
  std::vector<Ec2VpcRecord> out;
  Status error;
  for (const auto& row : rows) out.push_back(ReadVpc(row, &error));
  SIGIL_RETURN_IF_ERROR(error);
  return out;
}

Status InsertTags(SqlSession& s, const Ec2Scope& scope, const std::vector<Ec2TagRecord>& tags) {
  for (const Ec2TagRecord& t : tags) {
    SIGIL_RETURN_IF_ERROR(
        Exec(s, kUpsertTag, {scope.account_id, scope.region, t.resource_id, t.key, t.value}));
  }
  return OkStatus();
}

Status InsertRules(SqlSession& s, const std::string& group_id,
                   const std::vector<Ec2RuleRecord>& rules) {
  for (const Ec2RuleRecord& r : rules) {
    SIGIL_RETURN_IF_ERROR(
        Exec(s, kInsertRule,
             {r.rule_id, group_id, int64_t{r.egress ? 1 : 0}, r.ip_protocol, r.from_port, r.to_port,
              r.cidr_ipv4, r.cidr_ipv6, r.referenced_group_id, r.description}));
  }
  return OkStatus();
}

Status InsertGroup(SqlSession& s, const Ec2Scope& scope, const Ec2SecurityGroupRecord& g) {
  SIGIL_RETURN_IF_ERROR(Exec(s, kInsertGroup,
                             {g.group_id, scope.account_id, scope.region, g.vpc_id, g.group_name,
                              g.description, ToMillis(g.created)}));
  return InsertRules(s, g.group_id, g.rules);
}

class SqlEc2Store final : public Ec2Store {
 public:
  explicit SqlEc2Store(std::unique_ptr<SqlTransactor> db) : db_(std::move(db)) {}

  StatusOr<Ec2VpcRecord> EnsureDefaultVpc(const Ec2Scope& scope, const Ec2VpcRecord& vpc,
                                          const Ec2SecurityGroupRecord& default_group) override {
    Ec2VpcRecord out;
    SIGIL_RETURN_IF_ERROR(Write("ensure default vpc", [&](SqlSession& s) -> Status {
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                             s.Query(kSelectDefaultVpc, {scope.account_id, scope.region}));
      if (!rows.empty()) {
        SIGIL_ASSIGN_OR_RETURN(auto vpcs, ReadVpcs(rows));
        out = vpcs.front();
        return OkStatus();
      }
      SIGIL_RETURN_IF_ERROR(Exec(s, kInsertVpc,
                                 {vpc.vpc_id, scope.account_id, scope.region, vpc.cidr_block,
                                  int64_t{1}, ToMillis(vpc.created)}));
      SIGIL_RETURN_IF_ERROR(InsertGroup(s, scope, default_group));
      out = vpc;
      out.is_default = true;
      return OkStatus();
    }));
    return out;
  }

  StatusOr<std::vector<Ec2VpcRecord>> ListVpcs(const Ec2Scope& scope) override {
    std::vector<Ec2VpcRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list vpcs", [&](SqlSession& s) -> Status {
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows, s.Query(kSelectVpcs, {scope.account_id, scope.region}));
      SIGIL_ASSIGN_OR_RETURN(out, ReadVpcs(rows));
      return OkStatus();
    }));
    return out;
  }

  Status CreateKeyPair(const Ec2Scope& scope, const Ec2KeyPairRecord& k,
                       const std::vector<Ec2TagRecord>& tags) override {
    return Write("create key pair " + k.key_name, [&](SqlSession& s) -> Status {
      SIGIL_RETURN_IF_ERROR(Exec(s, kInsertKeyPair,
                                 {k.key_pair_id, scope.account_id, scope.region, k.key_name,
                                  k.key_type, k.fingerprint, k.public_key, ToMillis(k.created)}));
      return InsertTags(s, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2KeyPairRecord>> ListKeyPairs(const Ec2Scope& scope) override {
    std::vector<Ec2KeyPairRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list key pairs", [&](SqlSession& s) -> Status {
      out.clear();
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                             s.Query(kSelectKeyPairs, {scope.account_id, scope.region}));
      for (const auto& row : rows) {
        SIGIL_ASSIGN_OR_RETURN(int64_t created, ToInt(row[5]));
        out.push_back(
            Ec2KeyPairRecord{row[0], row[1], row[2], row[3], row[4], FromMillis(created)});
      }
      return OkStatus();
    }));
    return out;
  }

  Status DeleteKeyPair(const Ec2Scope& scope, const std::string& key_pair_id) override {
    return Write("delete key pair " + key_pair_id, [&](SqlSession& s) -> Status {
      return DeleteWithTags(s, scope, kDeleteKeyPair, key_pair_id);
    });
  }

  Status CreateSecurityGroup(const Ec2Scope& scope, const Ec2SecurityGroupRecord& group,
                             const std::vector<Ec2TagRecord>& tags) override {
    return Write("create security group " + group.group_name, [&](SqlSession& s) -> Status {
      SIGIL_RETURN_IF_ERROR(InsertGroup(s, scope, group));
      return InsertTags(s, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2SecurityGroupRecord>> ListSecurityGroups(const Ec2Scope& scope) override {
    std::vector<Ec2SecurityGroupRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list security groups", [&](SqlSession& s) -> Status {
      out.clear();
      const std::vector<SqlValue> where = {scope.account_id, scope.region};
      SIGIL_ASSIGN_OR_RETURN(SqlRows groups, s.Query(kSelectGroups, where));
      std::map<std::string, size_t> index;
      for (const auto& row : groups) {
        SIGIL_ASSIGN_OR_RETURN(int64_t created, ToInt(row[4]));
        index[row[0]] = out.size();
        out.push_back(
            Ec2SecurityGroupRecord{row[0], row[1], row[2], row[3], FromMillis(created), {}});
      }
      SIGIL_ASSIGN_OR_RETURN(SqlRows rules, s.Query(kSelectRules, where));
      for (const auto& row : rules) {
        auto it = index.find(row[0]);
        if (it == index.end()) continue;
        SIGIL_ASSIGN_OR_RETURN(int64_t from, ToInt(row[4]));
        SIGIL_ASSIGN_OR_RETURN(int64_t to, ToInt(row[5]));
        out[it->second].rules.push_back(
            Ec2RuleRecord{row[1], row[2] == "1", row[3], from, to, row[6], row[7], row[8], row[9]});
      }
      return OkStatus();
    }));
    return out;
  }

  Status DeleteSecurityGroup(const Ec2Scope& scope, const std::string& group_id) override {
    return Write("delete security group " + group_id, [&](SqlSession& s) -> Status {
      return DeleteWithTags(s, scope, kDeleteGroup, group_id);
    });
  }

  Status AddSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                               const std::vector<Ec2RuleRecord>& rules) override {
    return Write("add rules to " + group_id, [&](SqlSession& s) -> Status {
      SIGIL_RETURN_IF_ERROR(RequireGroup(s, scope, group_id));
      return InsertRules(s, group_id, rules);
    });
  }

  Status RemoveSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                                  const std::vector<std::string>& rule_ids) override {
    return Write("remove rules from " + group_id, [&](SqlSession& s) -> Status {
      SIGIL_RETURN_IF_ERROR(RequireGroup(s, scope, group_id));
      for (const std::string& id : rule_ids) {
        SIGIL_RETURN_IF_ERROR(Exec(s, kDeleteRule, {group_id, id}));
      }
      return OkStatus();
    });
  }

  Status CreateInstances(const Ec2Scope& scope, const std::vector<Ec2InstanceRecord>& instances,
                         const std::vector<Ec2TagRecord>& tags) override {
    return Write("create instances", [&](SqlSession& s) -> Status {
      for (const Ec2InstanceRecord& i : instances) {
        SIGIL_RETURN_IF_ERROR(
            Exec(s, kInsertInstance,
                 {i.instance_id, scope.account_id, scope.region, i.reservation_id, i.image_id,
                  i.instance_type, i.key_name, i.availability_zone, i.subnet_id, i.vpc_id,
                  i.private_ip, i.user_data, i.client_token, i.state, ToMillis(i.state_changed),
                  ToMillis(i.launched)}));
        for (size_t p = 0; p < i.security_group_ids.size(); ++p) {
          SIGIL_RETURN_IF_ERROR(
              Exec(s, kInsertInstanceGroup,
                   {i.instance_id, static_cast<int64_t>(p), i.security_group_ids[p]}));
        }
      }
      return InsertTags(s, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2InstanceRecord>> ListInstances(const Ec2Scope& scope) override {
    std::vector<Ec2InstanceRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list instances", [&](SqlSession& s) -> Status {
      out.clear();
      const std::vector<SqlValue> where = {scope.account_id, scope.region};
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows, s.Query(kSelectInstances, where));
      std::map<std::string, size_t> index;
      for (const auto& row : rows) {
        SIGIL_ASSIGN_OR_RETURN(int64_t changed, ToInt(row[12]));
        SIGIL_ASSIGN_OR_RETURN(int64_t launched, ToInt(row[13]));
        index[row[0]] = out.size();
        Ec2InstanceRecord i;
        i.instance_id = row[0];
        i.reservation_id = row[1];
        i.image_id = row[2];
        i.instance_type = row[3];
        i.key_name = row[4];
        i.availability_zone = row[5];
        i.subnet_id = row[6];
        i.vpc_id = row[7];
        i.private_ip = row[8];
        i.user_data = row[9];
        i.client_token = row[10];
        i.state = row[11];
        i.state_changed = FromMillis(changed);
        i.launched = FromMillis(launched);
        out.push_back(std::move(i));
      }
      SIGIL_ASSIGN_OR_RETURN(SqlRows groups, s.Query(kSelectInstanceGroups, where));
      for (const auto& row : groups) {
        auto it = index.find(row[0]);
        if (it != index.end()) out[it->second].security_group_ids.push_back(row[1]);
      }
      return OkStatus();
    }));
    return out;
  }

  StatusOr<bool> UpdateInstanceState(const Ec2Scope& scope, const Ec2InstanceRecord& expected,
                                     const Ec2InstanceRecord& next) override {
    bool changed = false;
    SIGIL_RETURN_IF_ERROR(
        Write("update instance " + expected.instance_id, [&](SqlSession& s) -> Status {
          SIGIL_ASSIGN_OR_RETURN(
              int64_t rows,
              s.Execute(kUpdateInstanceState,
                        {scope.account_id, scope.region, expected.instance_id, next.state,
                         ToMillis(next.state_changed), ToMillis(next.launched), expected.state,
                         ToMillis(expected.state_changed)}));
          changed = rows == 1;
          return OkStatus();
        }));
    return changed;
  }

  Status DeleteInstance(const Ec2Scope& scope, const std::string& instance_id) override {
    return Write("delete instance " + instance_id, [&](SqlSession& s) -> Status {
      return DeleteWithTags(s, scope, kDeleteInstance, instance_id);
    });
  }

  Status CreateTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                    const std::vector<Ec2TagRecord>& tags) override {
    return Write("create tags", [&](SqlSession& s) -> Status {
      for (const std::string& id : resource_ids) {
        for (const Ec2TagRecord& t : tags) {
          SIGIL_RETURN_IF_ERROR(
              Exec(s, kUpsertTag, {scope.account_id, scope.region, id, t.key, t.value}));
        }
      }
      return OkStatus();
    });
  }

  Status DeleteTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                    const std::vector<Ec2TagDeletion>& tags) override {
    return Write("delete tags", [&](SqlSession& s) -> Status {
      for (const std::string& id : resource_ids) {
        if (tags.empty()) {
          SIGIL_RETURN_IF_ERROR(Exec(s, kDeleteResourceTags, {scope.account_id, scope.region, id}));
        }
        for (const Ec2TagDeletion& t : tags) {
          if (t.value) {
            SIGIL_RETURN_IF_ERROR(Exec(s, kDeleteTagWithValue,
                                       {scope.account_id, scope.region, id, t.key, *t.value}));
          } else {
            SIGIL_RETURN_IF_ERROR(Exec(s, kDeleteTag, {scope.account_id, scope.region, id, t.key}));
          }
        }
      }
      return OkStatus();
    });
  }

  StatusOr<std::vector<Ec2TagRecord>> ListTags(const Ec2Scope& scope) override {
    std::vector<Ec2TagRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list tags", [&](SqlSession& s) -> Status {
      out.clear();
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows, s.Query(kSelectTags, {scope.account_id, scope.region}));
      for (const auto& row : rows) out.push_back(Ec2TagRecord{row[0], row[1], row[2]});
      return OkStatus();
    }));
    return out;
  }

 private:
  Status Write(const std::string& what, const std::function<Status(SqlSession&)>& body) {
    return WithContext(db_->Transact(true, body), "ec2 store: " + what);
  }
  Status Read(const std::string& what, const std::function<Status(SqlSession&)>& body) {
    return WithContext(db_->Transact(false, body), "ec2 store: " + what);
  }

  static Status RequireGroup(SqlSession& s, const Ec2Scope& scope, const std::string& group_id) {
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                           s.Query(kGroupExists, {scope.account_id, scope.region, group_id}));
    if (rows.empty()) return NotFoundError("no security group " + group_id);
    return OkStatus();
  }

  // Deletes one row by id (`sql` takes account, region, id) and the resource's tags.
  static Status DeleteWithTags(SqlSession& s, const Ec2Scope& scope, std::string_view sql,
                               const std::string& id) {
    SIGIL_ASSIGN_OR_RETURN(int64_t rows, s.Execute(sql, {scope.account_id, scope.region, id}));
    if (rows == 0) return NotFoundError("no resource " + id);
    return Exec(s, kDeleteResourceTags, {scope.account_id, scope.region, id});
  }

  std::unique_ptr<SqlTransactor> db_;
};

}  // namespace

StatusOr<std::unique_ptr<Ec2Store>> MakeSqlEc2Store(std::unique_ptr<SqlTransactor> transactor) {
  int64_t version = 0;
  SIGIL_RETURN_IF_ERROR(
      WithContext(transactor->Transact(false,
                                       [&](SqlSession& s) -> Status {
                                         SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                                                                s.Query(kSelectSchemaVersion, {}));
                                         if (rows.empty()) {
                                           return InternalError("no row");
                                         }
                                         SIGIL_ASSIGN_OR_RETURN(version, ToInt(rows[0][0]));
                                         return OkStatus();
                                       }),
                  "ec2 store: reading the schema version"));
  if (version < kEc2SchemaVersion) {
    return FailedPreconditionError("ec2 store: database schema version " + std::to_string(version) +
                                   " has no EC2 tables (needs " +
                                   std::to_string(kEc2SchemaVersion) + ")");
  }
  return std::unique_ptr<Ec2Store>(new SqlEc2Store(std::move(transactor)));
}

}  // namespace sigil
