#include "store/migrations.h"

#include <string>

namespace sigil {

// Conventions: timestamps are BIGINT Unix milliseconds named *_ms; ids are TEXT; binary values
// are stored base64-encoded in TEXT (PostgreSQL TEXT cannot hold NUL bytes); child tables
// reference their parent by id with ON DELETE CASCADE only where the child is owned data
// (tags, usage), never where a delete must be refused (a user's access keys).
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "accounts, users with tags, access keys and their last use",
       {
           "CREATE TABLE accounts ("
           " account_id TEXT NOT NULL PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL)",

           "CREATE TABLE users ("
           " user_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           // Lets access_keys reference (account_id, user_id), so a key cannot name a user
           // of another account.
           " UNIQUE (account_id, user_id))",

           // IAM names are ASCII and unique per account regardless of case.
           "CREATE UNIQUE INDEX users_account_name ON users (account_id, lower(name))",

           "CREATE TABLE user_tags ("
           " user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (user_id, position))",

           "CREATE TABLE access_keys ("
           " access_key_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " user_id TEXT,"  // NULL for the account's root credentials
           " status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),"
           " created_ms BIGINT NOT NULL,"
           " sealed_secret TEXT NOT NULL,"  // base64 of the SecretBox output
           " FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, user_id))",

           // Serves the foreign-key check and the has-keys check when a user is deleted.
           "CREATE INDEX access_keys_user ON access_keys (account_id, user_id)",

           "CREATE TABLE access_key_usage ("
           " access_key_id TEXT NOT NULL PRIMARY KEY"
           "  REFERENCES access_keys (access_key_id) ON DELETE CASCADE,"
           " last_used_ms BIGINT NOT NULL,"
           " region TEXT NOT NULL,"
           " service TEXT NOT NULL)",
       }},
      {2,
       "groups and memberships, managed policies with versions and tags, attachments, inline "
       "policies, roles with tags, permission boundaries",
       {
           // NULL when the user has no permissions boundary.
           "ALTER TABLE users ADD COLUMN permissions_boundary_arn TEXT",

           // Not "groups": that is a keyword in SQLite and PostgreSQL window syntax.
           "CREATE TABLE iam_groups ("
           " group_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " UNIQUE (account_id, group_id))",

           "CREATE UNIQUE INDEX iam_groups_account_name ON iam_groups (account_id, lower(name))",

           // No cascades: deleting a group or a user with members/memberships is refused.
           "CREATE TABLE group_members ("
           " account_id TEXT NOT NULL,"
           " group_id TEXT NOT NULL,"
           " user_id TEXT NOT NULL,"
           " PRIMARY KEY (account_id, group_id, user_id),"
           " FOREIGN KEY (account_id, group_id) REFERENCES iam_groups (account_id, group_id),"
           " FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, user_id))",

           // Serves the foreign-key check and the has-memberships check when a user is deleted.
           "CREATE INDEX group_members_user ON group_members (account_id, user_id)",

           "CREATE TABLE managed_policies ("
           " policy_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " default_version_id TEXT NOT NULL,"
           " next_version_number BIGINT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " updated_ms BIGINT NOT NULL,"
           " UNIQUE (account_id, policy_id))",

           "CREATE UNIQUE INDEX managed_policies_account_name"
           " ON managed_policies (account_id, lower(name))",

           // version_number is N of version_id "vN", so versions sort numerically (v2 < v10).
           "CREATE TABLE policy_versions ("
           " policy_id TEXT NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,"
           " version_id TEXT NOT NULL,"
           " version_number BIGINT NOT NULL,"
           " document TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " PRIMARY KEY (policy_id, version_id))",

           "CREATE TABLE policy_tags ("
           " policy_id TEXT NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (policy_id, position))",

           // The owner is a user, group or role of the account (checked by the store, since
           // one column cannot reference three tables); owners with attachments cannot be
           // deleted. AWS managed policies are not stored, so policy_arn has no reference.
           "CREATE TABLE policy_attachments ("
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),"
           " owner_id TEXT NOT NULL,"
           " policy_arn TEXT NOT NULL,"
           " PRIMARY KEY (account_id, owner_kind, owner_id, policy_arn))",

           // Serves the is-attached check when a managed policy is deleted.
           "CREATE INDEX policy_attachments_arn ON policy_attachments (lower(policy_arn))",

           "CREATE TABLE inline_policies ("
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'group', 'role')),"
           " owner_id TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " document TEXT NOT NULL,"
           " PRIMARY KEY (account_id, owner_kind, owner_id, name))",

           "CREATE UNIQUE INDEX inline_policies_owner_name"
           " ON inline_policies (account_id, owner_kind, owner_id, lower(name))",

           "CREATE TABLE roles ("
           " role_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " assume_role_policy TEXT NOT NULL,"
           " max_session_duration BIGINT NOT NULL,"
           " permissions_boundary_arn TEXT,"  // NULL when none
           " created_ms BIGINT NOT NULL,"
           " UNIQUE (account_id, role_id))",

           "CREATE UNIQUE INDEX roles_account_name ON roles (account_id, lower(name))",

           "CREATE TABLE role_tags ("
           " role_id TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (role_id, position))",
       }},
      {3,
       "virtual MFA devices with tags",
       {
           // The serial number is the device's ARN (arn:aws:iam::ACCOUNT:mfa/PATH/NAME). user_id
           // is a user id of the account, or the account id itself for the root user, so it
           // cannot reference users; the store refuses to delete a user that still has a device
           // and checks the user when assigning. NULL user_id and enabled_ms: not assigned.
           "CREATE TABLE mfa_devices ("
           " serial_number TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " user_id TEXT,"
           " created_ms BIGINT NOT NULL,"
           " enabled_ms BIGINT,"
           " sealed_seed TEXT NOT NULL,"  // base64 of the SecretBox output
                                          // The RFC 6238 step of the latest accepted code, -1
                                          // before any: the replay guard.
           " last_accepted_step BIGINT NOT NULL,"
           " CHECK ((user_id IS NULL) = (enabled_ms IS NULL)))",

           // Serial numbers are unique per account regardless of case, as IAM names are.
           "CREATE UNIQUE INDEX mfa_devices_account_serial"
           " ON mfa_devices (account_id, lower(serial_number))",

           // Serves the has-devices check when a user is deleted.
           "CREATE INDEX mfa_devices_user ON mfa_devices (account_id, user_id)",

           "CREATE TABLE mfa_device_tags ("
           " serial_number TEXT NOT NULL"
           "  REFERENCES mfa_devices (serial_number) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (serial_number, position))",
       }},
      {4,
       "S3 buckets, objects, multipart uploads and their parts",
       {
           // Names, keys and upload ids are COLLATE "C" (byte order, as S3 lists them; SQLite's
           // BINARY), so listing scans the primary key in order in both backends. No reference
           // to accounts: the S3 layer owns who may own a bucket. Tag sets are JSON
           // [["key", "value"], ...]; policy and the other sub-resources are NULL when unset.
           "CREATE TABLE buckets ("
           " name TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           " policy TEXT,"
           " public_access_block TEXT,"
           " ownership_controls TEXT,"
           " tags TEXT NOT NULL)",

           "CREATE INDEX buckets_account ON buckets (account_id, name)",

           // blobs: JSON [["blob id", size], ...], the object's bytes in order. attributes: the
           // S3 layer's JSON, kept verbatim. A bucket with objects cannot be deleted.
           "CREATE TABLE objects ("
           " bucket TEXT COLLATE \"C\" NOT NULL REFERENCES buckets (name),"
           " object_key TEXT COLLATE \"C\" NOT NULL,"
           " blobs TEXT NOT NULL,"
           " size BIGINT NOT NULL,"
           " etag TEXT NOT NULL,"
           " last_modified_ms BIGINT NOT NULL,"
           " owner_account_id TEXT NOT NULL,"
           " attributes TEXT NOT NULL,"
           " tags TEXT NOT NULL,"
           " PRIMARY KEY (bucket, object_key))",

           "CREATE TABLE uploads ("
           " upload_id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
           " bucket TEXT COLLATE \"C\" NOT NULL REFERENCES buckets (name),"
           " object_key TEXT COLLATE \"C\" NOT NULL,"
           " initiated_ms BIGINT NOT NULL,"
           " owner_account_id TEXT NOT NULL,"
           " initiator_arn TEXT NOT NULL,"
           " attributes TEXT NOT NULL,"
           " tags TEXT NOT NULL)",

           // ListMultipartUploads' order; also serves the has-uploads check of DeleteBucket.
           "CREATE INDEX uploads_listing ON uploads (bucket, object_key, initiated_ms, upload_id)",

           "CREATE TABLE parts ("
           " upload_id TEXT COLLATE \"C\" NOT NULL"
           "  REFERENCES uploads (upload_id) ON DELETE CASCADE,"
           " part_number INTEGER NOT NULL,"
           " blob_id TEXT NOT NULL,"
           " size BIGINT NOT NULL,"
           " etag TEXT NOT NULL,"
           " last_modified_ms BIGINT NOT NULL,"
           " attributes TEXT NOT NULL,"
           " PRIMARY KEY (upload_id, part_number))",
       }},
      {5,
       "EC2: default VPCs, key pairs, security groups and rules, instances, tags",
       {
           // Every EC2 record belongs to an account and a region. They do not reference
           // accounts: EC2 state is the EC2 service's, kept apart from the identity tables.
           "CREATE TABLE ec2_vpcs ("
           " vpc_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " cidr_block TEXT NOT NULL,"
           " is_default INTEGER NOT NULL,"
           " created_ms BIGINT NOT NULL)",

           // One default VPC per account and region, even when two nodes create it at once.
           "CREATE UNIQUE INDEX ec2_vpcs_default ON ec2_vpcs (account_id, region)"
           " WHERE is_default = 1",

           "CREATE TABLE ec2_key_pairs ("
           " key_pair_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " key_name TEXT NOT NULL,"
           " key_type TEXT NOT NULL,"
           " fingerprint TEXT NOT NULL,"
           " public_key TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL)",

           "CREATE UNIQUE INDEX ec2_key_pairs_name ON ec2_key_pairs (account_id, region, key_name)",

           "CREATE TABLE ec2_security_groups ("
           " group_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " vpc_id TEXT NOT NULL,"
           " group_name TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL)",

           "CREATE UNIQUE INDEX ec2_security_groups_name"
           " ON ec2_security_groups (account_id, region, vpc_id, group_name)",

           // "" rather than NULL for an absent peer, so the unique constraint refuses a
           // duplicate rule (NULLs never compare equal).
           "CREATE TABLE ec2_security_group_rules ("
           " rule_id TEXT NOT NULL PRIMARY KEY,"
           " group_id TEXT NOT NULL REFERENCES ec2_security_groups (group_id) ON DELETE CASCADE,"
           " position BIGINT NOT NULL,"
           " egress INTEGER NOT NULL,"
           " ip_protocol TEXT NOT NULL,"
           " from_port BIGINT NOT NULL,"
           " to_port BIGINT NOT NULL,"
           " cidr_ipv4 TEXT NOT NULL,"
           " cidr_ipv6 TEXT NOT NULL,"
           " referenced_group_id TEXT NOT NULL,"
           " description TEXT NOT NULL,"
           " UNIQUE (group_id, egress, ip_protocol, from_port, to_port, cidr_ipv4, cidr_ipv6,"
           "  referenced_group_id))",

           "CREATE TABLE ec2_instances ("
           " instance_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " reservation_id TEXT NOT NULL,"
           " image_id TEXT NOT NULL,"
           " instance_type TEXT NOT NULL,"
           " key_name TEXT NOT NULL,"
           " availability_zone TEXT NOT NULL,"
           " subnet_id TEXT NOT NULL,"
           " vpc_id TEXT NOT NULL,"
           " private_ip TEXT NOT NULL,"
           " user_data TEXT NOT NULL,"
           " client_token TEXT NOT NULL,"
           " state TEXT NOT NULL,"
           " state_changed_ms BIGINT NOT NULL,"
           " launched_ms BIGINT NOT NULL)",

           "CREATE INDEX ec2_instances_scope ON ec2_instances (account_id, region)",

           "CREATE TABLE ec2_instance_security_groups ("
           " instance_id TEXT NOT NULL REFERENCES ec2_instances (instance_id) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " group_id TEXT NOT NULL,"
           " PRIMARY KEY (instance_id, position))",

           // Tags of any EC2 resource, by its id.
           "CREATE TABLE ec2_tags ("
           " account_id TEXT NOT NULL,"
           " region TEXT NOT NULL,"
           " resource_id TEXT NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (account_id, region, resource_id, tag_key))",
       }},
  };
  return kMigrations;
}

std::string SqliteDialect(std::string_view sql) {
  constexpr std::string_view kByteOrder = "COLLATE \"C\"";
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql.substr(i, kByteOrder.size()) == kByteOrder) {
      out += "COLLATE BINARY";
      i += kByteOrder.size() - 1;
    } else if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '?';
    } else {
      out += sql[i];
    }
  }
  return out;
}

int LatestSchemaVersion() { return Migrations().back().version; }

Status CheckSchemaVersion(int64_t recorded) {
  const int latest = LatestSchemaVersion();
  if (recorded == latest) return OkStatus();
  const std::string versions = "database schema version " + std::to_string(recorded);
  if (recorded < latest) {
    return FailedPreconditionError(versions + ", this sigil needs " + std::to_string(latest) +
                                   ": migrations not applied");
  }
  return FailedPreconditionError(versions + " is newer than this sigil (" + std::to_string(latest) +
                                 ")");
}

}  // namespace sigil
