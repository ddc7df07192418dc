#include "ec2/instance_lifecycle.h"

namespace sigil::ec2 {
namespace {

// A transitional state, the state it settles into, and how long it takes.
struct Settling {
  const char* from;
  const char* to;
  std::chrono::seconds after;
};
constexpr Settling kSettling[] = {{"pending", "running", kBootTime},
                                  {"stopping", "stopped", kStopTime},
                                  {"shutting-down", "terminated", kShutdownTime}};

const Settling* SettlingOf(const std::string& state) {
  for (const Settling& s : kSettling) {
    if (state == s.from) return &s;
  }
  return nullptr;
}

Status Incorrect(const Ec2InstanceRecord& instance, std::string_view verb) {
  return AwsError(StatusCode::kFailedPrecondition, "IncorrectInstanceState",
                  "The instance '" + instance.instance_id +
                      "' is not in a state from which it can be " + std::string(verb) + ".")
      .WithHttpStatus(400);
}

Ec2InstanceRecord Moved(const Ec2InstanceRecord& instance, const char* state, TimePoint now) {
  Ec2InstanceRecord next = instance;
  next.state = state;
  next.state_changed = now;
  return next;
}

}  // namespace

InstanceState StateNamed(const std::string& name) {
  static constexpr std::pair<const char*, int> kCodes[] = {
      {"pending", 0},     {"running", 16},  {"shutting-down", 32},
      {"terminated", 48}, {"stopping", 64}, {"stopped", 80}};
  for (const auto& [n, code] : kCodes) {
    if (name == n) return InstanceState{name, code};
  }
  return InstanceState{name, 0};
}

InstanceState ObservedState(const Ec2InstanceRecord& instance, TimePoint now) {
  const Settling* s = SettlingOf(instance.state);
  if (s != nullptr && now >= instance.state_changed + s->after) return StateNamed(s->to);
  return StateNamed(instance.state);
}

TimePoint ObservedSince(const Ec2InstanceRecord& instance, TimePoint now) {
  const Settling* s = SettlingOf(instance.state);
  if (s != nullptr && now >= instance.state_changed + s->after) {
    return instance.state_changed + s->after;
  }
  return instance.state_changed;
}

bool Expired(const Ec2InstanceRecord& instance, TimePoint now) {
  return ObservedState(instance, now).name == "terminated" &&
         now >= ObservedSince(instance, now) + kTerminatedVisibleFor;
}

StatusOr<InstanceTransition> ApplyCommand(InstanceCommand command,
                                          const Ec2InstanceRecord& instance, TimePoint now) {
  InstanceTransition t;
  t.previous = ObservedState(instance, now);
  t.current = t.previous;
  const std::string& state = t.previous.name;
  const bool gone = state == "shutting-down" || state == "terminated";
  switch (command) {
    case InstanceCommand::kStart:
      if (state == "stopped") {
        t.next = Moved(instance, "pending", now);
        t.next->launched = now;
      } else if (state != "pending" && state != "running") {
        return Incorrect(instance, "started");
      }
      break;
    case InstanceCommand::kStop:
      if (state == "pending" || state == "running") {
        t.next = Moved(instance, "stopping", now);
      } else if (gone) {
        return Incorrect(instance, "stopped");
      }
      break;
    case InstanceCommand::kReboot:
      if (state != "running" && state != "pending") return Incorrect(instance, "rebooted");
      break;
    case InstanceCommand::kTerminate:
      if (!gone) t.next = Moved(instance, "shutting-down", now);
      break;
  }
  if (t.next) t.current = StateNamed(t.next->state);
  return t;
}

}  // namespace sigil::ec2
