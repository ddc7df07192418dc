#include "store/sql_ec2_store.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/row_values.h"

namespace sigil {
namespace {

using store_rows::FromMillis;
using store_rows::ToMillis;
using store_rows::WithContext;
using Params = std::vector<SqlParam>;

// ---- SQL, written once (PostgreSQL's spelling; SqliteDialect adapts it for SQLite).

constexpr std::string_view kInsertVpc =
    "INSERT INTO ec2_vpcs (vpc_id, account_id, region, cidr_block, is_default, created_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kSelectVpcs =
    "SELECT vpc_id, cidr_block, is_default, created_ms FROM ec2_vpcs"
    " WHERE account_id = $1 AND region = $2 ORDER BY vpc_id";
constexpr std::string_view kSelectDefaultVpc =
    "SELECT vpc_id, cidr_block, is_default, created_ms FROM ec2_vpcs"
    " WHERE account_id = $1 AND region = $2 AND is_default = 1";

constexpr std::string_view kInsertKeyPair =
    "INSERT INTO ec2_key_pairs (key_pair_id, account_id, region, key_name, key_type,"
    " fingerprint, public_key, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kSelectKeyPairs =
    "SELECT key_pair_id, key_name, key_type, fingerprint, public_key, created_ms"
    " FROM ec2_key_pairs WHERE account_id = $1 AND region = $2 ORDER BY key_name";
constexpr std::string_view kDeleteKeyPair =
    "DELETE FROM ec2_key_pairs WHERE account_id = $1 AND region = $2 AND key_pair_id = $3";

constexpr std::string_view kInsertGroup =
    "INSERT INTO ec2_security_groups (group_id, account_id, region, vpc_id, group_name,"
    " description, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr std::string_view kSelectGroups =
    "SELECT group_id, group_name, description, vpc_id, created_ms FROM ec2_security_groups"
    " WHERE account_id = $1 AND region = $2 ORDER BY group_id";
constexpr std::string_view kGroupExists =
    "SELECT 1 FROM ec2_security_groups WHERE account_id = $1 AND region = $2 AND group_id = $3";
constexpr std::string_view kDeleteGroup =
    "DELETE FROM ec2_security_groups WHERE account_id = $1 AND region = $2 AND group_id = $3";

constexpr std::string_view kInsertRule =
    "INSERT INTO ec2_security_group_rules (rule_id, group_id, position, egress, ip_protocol,"
    " from_port, to_port, cidr_ipv4, cidr_ipv6, referenced_group_id, description)"
    " SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10"
    " FROM ec2_security_group_rules WHERE group_id = $2";
constexpr std::string_view kSelectRules =
    "SELECT r.group_id, r.rule_id, r.egress, r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4,"
    " r.cidr_ipv6, r.referenced_group_id, r.description FROM ec2_security_group_rules r"
    " JOIN ec2_security_groups g ON g.group_id = r.group_id"
    " WHERE g.account_id = $1 AND g.region = $2 ORDER BY r.group_id, r.position";
constexpr std::string_view kDeleteRule =
    "DELETE FROM ec2_security_group_rules WHERE group_id = $1 AND rule_id = $2";

constexpr std::string_view kInsertInstance =
    "INSERT INTO ec2_instances (instance_id, account_id, region, reservation_id, image_id,"
    " instance_type, key_name, availability_zone, subnet_id, vpc_id, private_ip, user_data,"
    " client_token, state, state_changed_ms, launched_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
constexpr std::string_view kInsertInstanceGroup =
    "INSERT INTO ec2_instance_security_groups (instance_id, position, group_id)"
    " VALUES ($1, $2, $3)";
constexpr std::string_view kSelectInstances =
    "SELECT instance_id, reservation_id, image_id, instance_type, key_name, availability_zone,"
    " subnet_id, vpc_id, private_ip, user_data, client_token, state, state_changed_ms,"
    " launched_ms FROM ec2_instances WHERE account_id = $1 AND region = $2 ORDER BY instance_id";
constexpr std::string_view kSelectInstanceGroups =
    "SELECT s.instance_id, s.group_id FROM ec2_instance_security_groups s"
    " JOIN ec2_instances i ON i.instance_id = s.instance_id"
    " WHERE i.account_id = $1 AND i.region = $2 ORDER BY s.instance_id, s.position";
constexpr std::string_view kUpdateInstanceState =
    "UPDATE ec2_instances SET state = $4, state_changed_ms = $5, launched_ms = $6"
    " WHERE account_id = $1 AND region = $2 AND instance_id = $3 AND state = $7"
    " AND state_changed_ms = $8";
constexpr std::string_view kDeleteInstance =
    "DELETE FROM ec2_instances WHERE account_id = $1 AND region = $2 AND instance_id = $3";

constexpr std::string_view kUpsertTag =
    "INSERT INTO ec2_tags (account_id, region, resource_id, tag_key, tag_value)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, region, resource_id, tag_key)"
    " DO UPDATE SET tag_value = excluded.tag_value";
constexpr std::string_view kDeleteTag =
    "DELETE FROM ec2_tags WHERE account_id = $1 AND region = $2 AND resource_id = $3"
    " AND tag_key = $4";
constexpr std::string_view kDeleteTagWithValue =
    "DELETE FROM ec2_tags WHERE account_id = $1 AND region = $2 AND resource_id = $3"
    " AND tag_key = $4 AND tag_value = $5";
constexpr std::string_view kDeleteResourceTags =
    "DELETE FROM ec2_tags WHERE account_id = $1 AND region = $2 AND resource_id = $3";
constexpr std::string_view kSelectTags =
    "SELECT resource_id, tag_key, tag_value FROM ec2_tags WHERE account_id = $1 AND region = $2"
    " ORDER BY resource_id, tag_key";

Status Exec(SqlTransaction& txn, std::string_view sql, const Params& params) {
  return txn.Query(sql, params).status();
}

// A time stored as milliseconds in `column`.
StatusOr<TimePoint> TimeAt(const SqlRows& rows, int row, int column) {
  SIGIL_ASSIGN_OR_RETURN(int64_t ms, rows.Int64(row, column));
  return FromMillis(ms);
}

// The rows of kSelectVpcs or kSelectDefaultVpc.
StatusOr<std::vector<Ec2VpcRecord>> ReadVpcs(const SqlRows& rows) {
  std::vector<Ec2VpcRecord> out;
  for (int r = 0; r < rows.Rows(); ++r) {
    SIGIL_ASSIGN_OR_RETURN(TimePoint created, TimeAt(rows, r, 3));
    out.push_back(Ec2VpcRecord{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2) == "1", created});
  }
  return out;
}

// The scope's default VPC, if it has one.
StatusOr<std::optional<Ec2VpcRecord>> SelectDefaultVpc(SqlTransaction& txn, const Ec2Scope& scope) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                         txn.Query(kSelectDefaultVpc, {scope.account_id, scope.region}));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2VpcRecord> vpcs, ReadVpcs(rows));
  if (vpcs.empty()) return std::optional<Ec2VpcRecord>();
  return std::optional<Ec2VpcRecord>(std::move(vpcs.front()));
}

Status InsertTags(SqlTransaction& txn, const Ec2Scope& scope,
                  const std::vector<Ec2TagRecord>& tags) {
  for (const Ec2TagRecord& t : tags) {
    SIGIL_RETURN_IF_ERROR(
        Exec(txn, kUpsertTag, {scope.account_id, scope.region, t.resource_id, t.key, t.value}));
  }
  return OkStatus();
}

Status InsertRules(SqlTransaction& txn, const std::string& group_id,
                   const std::vector<Ec2RuleRecord>& rules) {
  for (const Ec2RuleRecord& r : rules) {
    SIGIL_RETURN_IF_ERROR(
        Exec(txn, kInsertRule,
             {r.rule_id, group_id, int64_t{r.egress ? 1 : 0}, r.ip_protocol, r.from_port, r.to_port,
              r.cidr_ipv4, r.cidr_ipv6, r.referenced_group_id, r.description}));
  }
  return OkStatus();
}

Status InsertGroup(SqlTransaction& txn, const Ec2Scope& scope, const Ec2SecurityGroupRecord& g) {
  SIGIL_RETURN_IF_ERROR(Exec(txn, kInsertGroup,
                             {g.group_id, scope.account_id, scope.region, g.vpc_id, g.group_name,
                              g.description, ToMillis(g.created)}));
  return InsertRules(txn, g.group_id, g.rules);
}

Status RequireGroup(SqlTransaction& txn, const Ec2Scope& scope, const std::string& group_id) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                         txn.Query(kGroupExists, {scope.account_id, scope.region, group_id}));
  if (rows.Rows() == 0) return NotFoundError("no security group " + group_id);
  return OkStatus();
}

// Deletes one row by id (`sql` takes account, region, id) and the resource's tags.
Status DeleteWithTags(SqlTransaction& txn, const Ec2Scope& scope, std::string_view sql,
                      const std::string& id) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows deleted, txn.Query(sql, {scope.account_id, scope.region, id}));
  if (deleted.affected() == 0) return NotFoundError("no resource " + id);
  return Exec(txn, kDeleteResourceTags, {scope.account_id, scope.region, id});
}

class SqlEc2Store final : public Ec2Store {
 public:
  explicit SqlEc2Store(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}

  StatusOr<Ec2VpcRecord> EnsureDefaultVpc(const Ec2Scope& scope, const Ec2VpcRecord& vpc,
                                          const Ec2SecurityGroupRecord& default_group) override {
    // Racing callers (nodes, or threads on pooled connections): SQLite's single writer runs them
    // one after the other; on PostgreSQL the loser's insert fails SERIALIZABLE's check, and the
    // retry reads the winner's VPC.
    std::optional<Ec2VpcRecord> stored;
    SIGIL_RETURN_IF_ERROR(Write("ensure default vpc", [&](SqlTransaction& txn) -> Status {
      SIGIL_ASSIGN_OR_RETURN(stored, SelectDefaultVpc(txn, scope));
      if (stored) return OkStatus();
      SIGIL_RETURN_IF_ERROR(Exec(txn, kInsertVpc,
                                 {vpc.vpc_id, scope.account_id, scope.region, vpc.cidr_block,
                                  int64_t{1}, ToMillis(vpc.created)}));
      return InsertGroup(txn, scope, default_group);
    }));
    if (stored) return *stored;
    Ec2VpcRecord out = vpc;
    out.is_default = true;
    return out;
  }

  StatusOr<std::vector<Ec2VpcRecord>> ListVpcs(const Ec2Scope& scope) override {
    std::vector<Ec2VpcRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list vpcs", [&](SqlTransaction& txn) -> Status {
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                             txn.Query(kSelectVpcs, {scope.account_id, scope.region}));
      SIGIL_ASSIGN_OR_RETURN(out, ReadVpcs(rows));
      return OkStatus();
    }));
    return out;
  }

  Status CreateKeyPair(const Ec2Scope& scope, const Ec2KeyPairRecord& k,
                       const std::vector<Ec2TagRecord>& tags) override {
    return Write("create key pair " + k.key_name, [&](SqlTransaction& txn) -> Status {
      SIGIL_RETURN_IF_ERROR(Exec(txn, kInsertKeyPair,
                                 {k.key_pair_id, scope.account_id, scope.region, k.key_name,
                                  k.key_type, k.fingerprint, k.public_key, ToMillis(k.created)}));
      return InsertTags(txn, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2KeyPairRecord>> ListKeyPairs(const Ec2Scope& scope) override {
    std::vector<Ec2KeyPairRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list key pairs", [&](SqlTransaction& txn) -> Status {
      out.clear();
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                             txn.Query(kSelectKeyPairs, {scope.account_id, scope.region}));
      for (int r = 0; r < rows.Rows(); ++r) {
        SIGIL_ASSIGN_OR_RETURN(TimePoint created, TimeAt(rows, r, 5));
        out.push_back(Ec2KeyPairRecord{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2),
                                       rows.Text(r, 3), rows.Text(r, 4), created});
      }
      return OkStatus();
    }));
    return out;
  }

  Status DeleteKeyPair(const Ec2Scope& scope, const std::string& key_pair_id) override {
    return Write("delete key pair " + key_pair_id, [&](SqlTransaction& txn) -> Status {
      return DeleteWithTags(txn, scope, kDeleteKeyPair, key_pair_id);
    });
  }

  Status CreateSecurityGroup(const Ec2Scope& scope, const Ec2SecurityGroupRecord& group,
                             const std::vector<Ec2TagRecord>& tags) override {
    return Write("create security group " + group.group_name, [&](SqlTransaction& txn) -> Status {
      SIGIL_RETURN_IF_ERROR(InsertGroup(txn, scope, group));
      return InsertTags(txn, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2SecurityGroupRecord>> ListSecurityGroups(const Ec2Scope& scope) override {
    std::vector<Ec2SecurityGroupRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list security groups", [&](SqlTransaction& txn) -> Status {
      out.clear();
      const Params where = {scope.account_id, scope.region};
      SIGIL_ASSIGN_OR_RETURN(SqlRows groups, txn.Query(kSelectGroups, where));
      std::map<std::string, size_t> index;
      for (int r = 0; r < groups.Rows(); ++r) {
        SIGIL_ASSIGN_OR_RETURN(TimePoint created, TimeAt(groups, r, 4));
        index[groups.Text(r, 0)] = out.size();
        out.push_back(Ec2SecurityGroupRecord{groups.Text(r, 0),
                                             groups.Text(r, 1),
                                             groups.Text(r, 2),
                                             groups.Text(r, 3),
                                             created,
                                             {}});
      }
      SIGIL_ASSIGN_OR_RETURN(SqlRows rules, txn.Query(kSelectRules, where));
      for (int r = 0; r < rules.Rows(); ++r) {
        auto it = index.find(rules.Text(r, 0));
        if (it == index.end()) continue;
        SIGIL_ASSIGN_OR_RETURN(int64_t from, rules.Int64(r, 4));
        SIGIL_ASSIGN_OR_RETURN(int64_t to, rules.Int64(r, 5));
        out[it->second].rules.push_back(
            Ec2RuleRecord{rules.Text(r, 1), rules.Text(r, 2) == "1", rules.Text(r, 3), from, to,
                          rules.Text(r, 6), rules.Text(r, 7), rules.Text(r, 8), rules.Text(r, 9)});
      }
      return OkStatus();
    }));
    return out;
  }

  Status DeleteSecurityGroup(const Ec2Scope& scope, const std::string& group_id) override {
    return Write("delete security group " + group_id, [&](SqlTransaction& txn) -> Status {
      return DeleteWithTags(txn, scope, kDeleteGroup, group_id);
    });
  }

  Status AddSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                               const std::vector<Ec2RuleRecord>& rules) override {
    return Write("add rules to " + group_id, [&](SqlTransaction& txn) -> Status {
      SIGIL_RETURN_IF_ERROR(RequireGroup(txn, scope, group_id));
      return InsertRules(txn, group_id, rules);
    });
  }

  Status RemoveSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                                  const std::vector<std::string>& rule_ids) override {
    return Write("remove rules from " + group_id, [&](SqlTransaction& txn) -> Status {
      SIGIL_RETURN_IF_ERROR(RequireGroup(txn, scope, group_id));
      for (const std::string& id : rule_ids) {
        SIGIL_RETURN_IF_ERROR(Exec(txn, kDeleteRule, {group_id, id}));
      }
      return OkStatus();
    });
  }

  Status CreateInstances(const Ec2Scope& scope, const std::vector<Ec2InstanceRecord>& instances,
                         const std::vector<Ec2TagRecord>& tags) override {
    return Write("create instances", [&](SqlTransaction& txn) -> Status {
      for (const Ec2InstanceRecord& i : instances) {
        SIGIL_RETURN_IF_ERROR(
            Exec(txn, kInsertInstance,
                 {i.instance_id, scope.account_id, scope.region, i.reservation_id, i.image_id,
                  i.instance_type, i.key_name, i.availability_zone, i.subnet_id, i.vpc_id,
                  i.private_ip, i.user_data, i.client_token, i.state, ToMillis(i.state_changed),
                  ToMillis(i.launched)}));
        for (size_t p = 0; p < i.security_group_ids.size(); ++p) {
          SIGIL_RETURN_IF_ERROR(
              Exec(txn, kInsertInstanceGroup,
                   {i.instance_id, static_cast<int64_t>(p), i.security_group_ids[p]}));
        }
      }
      return InsertTags(txn, scope, tags);
    });
  }

  StatusOr<std::vector<Ec2InstanceRecord>> ListInstances(const Ec2Scope& scope) override {
    std::vector<Ec2InstanceRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list instances", [&](SqlTransaction& txn) -> Status {
      out.clear();
      const Params where = {scope.account_id, scope.region};
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kSelectInstances, where));
      std::map<std::string, size_t> index;
      for (int r = 0; r < rows.Rows(); ++r) {
        Ec2InstanceRecord i;
        SIGIL_ASSIGN_OR_RETURN(i.state_changed, TimeAt(rows, r, 12));
        SIGIL_ASSIGN_OR_RETURN(i.launched, TimeAt(rows, r, 13));
        i.instance_id = rows.Text(r, 0);
        i.reservation_id = rows.Text(r, 1);
        i.image_id = rows.Text(r, 2);
        i.instance_type = rows.Text(r, 3);
        i.key_name = rows.Text(r, 4);
        i.availability_zone = rows.Text(r, 5);
        i.subnet_id = rows.Text(r, 6);
        i.vpc_id = rows.Text(r, 7);
        i.private_ip = rows.Text(r, 8);
        i.user_data = rows.Text(r, 9);
        i.client_token = rows.Text(r, 10);
        i.state = rows.Text(r, 11);
        index[i.instance_id] = out.size();
        out.push_back(std::move(i));
      }
      SIGIL_ASSIGN_OR_RETURN(SqlRows groups, txn.Query(kSelectInstanceGroups, where));
      for (int r = 0; r < groups.Rows(); ++r) {
        auto it = index.find(groups.Text(r, 0));
        if (it != index.end()) out[it->second].security_group_ids.push_back(groups.Text(r, 1));
      }
      return OkStatus();
    }));
    return out;
  }

  StatusOr<bool> UpdateInstanceState(const Ec2Scope& scope, const Ec2InstanceRecord& expected,
                                     const Ec2InstanceRecord& next) override {
    // The WHERE clause is the compare-and-set. On PostgreSQL a concurrent writer of the same row
    // makes this SERIALIZABLE transaction fail and run again, when it sees the new state and
    // changes nothing.
    bool changed = false;
    SIGIL_RETURN_IF_ERROR(
        Write("update instance " + expected.instance_id, [&](SqlTransaction& txn) -> Status {
          SIGIL_ASSIGN_OR_RETURN(
              SqlRows updated,
              txn.Query(kUpdateInstanceState,
                        {scope.account_id, scope.region, expected.instance_id, next.state,
                         ToMillis(next.state_changed), ToMillis(next.launched), expected.state,
                         ToMillis(expected.state_changed)}));
          changed = updated.affected() == 1;
          return OkStatus();
        }));
    return changed;
  }

  Status DeleteInstance(const Ec2Scope& scope, const std::string& instance_id) override {
    return Write("delete instance " + instance_id, [&](SqlTransaction& txn) -> Status {
      return DeleteWithTags(txn, scope, kDeleteInstance, instance_id);
    });
  }

  Status CreateTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                    const std::vector<Ec2TagRecord>& tags) override {
    return Write("create tags", [&](SqlTransaction& txn) -> Status {
      for (const std::string& id : resource_ids) {
        for (const Ec2TagRecord& t : tags) {
          SIGIL_RETURN_IF_ERROR(
              Exec(txn, kUpsertTag, {scope.account_id, scope.region, id, t.key, t.value}));
        }
      }
      return OkStatus();
    });
  }

  Status DeleteTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                    const std::vector<Ec2TagDeletion>& tags) override {
    return Write("delete tags", [&](SqlTransaction& txn) -> Status {
      for (const std::string& id : resource_ids) {
        if (tags.empty()) {
          SIGIL_RETURN_IF_ERROR(
              Exec(txn, kDeleteResourceTags, {scope.account_id, scope.region, id}));
        }
        for (const Ec2TagDeletion& t : tags) {
          if (t.value) {
            SIGIL_RETURN_IF_ERROR(Exec(txn, kDeleteTagWithValue,
                                       {scope.account_id, scope.region, id, t.key, *t.value}));
          } else {
            SIGIL_RETURN_IF_ERROR(
                Exec(txn, kDeleteTag, {scope.account_id, scope.region, id, t.key}));
          }
        }
      }
      return OkStatus();
    });
  }

  StatusOr<std::vector<Ec2TagRecord>> ListTags(const Ec2Scope& scope) override {
    std::vector<Ec2TagRecord> out;
    SIGIL_RETURN_IF_ERROR(Read("list tags", [&](SqlTransaction& txn) -> Status {
      out.clear();
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                             txn.Query(kSelectTags, {scope.account_id, scope.region}));
      for (int r = 0; r < rows.Rows(); ++r) {
        out.push_back(Ec2TagRecord{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2)});
      }
      return OkStatus();
    }));
    return out;
  }

 private:
  Status Write(const std::string& what, const SqlDatabase::Body& body) {
    return WithContext(db_->Transact(SqlDatabase::Mode::kWrite, body), "ec2 store: " + what);
  }
  Status Read(const std::string& what, const SqlDatabase::Body& body) {
    return WithContext(db_->Transact(SqlDatabase::Mode::kRead, body), "ec2 store: " + what);
  }

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace

StatusOr<std::unique_ptr<Ec2Store>> OpenSqlEc2Store(std::unique_ptr<SqlDatabase> db) {
  SIGIL_RETURN_IF_ERROR(CheckMigrated(*db, "open ec2 store on " + db->Describe()));
  return std::unique_ptr<Ec2Store>(new SqlEc2Store(std::move(db)));
}

}  // namespace sigil
