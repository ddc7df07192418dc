#include "ec2/instance_lifecycle.h"

#include <gtest/gtest.h>

namespace sigil::ec2 {
namespace {

const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'700'000'000'000));

Ec2InstanceRecord Instance(const char* state, TimePoint since = kT0) {
  Ec2InstanceRecord i;
  i.instance_id = "i-0123456789abcdef0";
  i.state = state;
  i.state_changed = since;
  i.launched = since;
  return i;
}

TEST(ObservedState, TransitionalStatesSettleAfterTheirTime) {
  EXPECT_EQ(ObservedState(Instance("pending"), kT0).name, "pending");
  EXPECT_EQ(ObservedState(Instance("pending"), kT0).code, 0);
  EXPECT_EQ(ObservedState(Instance("pending"), kT0 + kBootTime).name, "running");
  EXPECT_EQ(ObservedState(Instance("pending"), kT0 + kBootTime).code, 16);
  EXPECT_EQ(ObservedState(Instance("stopping"), kT0 + kStopTime).code, 80);
  EXPECT_EQ(ObservedState(Instance("shutting-down"), kT0 + kShutdownTime).name, "terminated");
  EXPECT_EQ(ObservedState(Instance("shutting-down"), kT0 + kShutdownTime).code, 48);
  EXPECT_EQ(ObservedState(Instance("stopped"), kT0 + std::chrono::hours(100)).code, 80);
}

TEST(Expired, TerminatedInstancesStayVisibleForAnHour) {
  const Ec2InstanceRecord i = Instance("shutting-down");
  const TimePoint terminated = kT0 + kShutdownTime;
  EXPECT_FALSE(Expired(i, terminated));
  EXPECT_FALSE(Expired(i, terminated + kTerminatedVisibleFor - std::chrono::seconds(1)));
  EXPECT_TRUE(Expired(i, terminated + kTerminatedVisibleFor));
  EXPECT_FALSE(Expired(Instance("stopped"), kT0 + std::chrono::hours(1000)));
}

TEST(ApplyCommand, StopThenStartGoesThroughPending) {
  const TimePoint t1 = kT0 + std::chrono::seconds(60);
  auto stop = ApplyCommand(InstanceCommand::kStop, Instance("pending"), t1);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->previous.name, "running");
  EXPECT_EQ(stop->current.name, "stopping");
  ASSERT_TRUE(stop->next.has_value());
  EXPECT_EQ(stop->next->state_changed, t1);

  const TimePoint t2 = t1 + kStopTime;
  auto start = ApplyCommand(InstanceCommand::kStart, *stop->next, t2);
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->previous.name, "stopped");
  EXPECT_EQ(start->current.name, "pending");
  EXPECT_EQ(start->next->launched, t2);
}

TEST(ApplyCommand, CommandsThatChangeNothingReportTheState) {
  auto again = ApplyCommand(InstanceCommand::kStop, Instance("stopped"), kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->next.has_value());
  EXPECT_EQ(again->previous.name, "stopped");
  EXPECT_EQ(again->current.name, "stopped");
  auto reboot = ApplyCommand(InstanceCommand::kReboot, Instance("running"), kT0);
  ASSERT_TRUE(reboot.ok());
  EXPECT_FALSE(reboot->next.has_value());
  auto terminated =
      ApplyCommand(InstanceCommand::kTerminate, Instance("shutting-down"), kT0 + kShutdownTime);
  ASSERT_TRUE(terminated.ok());
  EXPECT_FALSE(terminated->next.has_value());
  EXPECT_EQ(terminated->current.name, "terminated");
}

TEST(ApplyCommand, TerminateFromAnyLiveState) {
  for (const char* state : {"pending", "running", "stopping", "stopped"}) {
    auto t = ApplyCommand(InstanceCommand::kTerminate, Instance(state), kT0);
    ASSERT_TRUE(t.ok()) << state;
    EXPECT_EQ(t->current.name, "shutting-down") << state;
    EXPECT_EQ(t->current.code, 32) << state;
  }
}

TEST(ApplyCommand, ForbiddenMovesAreIncorrectInstanceState) {
  auto start = ApplyCommand(InstanceCommand::kStart, Instance("shutting-down"), kT0);
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.status().aws_code(), "IncorrectInstanceState");
  EXPECT_EQ(start.status().http_status(), 400);
  EXPECT_EQ(start.status().message(),
            "The instance 'i-0123456789abcdef0' is not in a state from which it can be started.");
  auto stop = ApplyCommand(InstanceCommand::kStop, Instance("shutting-down"), kT0 + kShutdownTime);
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.status().message(),
            "The instance 'i-0123456789abcdef0' is not in a state from which it can be stopped.");
  auto starting_while_stopping = ApplyCommand(InstanceCommand::kStart, Instance("stopping"), kT0);
  EXPECT_EQ(starting_while_stopping.status().aws_code(), "IncorrectInstanceState");
  auto reboot = ApplyCommand(InstanceCommand::kReboot, Instance("stopped"), kT0);
  EXPECT_EQ(reboot.status().message(),
            "The instance 'i-0123456789abcdef0' is not in a state from which it can be rebooted.");
}

}  // namespace
}  // namespace sigil::ec2
