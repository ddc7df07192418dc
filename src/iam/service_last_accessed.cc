#include "iam/service_last_accessed.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"
#include "common/strings.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_common.h"
#include "policy/matchers.h"

namespace sigil::iam {
namespace {

using policy::internal::ActionPattern;
using policy::internal::CompiledStatement;
using policy::internal::ElementMode;

const protocol::ServiceModel* CloudTrail() { return &protocol::CloudTrailModel(); }
const protocol::ServiceModel* Iam() { return &protocol::IamModel(); }
const protocol::ServiceModel* Sts() { return &protocol::StsModel(); }

constexpr std::array<AdvisorService, 5> kServices = {{
    {"cloudtrail", "AWS CloudTrail", &CloudTrail},
    {"ec2", "Amazon EC2", nullptr},
    {"iam", "AWS Identity and Access Management", &Iam},
    {"s3", "Amazon S3", nullptr},
    {"sts", "AWS Security Token Service", &Sts},
}};

// The vendor part of a pattern whose vendor has wildcards ("i*" of "i*:get*"), still escaped.
std::string_view VendorGlob(const ActionPattern& p) {
  std::string_view whole = p.whole.escaped();
  return whole.substr(0, whole.find(':'));
}

bool VendorMatches(const ActionPattern& p, std::string_view service) {
  if (p.all) return true;
  return p.vendor_literal ? p.vendor == service
                          : policy::internal::GlobMatch(VendorGlob(p), service);
}

// Whether the pattern covers every action of the service ("*", "iam:*").
bool CoversService(const ActionPattern& p, std::string_view service) {
  if (p.all) return true;
  if (!VendorMatches(p, service)) return false;
  if (p.vendor_literal) return p.name.matches_everything();
  std::string_view whole = p.whole.escaped();
  return whole.substr(whole.find(':') + 1) == "*";
}

bool PatternMatches(const ActionPattern& p, std::string_view vendor, std::string_view name,
                    std::string_view whole) {
  if (p.all) return true;
  if (p.vendor_literal) return p.vendor == vendor && p.name.Matches(name);
  return p.whole.Matches(whole);
}

const std::string* StringAt(const audit::Record& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
}

const audit::Record* ObjectAt(const audit::Record& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || !it->is_object() ? nullptr : &*it;
}

void Update(LastAccess* last, TimePoint time, const std::string& entity,
            const std::string& region) {
  if (!last->entity_arn.empty() && last->time > time) return;
  *last = LastAccess{time, entity, region};
}

protocol::Value AccessValue(const LastAccess* last, const char* time_member,
                            const char* entity_member, const char* region_member) {
  protocol::Value v = protocol::Value::object();
  if (last == nullptr) return v;
  v[time_member] = MillisOf(last->time);
  v[entity_member] = last->entity_arn;
  v[region_member] = last->region;
  return v;
}

std::string NewJobId(RandomSource& random) {
  // A version 4 UUID, as AWS's job ids are.
  std::string bytes = random.Bytes(16);
  bytes.resize(16, '\0');
  bytes[6] = static_cast<char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[(static_cast<unsigned char>(bytes[i]) >> 4) & 0xF]);
    out.push_back(kHex[static_cast<unsigned char>(bytes[i]) & 0xF]);
  }
  return out;
}

}  // namespace

std::span<const AdvisorService> AdvisorServices() { return kServices; }

bool PolicyAllowsAction(const policy::Policy& policy, std::string_view action) {
  const std::string whole = AsciiLower(action);
  const size_t colon = whole.find(':');
  const std::string_view vendor = std::string_view(whole).substr(0, colon);
  const std::string_view name =
      colon == std::string::npos ? std::string_view() : std::string_view(whole).substr(colon + 1);
  for (const CompiledStatement& s : policy.compiled()) {
    if (!s.allow || s.action_mode == ElementMode::kAbsent) continue;
    const bool any = std::any_of(s.actions.begin(), s.actions.end(), [&](const ActionPattern& p) {
      return PatternMatches(p, vendor, name, whole);
    });
    if (s.action_mode == ElementMode::kPositive ? any : !any) return true;
  }
  return false;
}

bool PolicyAllowsService(const policy::Policy& policy, std::string_view service_namespace) {
  for (const CompiledStatement& s : policy.compiled()) {
    if (!s.allow || s.action_mode == ElementMode::kAbsent) continue;
    if (s.action_mode == ElementMode::kPositive) {
      for (const ActionPattern& p : s.actions) {
        if (VendorMatches(p, service_namespace)) return true;
      }
    } else if (std::none_of(s.actions.begin(), s.actions.end(), [&](const ActionPattern& p) {
                 return CoversService(p, service_namespace);
               })) {
      return true;  // NotAction leaves some of the service's actions allowed
    }
  }
  return false;
}

void AccessTally::Add(const audit::Record& record) {
  const std::string* recipient = StringAt(record, "recipientAccountId");
  if (recipient == nullptr || *recipient != subject_.account_id) return;
  const audit::Record* identity = ObjectAt(record, "userIdentity");
  if (identity == nullptr) return;
  const std::string* type = StringAt(*identity, "type");
  if (type == nullptr) return;
  const std::string* entity = nullptr;
  if (*type == "IAMUser") {
    const std::string* id = StringAt(*identity, "principalId");
    if (id == nullptr || !subject_.user_ids.contains(*id)) return;
    entity = StringAt(*identity, "arn");
  } else if (*type == "AssumedRole") {
    const audit::Record* context = ObjectAt(*identity, "sessionContext");
    const audit::Record* issuer = context ? ObjectAt(*context, "sessionIssuer") : nullptr;
    const std::string* id = issuer ? StringAt(*issuer, "principalId") : nullptr;
    if (id == nullptr || !subject_.role_ids.contains(*id)) return;
    entity = StringAt(*issuer, "arn");
  } else {
    return;  // root, federated users and failed authentications are not IAM entities
  }
  const std::string* source = StringAt(record, "eventSource");
  const std::string* action = StringAt(record, "eventName");
  const std::optional<TimePoint> time = audit::RecordEventTime(record);
  if (entity == nullptr || source == nullptr || action == nullptr || !time) return;
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (source->size() <= kSuffix.size() || !source->ends_with(kSuffix)) return;
  const std::string service = source->substr(0, source->size() - kSuffix.size());
  const std::string* region_text = StringAt(record, "awsRegion");
  const std::string region = region_text == nullptr ? "" : *region_text;

  ServiceAccess& access = services_[service];
  Update(&access.last, *time, *entity, region);
  access.entities.insert(*entity);
  Update(&access.actions[*action], *time, *entity, region);
}

StatusOr<AccessTally> TallyAuditTrail(const std::string& audit_dir, const ReportSubject& subject,
                                      TimePoint now) {
  AccessTally tally(subject);
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> files,
                         audit::AuditFiles(audit_dir, now - kTrackingPeriod, now));
  for (const std::string& path : files) {
    Status read = audit::ForEachLine(path, [&](std::string_view line) {
      // Cheap pre-filter: the subject's records name its account.
      if (line.find(subject.account_id) == std::string_view::npos) return true;
      if (std::optional<audit::Record> record = audit::ParseRecordLine(line)) tally.Add(*record);
      return true;
    });
    // A file removed by retention between listing and reading holds nothing to count.
    if (!read.ok() && read.code() != StatusCode::kNotFound) return read;
  }
  return tally;
}

std::vector<protocol::Value> ServicesLastAccessed(const ReportSubject& subject,
                                                  const AccessTally& tally, bool action_level) {
  std::vector<protocol::Value> out;
  for (const AdvisorService& service : kServices) {
    const std::string ns(service.service_namespace);
    const bool allowed =
        std::any_of(subject.policies.begin(), subject.policies.end(),
                    [&](const policy::Policy* p) { return PolicyAllowsService(*p, ns); });
    if (!allowed) continue;
    auto used = tally.services().find(ns);
    const AccessTally::ServiceAccess* access =
        used == tally.services().end() ? nullptr : &used->second;

    protocol::Value entry = AccessValue(access ? &access->last : nullptr, "LastAuthenticated",
                                        "LastAuthenticatedEntity", "LastAuthenticatedRegion");
    entry["ServiceName"] = service.name;
    entry["ServiceNamespace"] = ns;
    entry["TotalAuthenticatedEntities"] =
        access == nullptr ? 0 : static_cast<int64_t>(access->entities.size());
    if (action_level) {
      std::set<std::string, std::less<>> actions;
      if (service.model != nullptr) {
        for (const auto& [name, op] : service.model()->operations()) {
          const std::string action = ns + ":" + name;
          if (std::any_of(
                  subject.policies.begin(), subject.policies.end(),
                  [&](const policy::Policy* p) { return PolicyAllowsAction(*p, action); })) {
            actions.insert(name);
          }
        }
      }
      if (access != nullptr) {
        for (const auto& [name, last] : access->actions) actions.insert(name);
      }
      protocol::Value tracked = protocol::Value::array();
      for (const std::string& name : actions) {
        const LastAccess* last = nullptr;
        if (access != nullptr) {
          auto it = access->actions.find(name);
          if (it != access->actions.end()) last = &it->second;
        }
        protocol::Value action =
            AccessValue(last, "LastAccessedTime", "LastAccessedEntity", "LastAccessedRegion");
        action["ActionName"] = name;
        tracked.push_back(std::move(action));
      }
      entry["TrackedActionsLastAccessed"] = std::move(tracked);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string LastAccessedJobs::Add(LastAccessedJob job, TimePoint now) {
  OsRandomSource random;
  std::string id = NewJobId(random);
  std::lock_guard<std::mutex> lock(mu_);
  while (!order_.empty()) {
    auto oldest = jobs_.find(order_.front());
    const bool expired = oldest == jobs_.end() || oldest->second.created + kJobLifetime < now;
    if (!expired && jobs_.size() < kMaxJobs) break;
    if (oldest != jobs_.end()) jobs_.erase(oldest);
    order_.pop_front();
  }
  jobs_[id] = std::move(job);
  order_.push_back(id);
  return id;
}

std::optional<LastAccessedJob> LastAccessedJobs::Find(std::string_view job_id,
                                                      std::string_view account_id,
                                                      TimePoint now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.account_id != account_id ||
      it->second.created + kJobLifetime < now) {
    return std::nullopt;
  }
  return it->second;
}

// ---- The operations ------------------------------------------------------------------------

namespace {

// The subject an ARN names in the caller's account: a user, group, role or managed policy.
StatusOr<ReportSubject> SubjectOf(const CallContext& ctx, const std::string& arn,
                                  std::vector<std::shared_ptr<const policy::Policy>>* owned) {
  const IdentitySnapshot& snap = ctx.snapshot;
  const std::string& account = ctx.principal.account_id;
  ReportSubject subject;
  subject.account_id = account;
  auto add_policies = [&](const EffectivePolicies* effective) {
    if (effective == nullptr) return;
    for (const EffectivePolicy& p : effective->identity) subject.policies.push_back(p.policy.get());
  };
  auto compile = [&](const std::string& document) {
    auto parsed = policy::ParsePolicy(document, policy::PolicyKind::kIdentity);
    if (!parsed.ok()) return;  // stored documents always parse; a broken one allows nothing
    owned->push_back(*parsed);
    subject.policies.push_back(parsed->get());
  };
  auto managed_document = [&](const std::string& policy_arn) {
    if (const policy::Policy* doc = snap.ManagedPolicyDocument(policy_arn)) {
      subject.policies.push_back(doc);
    } else if (const AwsManagedPolicy* aws = FindAwsManagedPolicy(policy_arn)) {
      compile(std::string(aws->document));  // an AWS managed policy nothing uses yet
    }
  };

  if (std::optional<PolicyArnParts> parts = ParsePolicyArn(arn)) {
    const bool exists = parts->account == "aws"
                            ? FindAwsManagedPolicy(arn) != nullptr
                            : parts->account == account && [&] {
                                const ManagedPolicy* p =
                                    snap.FindManagedPolicy(account, parts->name);
                                return p != nullptr && PolicyArn(account, p->path, p->name) == arn;
                              }();
    if (!exists) return NoSuchEntityMessage("Policy " + arn + " does not exist.");
    managed_document(arn);
    // Whoever it applies to: users and roles it is attached to, and the members of groups.
    for (const PolicyAttachment* a : snap.AttachmentsOfPolicy(account, arn)) {
      switch (a->owner_kind) {
        case PolicyOwnerKind::kUser:
          subject.user_ids.insert(a->owner_id);
          break;
        case PolicyOwnerKind::kRole:
          subject.role_ids.insert(a->owner_id);
          break;
        case PolicyOwnerKind::kGroup:
          for (const User* u : snap.MembersOfGroup(a->owner_id))
            subject.user_ids.insert(u->user_id);
          break;
      }
    }
    return subject;
  }

  if (!StartsWith(arn, "arn:") || Split(arn, ':').size() < 6) {
    return InvalidInput("ARN " + arn + " is not valid.");
  }
  const std::string prefix = "arn:aws:iam::" + account + ":";
  const std::string_view rest =
      StartsWith(arn, prefix) ? std::string_view(arn).substr(prefix.size()) : std::string_view();
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return NoSuchEntityMessage("Entity " + arn + " does not exist.");
  }
  const std::string_view type = rest.substr(0, slash);
  const std::string name(rest.substr(rest.rfind('/') + 1));
  if (type == "user") {
    const User* u = snap.FindUser(account, name);
    if (u == nullptr || UserArn(account, u->path, u->name) != arn)
      return NoSuchEntity("user", name);
    subject.user_ids.insert(u->user_id);
    add_policies(snap.UserPolicies(u->user_id));
    return subject;
  }
  if (type == "role") {
    const Role* r = snap.FindRole(account, name);
    if (r == nullptr || RoleArn(account, r->path, r->name) != arn)
      return NoSuchEntity("role", name);
    subject.role_ids.insert(r->role_id);
    add_policies(snap.RolePolicies(r->role_id));
    return subject;
  }
  if (type == "group") {
    const Group* g = snap.FindGroup(account, name);
    if (g == nullptr || GroupArn(account, g->path, g->name) != arn) {
      return NoSuchEntity("group", name);
    }
    for (const User* u : snap.MembersOfGroup(g->group_id)) subject.user_ids.insert(u->user_id);
    for (const InlinePolicy* p : snap.InlinePoliciesOf(PolicyOwnerKind::kGroup, g->group_id)) {
      compile(p->document);
    }
    for (const PolicyAttachment* a : snap.AttachmentsOf(PolicyOwnerKind::kGroup, g->group_id)) {
      managed_document(a->policy_arn);
    }
    return subject;
  }
  return NoSuchEntityMessage("Entity " + arn + " does not exist.");
}

StatusOr<Value> Generate(const std::string& audit_dir, LastAccessedJobs& jobs,
                         const CallContext& ctx, const Value& in) {
  const std::string arn = in["Arn"].get<std::string>();
  const bool action_level = OptString(in, "Granularity", "SERVICE_LEVEL") == "ACTION_LEVEL";
  std::vector<std::shared_ptr<const policy::Policy>> owned;
  SIGIL_ASSIGN_OR_RETURN(ReportSubject subject, SubjectOf(ctx, arn, &owned));
  LastAccessedJob job;
  job.account_id = ctx.principal.account_id;
  job.action_level = action_level;
  job.created = ctx.now;
  if (audit_dir.empty()) {
    job.services = ServicesLastAccessed(subject, AccessTally(subject), action_level);
  } else {
    SIGIL_ASSIGN_OR_RETURN(AccessTally tally, TallyAuditTrail(audit_dir, subject, ctx.now));
    job.services = ServicesLastAccessed(subject, tally, action_level);
  }
  // The job ran within this call; it completes at the same instant the request is dated.
  job.completed = ctx.now;
  return Value{{"JobId", jobs.Add(std::move(job), ctx.now)}};
}

StatusOr<Value> Get(const LastAccessedJobs& jobs, const CallContext& ctx, const Value& in) {
  const std::string job_id = in["JobId"].get<std::string>();
  std::optional<LastAccessedJob> job = jobs.Find(job_id, ctx.principal.account_id, ctx.now);
  if (!job) return NoSuchEntityMessage("No job with id " + job_id + " was found.");
  Value out = {{"JobStatus", "COMPLETED"},
               {"JobType", job->action_level ? "ACTION_LEVEL" : "SERVICE_LEVEL"},
               {"JobCreationDate", MillisOf(job->created)},
               {"JobCompletionDate", MillisOf(job->completed)}};
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, job->services, [](const Value& s) { return s["ServiceNamespace"].get<std::string>(); },
      [](const Value& s) { return s; }, "ServicesLastAccessed", &out));
  return out;
}

}  // namespace

void RegisterServiceLastAccessedOperations(api::QueryService* svc, std::string audit_dir) {
  auto jobs = std::make_shared<LastAccessedJobs>();
  svc->Register(
      "GenerateServiceLastAccessedDetails",
      [](const CallContext&, const Value& in) {
        return AuthzRequest{"iam:GenerateServiceLastAccessedDetails", in["Arn"].get<std::string>()};
      },
      [jobs, audit_dir](const CallContext& ctx, const Value& in) {
        return Generate(audit_dir, *jobs, ctx, in);
      });
  svc->Register(
      "GetServiceLastAccessedDetails",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"iam:GetServiceLastAccessedDetails", "*"};
      },
      [jobs](const CallContext& ctx, const Value& in) { return Get(*jobs, ctx, in); });
}

}  // namespace sigil::iam
