// The behaviour every ObjectStore implementation must share, as a parameterized GoogleTest
// suite: a backend's test binary compiles object_store_contract.cc and instantiates
// ObjectStoreContract with an ObjectStoreFactory for itself. Test-only; thread-compatible.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/status.h"
#include "store/object_store.h"
#include "store/store_test_util.h"

namespace sigil {

struct ObjectStoreFactory {
  std::string name;  // names the instantiation's tests, e.g. "Sqlite"
  // Creates a fresh, empty store. `scratch_dir` is an empty directory private to the test; the
  // store is destroyed before the directory is removed.
  std::function<StatusOr<std::unique_ptr<ObjectStore>>(const std::string& scratch_dir)> create;
};

// For INSTANTIATE_TEST_SUITE_P's name generator argument.
inline std::string ObjectStoreFactoryName(
    const ::testing::TestParamInfo<ObjectStoreFactory>& info) {
  return info.param.name;
}

class ObjectStoreContract : public ::testing::TestWithParam<ObjectStoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  // Creates bucket `name` of account 111111111111, failing the test on error.
  void CreateBucket(const std::string& name);
  // Puts an object whose one blob is "blob-" + key, failing the test on error.
  void Put(const std::string& bucket, const std::string& key);
  // Every key ListObjects returns for `prefix`, paging `page_size` at a time.
  std::vector<std::string> AllKeys(const std::string& bucket, const std::string& prefix,
                                   int page_size);

  ScratchDir scratch_;  // declared first so it outlives store_
  std::unique_ptr<ObjectStore> store_;
};

// ---- Printers, so failures show values rather than bytes.

inline void PrintTo(const ObjectStoreFactory& factory, std::ostream* os) { *os << factory.name; }
inline void PrintTo(const BlobRef& b, std::ostream* os) {
  *os << b.blob_id << "(" << b.size << ")";
}
void PrintTo(const BucketRecord& b, std::ostream* os);
void PrintTo(const ObjectRecord& o, std::ostream* os);
void PrintTo(const UploadRecord& u, std::ostream* os);
void PrintTo(const PartRecord& p, std::ostream* os);

}  // namespace sigil
