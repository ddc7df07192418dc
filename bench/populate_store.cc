// sigil_populate_store: fills a Sigil data folder (one created by a first `sigil server` start)
// with a large, realistic IAM population for the scale benchmark (docs/benchmarks.md): by
// default 10,000 users, 50,000 customer managed policies, 20,000 access keys, 1,000 groups and
// their memberships and attachments, spread over 40 accounts so that every account stays within
// AWS's default IAM quotas. Every policy document is parsed by the policy engine before it is
// written, and the result is read back and built into an identity snapshot, as the server does
// at start-up. A single-threaded program, not a library; no secret is ever printed.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/status.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_service.h"
#include "identity/effective_policies.h"
#include "identity/model.h"
#include "identity/snapshot.h"
#include "policy/document.h"
#include "server/bootstrap.h"
#include "store/sqlite_db.h"
#include "store/sqlite_metadata_store.h"

namespace sigil::bench {
namespace {

constexpr std::string_view kBase32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t kMaxPolicySize = 6144;  // IAM's managed policy size quota

struct Options {
  std::string data_dir;
  std::string master_key_file;  // empty: DIR/master.key, as the server
  int accounts = 40;
  int users = 10000;
  int policies = 50000;
  int keys = 20000;
  int groups_per_account = 25;
  uint64_t seed = 1;
  std::string via = "sql";
  int batch_rows = 20000;
};

using Clock = std::chrono::steady_clock;
double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ---- Writers: the same rows through the store's own methods, or in a few big transactions ----

class Writer {
 public:
  virtual ~Writer() = default;
  virtual Status WriteAccount(const Account& account) = 0;
  virtual Status WriteUser(const User& user) = 0;
  virtual Status WriteKey(const AccessKey& key) = 0;
  virtual Status WriteGroup(const Group& group) = 0;
  virtual Status WriteMember(const GroupMembership& member) = 0;
  // `versions` in order; the policy's default_version_id names one of them.
  virtual Status WritePolicy(const ManagedPolicy& policy,
                             const std::vector<PolicyVersion>& versions) = 0;
  virtual Status WriteAttachment(const PolicyAttachment& attachment) = 0;
  virtual Status Finish() = 0;
};

// Through the MetadataStore methods the server uses: one durable transaction per call.
class StoreWriter final : public Writer {
 public:
  explicit StoreWriter(MetadataStore& store) : store_(store) {}
  Status WriteAccount(const Account& a) override { return store_.CreateAccount(a); }
  Status WriteUser(const User& u) override { return store_.CreateUser(u); }
  Status WriteKey(const AccessKey& k) override { return store_.CreateAccessKey(k); }
  Status WriteGroup(const Group& g) override { return store_.CreateGroup(g); }
  Status WriteMember(const GroupMembership& m) override {
    return store_.AddUserToGroup(m.account_id, m.group_id, m.user_id);
  }
  Status WritePolicy(const ManagedPolicy& p, const std::vector<PolicyVersion>& versions) override {
    ManagedPolicy first = p;
    first.default_version_id = versions.front().version_id;
    SIGIL_RETURN_IF_ERROR(store_.CreateManagedPolicy(first, versions.front()));
    for (size_t i = 1; i < versions.size(); ++i) {
      SIGIL_RETURN_IF_ERROR(store_.CreatePolicyVersion(
          p.account_id, versions[i], versions[i].version_id == p.default_version_id, p.updated));
    }
    return OkStatus();
  }
  Status WriteAttachment(const PolicyAttachment& a) override { return store_.AttachPolicy(a); }
  Status Finish() override { return OkStatus(); }

 private:
  MetadataStore& store_;
};

// A second connection to the same database, inserting rows of the schema in src/store/
// migrations.cc (version 2) in transactions of `batch_rows` rows. Foreign keys stay enforced.
// This bypasses the store's per-call checks (quotas, name uniqueness is still a UNIQUE index),
// so the generator must produce consistent data; the read-back at the end proves that it did.
class SqlWriter final : public Writer {
 public:
  static StatusOr<std::unique_ptr<SqlWriter>> Open(const std::string& path, int batch_rows) {
    SIGIL_ASSIGN_OR_RETURN(sqlite::Db db, sqlite::Db::Open(path));
    auto writer = std::unique_ptr<SqlWriter>(new SqlWriter(std::move(db), batch_rows));
    return writer;
  }

  Status WriteAccount(const Account& a) override {
    return Insert("INSERT INTO accounts (account_id, name, created_ms) VALUES (?1, ?2, ?3)",
                  a.account_id, a.name, Millis(a.created));
  }
  Status WriteUser(const User& u) override {
    SIGIL_RETURN_IF_ERROR(
        Insert("INSERT INTO users (user_id, account_id, name, path, created_ms,"
               " permissions_boundary_arn) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
               u.user_id, u.account_id, u.name, u.path, Millis(u.created),
               u.permissions_boundary_arn.empty()
                   ? std::optional<std::string>()
                   : std::optional<std::string>(u.permissions_boundary_arn)));
    for (size_t i = 0; i < u.tags.size(); ++i) {
      SIGIL_RETURN_IF_ERROR(Insert(
          "INSERT INTO user_tags (user_id, position, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)",
          u.user_id, static_cast<int64_t>(i), u.tags[i].key, u.tags[i].value));
    }
    return OkStatus();
  }
  Status WriteKey(const AccessKey& k) override {
    return Insert(
        "INSERT INTO access_keys (access_key_id, account_id, user_id, status, created_ms,"
        " sealed_secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        k.access_key_id, k.account_id, k.user_id,
        k.status == AccessKeyStatus::kActive ? "Active" : "Inactive", Millis(k.created),
        Base64Encode(k.sealed_secret));
  }
  Status WriteGroup(const Group& g) override {
    return Insert(
        "INSERT INTO iam_groups (group_id, account_id, name, path, created_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5)",
        g.group_id, g.account_id, g.name, g.path, Millis(g.created));
  }
  Status WriteMember(const GroupMembership& m) override {
    return Insert("INSERT INTO group_members (account_id, group_id, user_id) VALUES (?1, ?2, ?3)",
                  m.account_id, m.group_id, m.user_id);
  }
  Status WritePolicy(const ManagedPolicy& p, const std::vector<PolicyVersion>& versions) override {
    SIGIL_RETURN_IF_ERROR(
        Insert("INSERT INTO managed_policies (policy_id, account_id, name, path, description,"
               " default_version_id, next_version_number, created_ms, updated_ms)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
               p.policy_id, p.account_id, p.name, p.path, p.description, p.default_version_id,
               static_cast<int64_t>(p.next_version_number), Millis(p.created), Millis(p.updated)));
    for (size_t i = 0; i < versions.size(); ++i) {
      SIGIL_RETURN_IF_ERROR(
          Insert("INSERT INTO policy_versions (policy_id, version_id, version_number, document,"
                 " created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                 p.policy_id, versions[i].version_id, static_cast<int64_t>(i + 1),
                 versions[i].document, Millis(versions[i].created)));
    }
    return OkStatus();
  }
  Status WriteAttachment(const PolicyAttachment& a) override {
    std::string_view kind = a.owner_kind == PolicyOwnerKind::kUser    ? "user"
                            : a.owner_kind == PolicyOwnerKind::kGroup ? "group"
                                                                      : "role";
    return Insert(
        "INSERT INTO policy_attachments (account_id, owner_kind, owner_id, policy_arn)"
        " VALUES (?1, ?2, ?3, ?4)",
        a.account_id, kind, a.owner_id, a.policy_arn);
  }
  Status Finish() override {
    if (txn_) {
      SIGIL_RETURN_IF_ERROR(txn_->Commit());
      txn_.reset();
      ++transactions_;
    }
    return OkStatus();
  }
  int transactions() const { return transactions_; }

 private:
  SqlWriter(sqlite::Db db, int batch_rows) : db_(std::move(db)), batch_rows_(batch_rows) {}

  static int64_t Millis(TimePoint t) { return t.time_since_epoch().count(); }

  template <typename... Args>
  Status Insert(std::string_view sql, const Args&... args) {
    if (!txn_) {
      SIGIL_ASSIGN_OR_RETURN(sqlite::Transaction txn, sqlite::Transaction::Begin(db_));
      txn_.emplace(std::move(txn));
    }
    {
      SIGIL_ASSIGN_OR_RETURN(sqlite::Statement s, db_.Prepare(sql));
      SIGIL_RETURN_IF_ERROR(s.Bind(args...).Run());
    }
    if (++rows_in_txn_ >= batch_rows_) {
      rows_in_txn_ = 0;
      return Finish();
    }
    return OkStatus();
  }

  sqlite::Db db_;
  int batch_rows_;
  int rows_in_txn_ = 0;
  int transactions_ = 0;
  std::optional<sqlite::Transaction> txn_;
};

// ---- The generator -------------------------------------------------------------------------

// Deterministic for a given seed (ids, names, documents); only the nonces sealing the secrets
// come from the OS.
class Generator {
 public:
  Generator(uint64_t seed, const SecretBox& box, RandomSource& nonces, TimePoint now)
      : rng_(seed), box_(box), nonces_(nonces), now_(now) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Uniform(0, static_cast<int>(v.size()) - 1))];
  }

  std::string Chars(std::string_view alphabet, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += alphabet[static_cast<size_t>(Uniform(0, static_cast<int>(alphabet.size()) - 1))];
    }
    return out;
  }
  // A fresh id of AWS's shape, never handed out twice.
  std::string Id(std::string_view prefix, int n) {
    while (true) {
      std::string id = std::string(prefix) + Chars(kBase32Upper, n);
      if (ids_.insert(id).second) return id;
    }
  }
  std::string AccountId() {
    while (true) {
      std::string id = Chars("123456789", 1) + Chars("0123456789", 11);
      if (ids_.insert(id).second) return id;
    }
  }
  TimePoint Now() const { return now_; }
  TimePoint DaysAgo(int days) const {
    return now_ -
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24) * days);
  }

  AccessKey Key(const std::string& account_id, const std::string& user_id) {
    AccessKey key;
    key.access_key_id = Id("AKIA", 16);
    key.account_id = account_id;
    key.user_id = user_id;
    key.status = Chance(0.1) ? AccessKeyStatus::kInactive : AccessKeyStatus::kActive;
    key.created = DaysAgo(Uniform(0, 700));
    std::string secret = Chars(kSecretAlphabet, 40);
    auto sealed = box_.Seal(nonces_, secret, key.access_key_id);
    if (!sealed.ok()) {
      std::fprintf(stderr, "populate: %s\n", sealed.status().ToString().c_str());
      std::exit(1);
    }
    key.sealed_secret = std::move(sealed).value();
    SecureWipe(secret);
    return key;
  }

  // A customer managed policy document of 2 to 6 statements drawn from patterns seen in real
  // accounts: wildcards in actions and resources, policy variables, conditions on the source
  // address, region, tags, MFA, time and numbers. Unique text per policy (resources carry `n`),
  // so the compile cache cannot share work between policies.
  std::string PolicyDocument(const std::string& account, const std::string& team, int n) {
    const int statements = Uniform(2, 6);
    std::vector<int> kinds;
    while (static_cast<int>(kinds.size()) < statements) {
      int k = Uniform(0, 11);
      if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
    const std::string num = std::to_string(n);
    std::string doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [";
    for (size_t i = 0; i < kinds.size(); ++i) {
      doc += i == 0 ? "\n    " : ",\n    ";
      doc += Statement(kinds[i], account, team, num);
    }
    doc += "\n  ]\n}";
    return doc;
  }

 private:
  std::string Statement(int kind, const std::string& account, const std::string& team,
                        const std::string& n) {
    const std::string bucket = team + "-data-" + n;
    switch (kind) {
      case 0:
        return R"({"Sid": "ReadTeamBucket", "Effect": "Allow", "Action": ["s3:GetObject", )"
               R"("s3:GetObjectVersion", "s3:ListBucket"], "Resource": ["arn:aws:s3:::)" +
               bucket + R"(", "arn:aws:s3:::)" + bucket + R"(/*"]})";
      case 1:
        return R"({"Sid": "WriteOwnPrefix", "Effect": "Allow", "Action": ["s3:PutObject", )"
               R"("s3:DeleteObject"], "Resource": "arn:aws:s3:::)" +
               team + "-uploads-" + n + R"(/home/${aws:username}/*"})";
      case 2:
        return R"({"Sid": "DescribeInRegions", "Effect": "Allow", "Action": "ec2:Describe*", )"
               R"("Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": )"
               R"(["us-east-1", "eu-west-1"]}}})";
      case 3:
        return R"({"Sid": "StartStopTeamInstances", "Effect": "Allow", "Action": )"
               R"(["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"], )"
               R"("Resource": "arn:aws:ec2:*:)" +
               account +
               R"(:instance/*", "Condition": {"StringEquals": )"
               R"({"aws:ResourceTag/team": ")" +
               team + R"(-)" + n + R"("}}})";
      case 4:
        return R"({"Sid": "DenyOutsideNetwork", "Effect": "Deny", "Action": "*", )"
               R"("Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.)" +
               std::to_string(Uniform(0, 255)) + R"(.0.0/16", "192.168.)" +
               std::to_string(Uniform(0, 255)) +
               R"(.0/24"]}, "Bool": {"aws:ViaAWSService": "false"}}})";
      case 5:
        return R"({"Sid": "ManageOwnCredentials", "Effect": "Allow", "Action": )"
               R"(["iam:GetUser", "iam:ChangePassword", "iam:*AccessKey*", "iam:*MFADevice"], )"
               R"("Resource": ["arn:aws:iam::)" +
               account + R"(:user/${aws:username}", "arn:aws:iam::)" + account +
               R"(:mfa/${aws:username}"]})";
      case 6:
        return R"({"Sid": "AssumeTeamRoles", "Effect": "Allow", "Action": "sts:AssumeRole", )"
               R"("Resource": "arn:aws:iam::)" +
               account + R"(:role/)" + team + "-" + n + R"(-*"})";
      case 7:
        return R"({"Sid": "DenyDestructiveWithoutMFA", "Effect": "Deny", "Action": )"
               R"(["s3:DeleteBucket*", "s3:PutBucketPolicy", "ec2:Terminate*"], "Resource": "*", )"
               R"("Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})";
      case 8:
        return R"({"Sid": "SharedByTag", "Effect": "Allow", "Action": "s3:*", )"
               R"("Resource": "arn:aws:s3:::shared-)" +
               n + R"(/*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": ")" + team +
               R"("}}})";
      case 9:
        return R"({"Sid": "RunSmallInstancesUntil2030", "Effect": "Allow", "Action": )"
               R"("ec2:RunInstances", "Resource": "*", "Condition": {"DateLessThan": )"
               R"({"aws:CurrentTime": "2030-01-01T00:00:00Z"}, "NumericLessThanEquals": )"
               R"({"ec2:VolumeSize": ")" +
               std::to_string(Uniform(20, 500)) +
               R"("}, "StringLike": {"ec2:InstanceType": )"
               R"(["t3.*", "t4g.*"]}}})";
      case 10:
        return R"({"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", )"
               R"("sts:*", "s3:*"], "Resource": "*", "Condition": {"StringNotEquals": )"
               R"({"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}})";
      default:
        return R"({"Sid": "TeamTable", "Effect": "Allow", "Action": ["dynamodb:GetItem", )"
               R"("dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": )"
               R"(["arn:aws:dynamodb:us-east-1:)" +
               account + R"(:table/)" + team + "-" + n + R"(", "arn:aws:dynamodb:us-east-1:)" +
               account + R"(:table/)" + team + "-" + n + R"(/index/*"]})";
    }
  }

  std::mt19937_64 rng_;
  const SecretBox& box_;
  RandomSource& nonces_;
  TimePoint now_;
  std::unordered_set<std::string> ids_;
};

const std::vector<std::string>& Teams() {
  static const std::vector<std::string> kTeams = {
      "payments", "search", "data",  "platform", "mobile", "web",      "ml",      "security",
      "billing",  "growth", "infra", "support",  "ads",    "identity", "storage", "analytics"};
  return kTeams;
}

const std::vector<std::string>& AwsManagedArns() {
  static const std::vector<std::string> kArns = {"arn:aws:iam::aws:policy/ReadOnlyAccess",
                                                 "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                                                 "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
                                                 "arn:aws:iam::aws:policy/IAMUserChangePassword"};
  return kArns;
}

// An even share of `total` for account `i` of `n`.
int Share(int total, int i, int n) { return total / n + (i < total % n ? 1 : 0); }

struct Counts {
  int accounts = 0, users = 0, tags = 0, keys = 0, groups = 0, members = 0, policies = 0,
      versions = 0, attachments = 0, boundaries = 0;
  size_t document_bytes = 0;
};

// Generates and writes one account's share. `account_index` numbers the accounts from 0.
Status PopulateAccount(Generator& gen, Writer& out, const std::string& account_id,
                       int account_index, const Options& o, Counts& counts) {
  const int n_users = Share(o.users, account_index, o.accounts);
  const int n_policies = Share(o.policies, account_index, o.accounts);
  const int n_keys = Share(o.keys, account_index, o.accounts);

  // Policies first: users' boundaries and attachments name them.
  std::vector<std::string> arns;
  for (int i = 0; i < n_policies; ++i) {
    const std::string& team = gen.Pick(Teams());
    ManagedPolicy p;
    p.account_id = account_id;
    p.policy_id = gen.Id("ANPA", 17);
    p.name = team + "-policy-" + std::to_string(account_index) + "-" + std::to_string(i);
    p.path = gen.Chance(0.5) ? "/" : "/teams/" + team + "/";
    p.description = "Access for the " + team + " team";
    p.created = gen.DaysAgo(gen.Uniform(30, 700));
    p.updated = p.created;
    // One policy in ten has a second version, which is the default.
    const int n_versions = gen.Chance(0.1) ? 2 : 1;
    std::vector<PolicyVersion> versions;
    for (int v = 1; v <= n_versions; ++v) {
      std::string doc = gen.PolicyDocument(account_id, team, account_index * 100000 + i * 2 + v);
      if (policy::PolicySizeWithoutWhitespace(doc) > kMaxPolicySize) {
        return InternalError("generated policy " + p.name + " exceeds the size quota");
      }
      auto parsed = policy::ParsePolicy(doc, policy::PolicyKind::kIdentity);
      if (!parsed.ok()) {
        return InternalError("generated policy " + p.name +
                             " does not parse: " + parsed.status().message());
      }
      counts.document_bytes += doc.size();
      versions.push_back(PolicyVersion{p.policy_id, "v" + std::to_string(v), std::move(doc),
                                       p.created + std::chrono::hours(v - 1)});
    }
    p.default_version_id = versions.back().version_id;
    p.next_version_number = n_versions + 1;
    p.updated = versions.back().created;
    arns.push_back(ManagedPolicyArn(account_id, p.path, p.name));
    SIGIL_RETURN_IF_ERROR(out.WritePolicy(p, versions));
    ++counts.policies;
    counts.versions += n_versions;
  }
  auto pick_policy = [&]() -> const std::string& { return gen.Pick(arns); };

  std::vector<Group> groups;
  for (int i = 0; i < o.groups_per_account; ++i) {
    const std::string& team = Teams()[static_cast<size_t>(i) % Teams().size()];
    Group g{account_id, gen.Id("AGPA", 17),
            team + "-" + (i < static_cast<int>(Teams().size()) ? "engineers" : "operators"), "/",
            gen.DaysAgo(gen.Uniform(30, 700))};
    SIGIL_RETURN_IF_ERROR(out.WriteGroup(g));
    ++counts.groups;
    // 3 to 5 customer managed policies, and sometimes an AWS managed one (quota: 10).
    std::vector<std::string> attached;
    const int n_attached = gen.Uniform(3, 5);
    while (static_cast<int>(attached.size()) < n_attached && !arns.empty()) {
      const std::string& arn = pick_policy();
      if (std::find(attached.begin(), attached.end(), arn) == attached.end()) {
        attached.push_back(arn);
      }
    }
    if (gen.Chance(0.3)) attached.push_back(gen.Pick(AwsManagedArns()));
    for (const std::string& arn : attached) {
      SIGIL_RETURN_IF_ERROR(out.WriteAttachment(
          PolicyAttachment{account_id, PolicyOwnerKind::kGroup, g.group_id, arn}));
      ++counts.attachments;
    }
    groups.push_back(std::move(g));
  }

  std::vector<User> users;
  for (int i = 0; i < n_users; ++i) {
    const std::string& team = gen.Pick(Teams());
    User u;
    u.account_id = account_id;
    u.user_id = gen.Id("AIDA", 17);
    u.name = team + "." + std::to_string(account_index) + "." + std::to_string(i);
    u.path = gen.Chance(0.3) ? "/" + team + "/" : "/";
    u.created = gen.DaysAgo(gen.Uniform(0, 700));
    u.tags = {{"team", team}, {"cost-center", "cc-" + std::to_string(gen.Uniform(100, 999))}};
    if (gen.Chance(0.05) && !arns.empty()) u.permissions_boundary_arn = pick_policy();
    SIGIL_RETURN_IF_ERROR(out.WriteUser(u));
    ++counts.users;
    counts.tags += static_cast<int>(u.tags.size());
    counts.boundaries += u.permissions_boundary_arn.empty() ? 0 : 1;
    // Member of 1 to 3 groups (quota: 10), with 0 to 2 policies of their own.
    std::vector<size_t> member_of;
    const int n_groups = std::min(gen.Uniform(1, 3), static_cast<int>(groups.size()));
    while (static_cast<int>(member_of.size()) < n_groups) {
      size_t g = static_cast<size_t>(gen.Uniform(0, static_cast<int>(groups.size()) - 1));
      if (std::find(member_of.begin(), member_of.end(), g) == member_of.end()) {
        member_of.push_back(g);
      }
    }
    for (size_t g : member_of) {
      SIGIL_RETURN_IF_ERROR(
          out.WriteMember(GroupMembership{account_id, groups[g].group_id, u.user_id}));
      ++counts.members;
    }
    const int n_own = arns.empty() ? 0 : gen.Uniform(0, 2);
    std::vector<std::string> own;
    while (static_cast<int>(own.size()) < n_own) {
      const std::string& arn = pick_policy();
      if (std::find(own.begin(), own.end(), arn) == own.end()) own.push_back(arn);
    }
    for (const std::string& arn : own) {
      SIGIL_RETURN_IF_ERROR(out.WriteAttachment(
          PolicyAttachment{account_id, PolicyOwnerKind::kUser, u.user_id, arn}));
      ++counts.attachments;
    }
    users.push_back(std::move(u));
  }

  // Keys: two per user until the share is used up (quota: 2 per user).
  for (int i = 0; i < n_keys; ++i) {
    if (users.empty()) break;
    const size_t u = static_cast<size_t>(i) % users.size();
    if (static_cast<size_t>(i) >= 2 * users.size()) {
      return InvalidArgumentError("more than two access keys per user: raise --users");
    }
    SIGIL_RETURN_IF_ERROR(out.WriteKey(gen.Key(account_id, users[u].user_id)));
    ++counts.keys;
  }
  return OkStatus();
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "sigil_populate_store: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

int Run(const Options& o) {
  const auto start = Clock::now();
  auto paths = server::PrepareDataDir(o.data_dir, o.master_key_file);
  if (!paths.ok()) return Fail("data folder", paths.status());
  // Only a folder the server has initialized: its master key and database must exist.
  for (const std::string& file : {paths->database, paths->master_key}) {
    if (auto mode = FileMode(file); !mode.ok()) {
      return Fail(file + " (start `sigil server --data-dir " + o.data_dir + "` once first)",
                  mode.status());
    }
  }
  OsRandomSource random;
  std::optional<std::string> env_key;
  if (const char* v = std::getenv("SIGIL_MASTER_KEY")) env_key = std::string(v);
  auto box = server::LoadOrCreateMasterKey(paths->master_key, env_key, random);
  if (!box.ok()) return Fail("master key", box.status());

  // The existing (oldest) account gets the first share; the others are created here.
  std::vector<std::string> account_ids;
  {
    auto store = SqliteMetadataStore::Open(paths->database);
    if (!store.ok()) return Fail("database", store.status());
    auto data = (*store)->LoadIdentity();
    if (!data.ok()) return Fail("reading the database", data.status());
    if (data->accounts.empty()) {
      return Fail("database", FailedPreconditionError("no account yet: start the server once"));
    }
    if (!data->users.empty() || !data->managed_policies.empty()) {
      return Fail("database", FailedPreconditionError("already holds users or policies; use a "
                                                      "freshly initialized data folder"));
    }
    const Account* oldest = &data->accounts.front();
    for (const Account& a : data->accounts) {
      if (a.created < oldest->created) oldest = &a;
    }
    account_ids.push_back(oldest->account_id);
  }

  Generator gen(
      o.seed, *box, random,
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  std::unique_ptr<MetadataStore> store;
  std::unique_ptr<Writer> writer;
  SqlWriter* sql = nullptr;
  if (o.via == "store") {
    auto opened = SqliteMetadataStore::Open(paths->database);
    if (!opened.ok()) return Fail("database", opened.status());
    store = std::move(opened).value();
    writer = std::make_unique<StoreWriter>(*store);
  } else {
    auto opened = SqlWriter::Open(paths->database, o.batch_rows);
    if (!opened.ok()) return Fail("database", opened.status());
    sql = opened->get();
    writer = std::move(opened).value();
  }

  Counts counts;
  for (int i = 1; i < o.accounts; ++i) {
    // Created after the folder's own account, so the server still picks that one as root's.
    Account a{gen.AccountId(), "bench-" + std::to_string(i),
              gen.Now() + std::chrono::milliseconds(i)};
    if (Status s = writer->WriteAccount(a); !s.ok()) return Fail("writing account", s);
    account_ids.push_back(a.account_id);
    ++counts.accounts;
  }
  for (int i = 0; i < o.accounts; ++i) {
    if (Status s = PopulateAccount(gen, *writer, account_ids[static_cast<size_t>(i)], i, o, counts);
        !s.ok()) {
      return Fail("populating account " + account_ids[static_cast<size_t>(i)], s);
    }
  }
  if (Status s = writer->Finish(); !s.ok()) return Fail("committing", s);
  const double write_ms = MillisSince(start);
  std::printf(
      "wrote %d accounts (plus the existing one), %d users (%d tags, %d boundaries), %d access "
      "keys, %d groups, %d memberships, %d managed policies (%d versions, %.1f MB of JSON), %d "
      "attachments via %s%s in %.0f ms\n",
      counts.accounts, counts.users, counts.tags, counts.boundaries, counts.keys, counts.groups,
      counts.members, counts.policies, counts.versions,
      static_cast<double>(counts.document_bytes) / 1e6, counts.attachments,
      o.via == "store" ? "the store's methods" : "one connection in big transactions",
      sql != nullptr ? (" (" + std::to_string(sql->transactions()) + " transactions)").c_str() : "",
      write_ms);
  writer.reset();
  store.reset();

  // Read back and build the snapshot exactly as the server does at start-up, timing each step.
  auto reopened = SqliteMetadataStore::Open(paths->database);
  if (!reopened.ok()) return Fail("reopening the database", reopened.status());
  auto t0 = Clock::now();
  auto data = (*reopened)->LoadIdentity();
  if (!data.ok()) return Fail("reading back", data.status());
  const double load_ms = MillisSince(t0);
  const size_t n_users = data->users.size(), n_keys = data->access_keys.size(),
               n_policies = data->managed_policies.size();
  PolicyCompileCache cache;
  t0 = Clock::now();
  auto snapshot = IdentitySnapshot::Build(
      std::move(data).value(), *box,
      [](std::string_view arn) -> std::string_view {
        const iam::AwsManagedPolicy* p = iam::FindAwsManagedPolicy(arn);
        return p == nullptr ? std::string_view() : p->document;
      },
      cache);
  if (!snapshot.ok()) return Fail("building the snapshot", snapshot.status());
  const double build_ms = MillisSince(t0);
  std::printf(
      "read back %zu users, %zu access keys, %zu managed policies: LoadIdentity %.0f ms, "
      "IdentitySnapshot::Build %.0f ms\n",
      n_users, n_keys, n_policies, load_ms, build_ms);
  if (iam::kMaxUsersPerAccount < Share(o.users, 0, o.accounts) ||
      iam::kMaxManagedPoliciesPerAccount < Share(o.policies, 0, o.accounts) ||
      iam::kMaxGroupsPerAccount < o.groups_per_account) {
    std::printf("note: some accounts exceed AWS's default IAM quotas (raise --accounts)\n");
  }
  return 0;
}

}  // namespace
}  // namespace sigil::bench

int main(int argc, char** argv) {
  sigil::bench::Options o;
  CLI::App app{
      "Fills a Sigil data folder (initialized by one `sigil server` start) with a large IAM "
      "population for the scale benchmark."};
  app.add_option("--data-dir", o.data_dir, "The data folder")->required();
  app.add_option("--master-key-file", o.master_key_file, "Default: DATA_DIR/master.key");
  app.add_option("--accounts", o.accounts, "Accounts, including the folder's own")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--users", o.users, "IAM users in all")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--policies", o.policies, "Customer managed policies in all")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--keys", o.keys, "Access keys in all (at most two per user)")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--groups-per-account", o.groups_per_account, "Groups in each account")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed for names, ids and documents")->capture_default_str();
  app.add_option("--via", o.via,
                 "sql: a second connection, big transactions; store: the MetadataStore methods, "
                 "one transaction per row (slow: each commit is synced)")
      ->check(CLI::IsMember({"sql", "store"}))
      ->capture_default_str();
  app.add_option("--batch-rows", o.batch_rows, "Rows per transaction with --via sql")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return sigil::bench::Run(o);
}
