// The instance lifecycle, as a pure function of the stored state and the time: pending becomes
// running, stopping becomes stopped and shutting-down becomes terminated once their transition
// time has passed (read time decides; nothing runs in the background), and a terminated instance
// stays visible for an hour. Start, Stop, Reboot and Terminate move the stored state as EC2 does,
// or refuse with IncorrectInstanceState. Sigil starts no virtual machines: this is the record's
// whole life. Pure; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/ec2_store.h"

namespace sigil::ec2 {

// How long each transitional state lasts.
inline constexpr std::chrono::seconds kBootTime{3};      // pending → running
inline constexpr std::chrono::seconds kStopTime{3};      // stopping → stopped
inline constexpr std::chrono::seconds kShutdownTime{3};  // shutting-down → terminated
// How long a terminated instance is still listed.
inline constexpr std::chrono::hours kTerminatedVisibleFor{1};

struct InstanceState {
  std::string name;  // "pending", "running", ...
  int code = 0;      // EC2's state codes: 0, 16, 32, 48, 64, 80
};

InstanceState StateNamed(const std::string& name);

// What a client sees now of a stored instance.
InstanceState ObservedState(const Ec2InstanceRecord& instance, TimePoint now);
// When the observed state began (for StateTransitionReason).
TimePoint ObservedSince(const Ec2InstanceRecord& instance, TimePoint now);
// True once a terminated instance is no longer listed (it may then be deleted).
bool Expired(const Ec2InstanceRecord& instance, TimePoint now);

enum class InstanceCommand { kStart, kStop, kReboot, kTerminate };

struct InstanceTransition {
  InstanceState previous;
  InstanceState current;
  // The record to store (compare-and-set against the one given); nullopt when nothing changes.
  std::optional<Ec2InstanceRecord> next;
};

// Applies a command at `now`. IncorrectInstanceState (400) when the instance's state forbids
// it: "The instance 'i-...' is not in a state from which it can be started."
StatusOr<InstanceTransition> ApplyCommand(InstanceCommand command,
                                          const Ec2InstanceRecord& instance, TimePoint now);

}  // namespace sigil::ec2
