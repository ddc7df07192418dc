// The behaviour every Ec2Store backend must share, as a parameterized GoogleTest suite: a
// backend's test binary compiles ec2_store_contract.cc (with store_test_util.cc, for the scratch
// directories and Status matchers) and instantiates Ec2StoreContract with a factory for itself.
// Test-only; thread-compatible.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/ec2_store.h"
#include "store/store_test_util.h"

namespace sigil {

struct Ec2StoreFactory {
  std::string name;  // names the instantiation's tests, e.g. "Sqlite"
  // A fresh, empty, migrated database's EC2 store. `scratch_dir` is private to the test.
  std::function<StatusOr<std::unique_ptr<Ec2Store>>(const std::string& scratch_dir)> create;
};

inline std::string Ec2StoreFactoryName(const ::testing::TestParamInfo<Ec2StoreFactory>& info) {
  return info.param.name;
}
inline void PrintTo(const Ec2StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class Ec2StoreContract : public ::testing::TestWithParam<Ec2StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  ScratchDir scratch_;  // declared first so it outlives store_
  std::unique_ptr<Ec2Store> store_;
};

}  // namespace sigil
