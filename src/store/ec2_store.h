// The EC2 control plane's persistent records (default VPCs, key pairs, security groups with
// their rules, instances, tags) and the narrow interface every backend implements. Every record
// belongs to one account and one region (an Ec2Scope). The store keeps what it is given: the
// service (src/ec2) owns ids, validation and the instance lifecycle. Implementations are
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sigil {

struct Ec2Scope {
  std::string account_id;
  std::string region;
};

struct Ec2VpcRecord {
  std::string vpc_id;  // "vpc-" + 17 hex digits
  std::string cidr_block;
  bool is_default = false;
  TimePoint created;
};

struct Ec2KeyPairRecord {
  std::string key_pair_id;  // "key-" + 17 hex digits
  std::string key_name;     // unique per scope
  std::string key_type;     // "rsa" or "ed25519"
  std::string fingerprint;  // as DescribeKeyPairs shows it
  std::string public_key;   // OpenSSH format, "ssh-ed25519 AAAA..."
  TimePoint created;
};

// One security group rule: a protocol and port range with one peer (an IPv4 or IPv6 CIDR, or
// another group). Empty strings stand for "none"; ports are -1 when the protocol has none.
struct Ec2RuleRecord {
  std::string rule_id;  // "sgr-" + 17 hex digits
  bool egress = false;
  std::string ip_protocol;  // "tcp", "udp", "icmp", "icmpv6", "-1" (all) or a number
  int64_t from_port = -1;
  int64_t to_port = -1;
  std::string cidr_ipv4;
  std::string cidr_ipv6;
  std::string referenced_group_id;
  std::string description;
};

struct Ec2SecurityGroupRecord {
  std::string group_id;  // "sg-" + 17 hex digits
  std::string group_name;
  std::string description;
  std::string vpc_id;
  TimePoint created;
  std::vector<Ec2RuleRecord> rules;  // in the order they were added
};

// An instance as stored: its state is the one last written, since `state_changed`. What clients
// see (pending that has become running, ...) is computed from these by the service.
struct Ec2InstanceRecord {
  std::string instance_id;  // "i-" + 17 hex digits
  std::string reservation_id;
  std::string image_id;
  std::string instance_type;
  std::string key_name;  // "" when none
  std::string availability_zone;
  std::string subnet_id;
  std::string vpc_id;
  std::string private_ip;
  std::string user_data;  // base64, as sent
  std::string client_token;
  std::vector<std::string> security_group_ids;
  std::string state;  // "pending", "running", "stopping", "stopped", "shutting-down", ...
  TimePoint state_changed;
  TimePoint launched;  // the latest start (LaunchTime)
};

struct Ec2TagRecord {
  std::string resource_id;
  std::string key;
  std::string value;
};

// A tag to remove: by key, and only with this value when `value` is set (DeleteTags).
struct Ec2TagDeletion {
  std::string key;
  std::optional<std::string> value;
};

class Ec2Store {
 public:
  virtual ~Ec2Store() = default;

  // The scope's default VPC. On the scope's first use, stores `vpc` (which must be default) and
  // `default_group` (its "default" security group) together and returns `vpc`; afterwards, or
  // when another node got there first, returns the stored one and stores nothing.
  virtual StatusOr<Ec2VpcRecord> EnsureDefaultVpc(const Ec2Scope& scope, const Ec2VpcRecord& vpc,
                                                  const Ec2SecurityGroupRecord& default_group) = 0;
  virtual StatusOr<std::vector<Ec2VpcRecord>> ListVpcs(const Ec2Scope& scope) = 0;

  // The Create* calls store the new resources' tags (from TagSpecifications) in the same
  // transaction.

  // kAlreadyExists when the scope has a key pair of that name.
  virtual Status CreateKeyPair(const Ec2Scope& scope, const Ec2KeyPairRecord& key_pair,
                               const std::vector<Ec2TagRecord>& tags) = 0;
  // By name.
  virtual StatusOr<std::vector<Ec2KeyPairRecord>> ListKeyPairs(const Ec2Scope& scope) = 0;
  // Removes the key pair and its tags; kNotFound when absent.
  virtual Status DeleteKeyPair(const Ec2Scope& scope, const std::string& key_pair_id) = 0;

  // With its rules. kAlreadyExists when the VPC has a group of that name.
  virtual Status CreateSecurityGroup(const Ec2Scope& scope, const Ec2SecurityGroupRecord& group,
                                     const std::vector<Ec2TagRecord>& tags) = 0;
  // By group id, each with its rules.
  virtual StatusOr<std::vector<Ec2SecurityGroupRecord>> ListSecurityGroups(
      const Ec2Scope& scope) = 0;
  // Removes the group, its rules and its tags; kNotFound when absent.
  virtual Status DeleteSecurityGroup(const Ec2Scope& scope, const std::string& group_id) = 0;
  // Adds rules to a group, all or none. kNotFound when the group is absent; kAlreadyExists when
  // a rule with the same direction, protocol, ports and peer exists (or is given twice).
  virtual Status AddSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                                       const std::vector<Ec2RuleRecord>& rules) = 0;
  // Removes the rules with these ids from the group (ids it lacks are ignored).
  virtual Status RemoveSecurityGroupRules(const Ec2Scope& scope, const std::string& group_id,
                                          const std::vector<std::string>& rule_ids) = 0;

  // All or none. kAlreadyExists when an id is taken.
  virtual Status CreateInstances(const Ec2Scope& scope,
                                 const std::vector<Ec2InstanceRecord>& instances,
                                 const std::vector<Ec2TagRecord>& tags) = 0;
  // By instance id.
  virtual StatusOr<std::vector<Ec2InstanceRecord>> ListInstances(const Ec2Scope& scope) = 0;
  // Compare-and-set of an instance's state: writes `next` (state, state_changed and launched)
  // only if the stored state and state_changed still equal `expected`'s, so two nodes cannot
  // both move an instance. False when it changed in between or is absent.
  virtual StatusOr<bool> UpdateInstanceState(const Ec2Scope& scope,
                                             const Ec2InstanceRecord& expected,
                                             const Ec2InstanceRecord& next) = 0;
  // Removes an instance and its tags (a terminated instance that is no longer shown).
  virtual Status DeleteInstance(const Ec2Scope& scope, const std::string& instance_id) = 0;

  // Sets each tag on each resource, replacing the value of a key it already has.
  virtual Status CreateTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                            const std::vector<Ec2TagRecord>& tags) = 0;
  // Removes tags from each resource; an empty `tags` removes all of them.
  virtual Status DeleteTags(const Ec2Scope& scope, const std::vector<std::string>& resource_ids,
                            const std::vector<Ec2TagDeletion>& tags) = 0;
  // By resource id, then key.
  virtual StatusOr<std::vector<Ec2TagRecord>> ListTags(const Ec2Scope& scope) = 0;
};

}  // namespace sigil
