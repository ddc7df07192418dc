// IAM's access advisor: GenerateServiceLastAccessedDetails / GetServiceLastAccessedDetails,
// computed from the audit trail. A report lists the services the entity's policies allow (by
// action only, as AWS does: resources and conditions are not considered) with when the entity
// (a user, a role's sessions, a group's members, or every user and role a policy applies to)
// last tried to use each, successfully or not; ACTION_LEVEL reports add each tracked action.
//
// Jobs run to completion inside GenerateServiceLastAccessedDetails (JobStatus is always
// COMPLETED) by scanning the audit log files of the tracking period (400 days, as AWS): the
// cost grows with the trail's size. Results are kept in memory on the node that generated them
// (at most kMaxJobs, oldest dropped first, and for kJobLifetime), so with several nodes a
// GetServiceLastAccessedDetails must reach the same node; elsewhere the job is NoSuchEntity.
// Thread-safe: the job store is locked; the rest is pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/reader.h"
#include "common/clock.h"
#include "policy/document.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"

namespace sigil::iam {

inline constexpr std::chrono::hours kTrackingPeriod{24 * 400};
inline constexpr size_t kMaxJobs = 1000;
inline constexpr std::chrono::hours kJobLifetime{24 * 30};

// A service the access advisor reports on.
struct AdvisorService {
  std::string_view service_namespace;  // "iam"
  std::string_view name;               // "AWS Identity and Access Management"
  // Its embedded model, whose operations are its tracked actions; null when Sigil embeds none
  // (then only the actions seen in the trail are listed).
  const protocol::ServiceModel* (*model)();
};
// The services Sigil serves, by namespace.
std::span<const AdvisorService> AdvisorServices();

// Whether a policy has an Allow statement whose Action (or NotAction) covers `action`
// ("iam:CreateUser"; case-insensitive), whatever its resources and conditions.
bool PolicyAllowsAction(const policy::Policy& policy, std::string_view action);
// Whether a policy has an Allow statement covering some action of the service namespace.
bool PolicyAllowsService(const policy::Policy& policy, std::string_view service_namespace);

// Whom a report is about.
struct ReportSubject {
  std::string account_id;
  std::set<std::string, std::less<>> user_ids;  // IAM users whose calls count (AIDA...)
  std::set<std::string, std::less<>> role_ids;  // roles whose sessions' calls count (AROA...)
  std::vector<const policy::Policy*> policies;  // what the report lists services of
};

// The last access to a service or action.
struct LastAccess {
  TimePoint time;
  std::string entity_arn;  // the user's or role's ARN (not the session's)
  std::string region;
};

// Collects, from audit records, when the subject's entities last used each service and action.
class AccessTally {
 public:
  explicit AccessTally(const ReportSubject& subject) : subject_(subject) {}
  // Counts a record if its caller is one of the subject's entities, authenticated (denied
  // calls count: AWS reports attempts), in the subject's account. Others are ignored.
  void Add(const audit::Record& record);

  struct ServiceAccess {
    LastAccess last;
    std::set<std::string, std::less<>> entities;  // ARNs that used it
    std::map<std::string, LastAccess, std::less<>> actions;
  };
  // By service namespace.
  const std::map<std::string, ServiceAccess, std::less<>>& services() const { return services_; }

 private:
  const ReportSubject& subject_;
  std::map<std::string, ServiceAccess, std::less<>> services_;
};

// Reads the audit files under `audit_dir` that may hold records of [now - kTrackingPeriod, now]
// into a tally. An absent trail is empty; I/O errors are kInternal.
StatusOr<AccessTally> TallyAuditTrail(const std::string& audit_dir, const ReportSubject& subject,
                                      TimePoint now);

// The ServicesLastAccessed entries (protocol values, model member names) for the services the
// subject's policies allow, by namespace; with `action_level`, TrackedActionsLastAccessed lists
// the allowed actions of the service's model and the actions seen in the trail, by name.
std::vector<protocol::Value> ServicesLastAccessed(const ReportSubject& subject,
                                                  const AccessTally& tally, bool action_level);

// The jobs of this node.
struct LastAccessedJob {
  std::string account_id;
  bool action_level = false;
  TimePoint created;
  TimePoint completed;
  std::vector<protocol::Value> services;  // by namespace
};

class LastAccessedJobs {
 public:
  // Stores a job and returns its id (a random UUID), dropping expired jobs and, beyond
  // kMaxJobs, the oldest.
  std::string Add(LastAccessedJob job, TimePoint now);
  // The job with this id if the account owns it and it has not expired.
  std::optional<LastAccessedJob> Find(std::string_view job_id, std::string_view account_id,
                                      TimePoint now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, LastAccessedJob, std::less<>> jobs_;
  std::deque<std::string> order_;  // ids, oldest first
};

}  // namespace sigil::iam
