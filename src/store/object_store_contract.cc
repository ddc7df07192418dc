#include "store/object_store_contract.h"

#include <algorithm>
#include <thread>

namespace sigil {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

namespace {

TimePoint Ms(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }
const TimePoint kT0 = Ms(1'700'000'000'123);

constexpr char kAcct1[] = "111111111111";
constexpr char kAcct2[] = "222222222222";

// The highest code points of 3 and 4 UTF-8 bytes (U+FFFF, U+10FFFF): their bytes (0xEF 0xBF 0xBF,
// 0xF4 0x8F 0xBF 0xBF) sort after every other character's, and a byte-wise "next prefix" would
// step into bytes that are not UTF-8.
const std::string kMax3 = "\xEF\xBF\xBF";
const std::string kMax4 = "\xF4\x8F\xBF\xBF";

void PrintTags(const std::vector<Tag>& tags, std::ostream* os) {
  *os << "tags:";
  for (const Tag& tag : tags) *os << " " << tag.key << "=" << tag.value;
}

BucketRecord MakeBucket(const std::string& name, const std::string& account_id = kAcct1) {
  return BucketRecord{
      .name = name, .account_id = account_id, .region = "us-east-1", .created = kT0};
}

ObjectRecord MakeObject(const std::string& bucket, const std::string& key,
                        std::vector<BlobRef> blobs) {
  ObjectRecord o{.bucket = bucket,
                 .key = key,
                 .blobs = std::move(blobs),
                 .etag = "d41d8cd98f00b204e9800998ecf8427e",
                 .last_modified = kT0 + std::chrono::milliseconds(5),
                 .owner_account_id = kAcct1,
                 .attributes = R"({"content-type":"text/plain"})"};
  for (const BlobRef& blob : o.blobs) o.size += blob.size;
  return o;
}

UploadRecord MakeUpload(const std::string& upload_id, const std::string& bucket,
                        const std::string& key, int64_t initiated_ms) {
  return UploadRecord{.upload_id = upload_id,
                      .bucket = bucket,
                      .key = key,
                      .initiated = Ms(initiated_ms),
                      .owner_account_id = kAcct1,
                      .initiator_arn = "arn:aws:iam::111111111111:user/alice",
                      .attributes = R"({"storage-class":"STANDARD"})",
                      .tags = {{"team", "storage"}}};
}

PartRecord MakePart(const std::string& upload_id, int number, const std::string& blob_id,
                    uint64_t size) {
  return PartRecord{.upload_id = upload_id,
                    .part_number = number,
                    .blob = {blob_id, size},
                    .etag = "etag-" + blob_id,
                    .last_modified = kT0 + std::chrono::milliseconds(number),
                    .attributes = R"({"crc32":"AAAAAA=="})"};
}

std::vector<std::string> UploadIds(const Page<UploadRecord>& page) {
  std::vector<std::string> ids;
  for (const UploadRecord& u : page.items) ids.push_back(u.upload_id);
  return ids;
}

}  // namespace

void PrintTo(const BucketRecord& b, std::ostream* os) {
  *os << "Bucket{" << b.name << ", " << b.account_id << ", " << b.region << ", "
      << b.created.time_since_epoch().count() << "ms, policy '" << b.policy << "', pab '"
      << b.public_access_block << "', oc '" << b.ownership_controls << "', ";
  PrintTags(b.tags, os);
  *os << "}";
}

void PrintTo(const ObjectRecord& o, std::ostream* os) {
  *os << "Object{" << o.bucket << ", " << ::testing::PrintToString(o.key) << ", blobs:";
  for (const BlobRef& blob : o.blobs) *os << " " << blob.blob_id << "(" << blob.size << ")";
  *os << ", " << o.size << " bytes, " << o.etag << ", "
      << o.last_modified.time_since_epoch().count() << "ms, " << o.owner_account_id << ", "
      << o.attributes << ", ";
  PrintTags(o.tags, os);
  *os << "}";
}

void PrintTo(const UploadRecord& u, std::ostream* os) {
  *os << "Upload{" << u.upload_id << ", " << u.bucket << ", " << ::testing::PrintToString(u.key)
      << ", " << u.initiated.time_since_epoch().count() << "ms, " << u.owner_account_id << ", "
      << u.initiator_arn << ", " << u.attributes << ", ";
  PrintTags(u.tags, os);
  *os << "}";
}

void PrintTo(const PartRecord& p, std::ostream* os) {
  *os << "Part{" << p.upload_id << " #" << p.part_number << ", " << p.blob.blob_id << "("
      << p.blob.size << "), " << p.etag << ", " << p.last_modified.time_since_epoch().count()
      << "ms, " << p.attributes << "}";
}

void ObjectStoreContract::SetUp() {
  auto store = GetParam().create(scratch_.path());
  ASSERT_THAT(store, IsOk());
  store_ = std::move(store).value();
}

void ObjectStoreContract::CreateBucket(const std::string& name) {
  ASSERT_THAT(store_->CreateBucket(MakeBucket(name)), IsOk());
}

void ObjectStoreContract::Put(const std::string& bucket, const std::string& key) {
  ASSERT_THAT(store_->PutObject(MakeObject(bucket, key, {{"blob-" + key, 3}})), IsOk());
}

std::vector<std::string> ObjectStoreContract::AllKeys(const std::string& bucket,
                                                      const std::string& prefix, int page_size) {
  std::vector<std::string> keys;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = store_->ListObjects(bucket, prefix, after, page_size);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    EXPECT_LE(page->items.size(), static_cast<size_t>(page_size));
    for (const ObjectRecord& o : page->items) keys.push_back(o.key);
    if (!page->truncated) break;
    EXPECT_FALSE(page->items.empty()) << "a truncated page must make progress";
    if (page->items.empty()) break;
    after = page->items.back().key;
  }
  return keys;
}

// ---- Buckets

TEST_P(ObjectStoreContract, BucketRoundTripsEveryField) {
  BucketRecord bucket = MakeBucket("photos");
  bucket.region = "eu-west-1";
  bucket.policy = R"({"Version":"2012-10-17","Statement":[]})";
  bucket.public_access_block = R"({"BlockPublicAcls":true})";
  bucket.ownership_controls = R"({"ObjectOwnership":"BucketOwnerEnforced"})";
  bucket.tags = {{"env", "prod"}, {"ünïcode", "välue \"quoted\""}, {"empty", ""}};
  ASSERT_THAT(store_->CreateBucket(bucket), IsOk());
  auto got = store_->GetBucket("photos");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, bucket);
}

TEST_P(ObjectStoreContract, GetMissingBucketIsNotFound) {
  auto got = store_->GetBucket("nope");
  EXPECT_THAT(got, StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
  EXPECT_EQ(got.status().aws_code(), "NoSuchBucket");
}

TEST_P(ObjectStoreContract, BucketNamesAreGlobal) {
  CreateBucket("shared");
  EXPECT_THAT(store_->CreateBucket(MakeBucket("shared")),
              StatusIs(StatusCode::kAlreadyExists, "bucket 'shared' already exists"));
  EXPECT_THAT(store_->CreateBucket(MakeBucket("shared", kAcct2)),
              StatusIs(StatusCode::kAlreadyExists, "bucket 'shared' already exists"));
  auto got = store_->GetBucket("shared");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->account_id, kAcct1);  // the first creation stands
}

TEST_P(ObjectStoreContract, ListBucketsIsPerAccountByName) {
  for (const char* name : {"zeta", "alpha", "mid-1", "mid.2"}) CreateBucket(name);
  ASSERT_THAT(store_->CreateBucket(MakeBucket("other", kAcct2)), IsOk());
  auto mine = store_->ListBuckets(kAcct1);
  ASSERT_THAT(mine, IsOk());
  std::vector<std::string> names;
  for (const BucketRecord& b : *mine) names.push_back(b.name);
  EXPECT_THAT(names, ElementsAre("alpha", "mid-1", "mid.2", "zeta"));
  auto theirs = store_->ListBuckets(kAcct2);
  ASSERT_THAT(theirs, IsOk());
  EXPECT_THAT(*theirs, ElementsAre(MakeBucket("other", kAcct2)));
  auto nobody = store_->ListBuckets("999999999999");
  ASSERT_THAT(nobody, IsOk());
  EXPECT_THAT(*nobody, IsEmpty());
}

TEST_P(ObjectStoreContract, SetBucketAttributeSetsAndClearsEachOne) {
  CreateBucket("b");
  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kPolicy, "policy-json"), IsOk());
  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kPublicAccessBlock, "pab-json"),
              IsOk());
  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kOwnershipControls, "oc-json"),
              IsOk());
  auto got = store_->GetBucket("b");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->policy, "policy-json");
  EXPECT_EQ(got->public_access_block, "pab-json");
  EXPECT_EQ(got->ownership_controls, "oc-json");

  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kPublicAccessBlock, std::nullopt),
              IsOk());
  got = store_->GetBucket("b");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->policy, "policy-json");
  EXPECT_EQ(got->public_access_block, "");
  EXPECT_EQ(got->ownership_controls, "oc-json");

  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kPolicy, std::nullopt), IsOk());
  ASSERT_THAT(store_->SetBucketAttribute("b", BucketAttribute::kOwnershipControls, std::nullopt),
              IsOk());
  got = store_->GetBucket("b");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, MakeBucket("b"));

  auto missing = store_->SetBucketAttribute("nope", BucketAttribute::kPolicy, "x");
  EXPECT_THAT(missing, StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

TEST_P(ObjectStoreContract, SetBucketTagsReplacesTheSet) {
  CreateBucket("b");
  ASSERT_THAT(store_->SetBucketTags("b", {{"a", "1"}, {"b", "2"}}), IsOk());
  ASSERT_THAT(store_->SetBucketTags("b", {{"c", "3"}}), IsOk());
  auto got = store_->GetBucket("b");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->tags, ElementsAre(Tag{"c", "3"}));
  ASSERT_THAT(store_->SetBucketTags("b", {}), IsOk());
  got = store_->GetBucket("b");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->tags, IsEmpty());
  EXPECT_THAT(store_->SetBucketTags("nope", {{"a", "1"}}),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

TEST_P(ObjectStoreContract, DeleteBucketRefusesWhileItHoldsObjects) {
  CreateBucket("b");
  Put("b", "k");
  Status refused = store_->DeleteBucket("b");
  EXPECT_THAT(refused, StatusIs(StatusCode::kFailedPrecondition, "bucket 'b' is not empty"));
  EXPECT_EQ(refused.aws_code(), "BucketNotEmpty");
  ASSERT_THAT(store_->DeleteObject("b", "k"), IsOk());
  ASSERT_THAT(store_->DeleteBucket("b"), IsOk());
  EXPECT_THAT(store_->GetBucket("b"), StatusIs(StatusCode::kNotFound, "no such bucket 'b'"));
  EXPECT_THAT(store_->DeleteBucket("b"), StatusIs(StatusCode::kNotFound, "no such bucket 'b'"));
  // The name is free again, for anyone.
  EXPECT_THAT(store_->CreateBucket(MakeBucket("b", kAcct2)), IsOk());
}

TEST_P(ObjectStoreContract, DeleteBucketRefusesWhileItHoldsUploads) {
  CreateBucket("b");
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u1", "b", "k", 1)), IsOk());
  EXPECT_THAT(store_->DeleteBucket("b"),
              StatusIs(StatusCode::kFailedPrecondition, "bucket 'b' is not empty"));
  ASSERT_THAT(store_->AbortUpload("u1"), IsOk());
  EXPECT_THAT(store_->DeleteBucket("b"), IsOk());
}

// ---- Objects

TEST_P(ObjectStoreContract, PutObjectRoundTripsAndReplacingReturnsTheOldBlobs) {
  CreateBucket("b");
  ObjectRecord first = MakeObject("b", "dir/file.txt", {{"blob-1", 10}});
  first.tags = {{"k", "v"}};
  auto released = store_->PutObject(first);
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, IsEmpty());
  auto got = store_->GetObject("b", "dir/file.txt");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, first);

  // A multipart-shaped object: several blobs, in order, with a large size.
  ObjectRecord second =
      MakeObject("b", "dir/file.txt", {{"blob-2", 5'000'000'000}, {"blob-3", 7}, {"blob-4", 0}});
  second.etag = "0123456789abcdef0123456789abcdef-3";
  released = store_->PutObject(second);
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, ElementsAre(BlobRef{"blob-1", 10}));
  got = store_->GetObject("b", "dir/file.txt");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, second);
  EXPECT_EQ(got->size, 5'000'000'007u);
}

TEST_P(ObjectStoreContract, ReplacingKeepsBlobsTheNewObjectStillUses) {
  CreateBucket("b");
  ASSERT_THAT(store_->PutObject(MakeObject("b", "k", {{"same", 4}, {"gone", 2}})), IsOk());
  // E.g. a copy onto itself that only replaces metadata.
  auto released = store_->PutObject(MakeObject("b", "k", {{"same", 4}}));
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, ElementsAre(BlobRef{"gone", 2}));
}

TEST_P(ObjectStoreContract, PutObjectIntoMissingBucketIsNotFound) {
  auto put = store_->PutObject(MakeObject("nope", "k", {{"blob", 1}}));
  EXPECT_THAT(put, StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
  EXPECT_EQ(put.status().aws_code(), "NoSuchBucket");
}

TEST_P(ObjectStoreContract, GetMissingObjectIsNotFound) {
  CreateBucket("b");
  auto got = store_->GetObject("b", "missing");
  EXPECT_THAT(got, StatusIs(StatusCode::kNotFound, "no such key 'missing' in bucket 'b'"));
  EXPECT_EQ(got.status().aws_code(), "NoSuchKey");
  got = store_->GetObject("nope", "missing");
  EXPECT_THAT(got, StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
  EXPECT_EQ(got.status().aws_code(), "NoSuchBucket");
}

TEST_P(ObjectStoreContract, DeleteObjectReturnsItsBlobs) {
  CreateBucket("b");
  ASSERT_THAT(store_->PutObject(MakeObject("b", "k", {{"x", 1}, {"y", 2}})), IsOk());
  auto released = store_->DeleteObject("b", "k");
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, ElementsAre(BlobRef{"x", 1}, BlobRef{"y", 2}));
  EXPECT_THAT(store_->GetObject("b", "k"), StatusIs(StatusCode::kNotFound, "no such key 'k'"));
  // Deleting again: nothing to release, not an error.
  released = store_->DeleteObject("b", "k");
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, IsEmpty());
  EXPECT_THAT(store_->DeleteObject("nope", "k"),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

TEST_P(ObjectStoreContract, SetObjectTagsReplacesTheSet) {
  CreateBucket("b");
  Put("b", "k");
  ASSERT_THAT(store_->SetObjectTags("b", "k", {{"a", "1"}, {"b", ""}}), IsOk());
  auto got = store_->GetObject("b", "k");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->tags, ElementsAre(Tag{"a", "1"}, Tag{"b", ""}));
  EXPECT_EQ(got->blobs, (std::vector<BlobRef>{{"blob-k", 3}}));  // nothing else changed
  ASSERT_THAT(store_->SetObjectTags("b", "k", {}), IsOk());
  got = store_->GetObject("b", "k");
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->tags, IsEmpty());
  EXPECT_THAT(store_->SetObjectTags("b", "missing", {}),
              StatusIs(StatusCode::kNotFound, "no such key 'missing' in bucket 'b'"));
  EXPECT_THAT(store_->SetObjectTags("nope", "k", {}),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

TEST_P(ObjectStoreContract, KeysMustBeUtf8WithoutNul) {
  CreateBucket("b");
  for (const std::string& key : {std::string("bad\xFF"), std::string("a\0b", 3),
                                 std::string("\xC0\xAF"), std::string("\xED\xA0\x80")}) {
    SCOPED_TRACE(::testing::PrintToString(key));
    EXPECT_THAT(store_->PutObject(MakeObject("b", key, {{"blob", 1}})),
                StatusIs(StatusCode::kInvalidArgument, "the object key is not UTF-8"));
    EXPECT_THAT(store_->GetObject("b", key),
                StatusIs(StatusCode::kInvalidArgument, "the object key is not UTF-8"));
    EXPECT_THAT(store_->ListObjects("b", key, "", 10),
                StatusIs(StatusCode::kInvalidArgument, "the prefix is not UTF-8"));
    EXPECT_THAT(store_->ListObjects("b", "", key, 10),
                StatusIs(StatusCode::kInvalidArgument, "the start key is not UTF-8"));
    EXPECT_THAT(store_->CreateUpload(MakeUpload("u", "b", key, 1)),
                StatusIs(StatusCode::kInvalidArgument, "the object key is not UTF-8"));
  }
  EXPECT_THAT(store_->PutObject(MakeObject("b", "", {{"blob", 1}})),
              StatusIs(StatusCode::kInvalidArgument, "the object key is empty"));
}

TEST_P(ObjectStoreContract, ListObjectsIsInByteOrderAndPrefixesMatchBytes) {
  CreateBucket("b");
  CreateBucket("other");
  Put("other", "a");  // never listed from "b"
  const std::vector<std::string> keys = {"a",
                                         "a/b",
                                         "a/c/d",
                                         "a%",
                                         "a_",
                                         "a_b",
                                         "ab",
                                         "aB",
                                         "a\xC3\xA9",
                                         "a" + kMax3,
                                         "a" + kMax4,
                                         "a" + kMax4 + "z",
                                         "b",
                                         "A",
                                         "Z",
                                         "~",
                                         "\x7F",
                                         "x/",
                                         "x//y",
                                         "\xED\x9F\xBF"
                                         "a",
                                         "\xEE\x80\x80",
                                         "100%_done",
                                         "1000"};
  for (const std::string& key : keys) Put("b", key);

  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());  // std::string compares bytes as unsigned char
  EXPECT_EQ(AllKeys("b", "", 1000), sorted);

  // Each prefix against a model: keys that start with exactly those bytes, in byte order.
  for (const std::string& prefix :
       {std::string("a"), std::string("a/"), std::string("a_"), std::string("a%"),
        std::string("a/c/d"), "a" + kMax3, "a" + kMax4, kMax4, std::string("\xED\x9F\xBF"),
        std::string("100%"), std::string("x/"), std::string("zz"), std::string("A")}) {
    SCOPED_TRACE("prefix " + ::testing::PrintToString(prefix));
    std::vector<std::string> expected;
    for (const std::string& key : sorted) {
      if (key.compare(0, prefix.size(), prefix) == 0) expected.push_back(key);
    }
    EXPECT_EQ(AllKeys("b", prefix, 1000), expected);
    EXPECT_EQ(AllKeys("b", prefix, 2), expected);
  }
  // LIKE's wildcards are plain bytes: "a_" is not "a" plus any character, "a%" not "a...".
  EXPECT_THAT(AllKeys("b", "a_", 10), ElementsAre("a_", "a_b"));
  EXPECT_THAT(AllKeys("b", "a%", 10), ElementsAre("a%"));
  EXPECT_THAT(AllKeys("b", "a" + kMax4, 10), ElementsAre("a" + kMax4, "a" + kMax4 + "z"));
}

TEST_P(ObjectStoreContract, ListObjectsPagesWithAfterAndTruncated) {
  CreateBucket("b");
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) Put("b", key);
  // The keys of one page and whether it was truncated.
  using Listed = std::pair<std::vector<std::string>, bool>;
  auto list = [&](const std::string& prefix, const std::string& after, int limit) -> Listed {
    auto page = store_->ListObjects("b", prefix, after, limit);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) return {};
    std::vector<std::string> keys;
    for (const ObjectRecord& o : page->items) keys.push_back(o.key);
    return {keys, page->truncated};
  };
  using Keys = std::vector<std::string>;

  EXPECT_EQ(list("", "", 2), Listed(Keys{"k1", "k2"}, true));
  EXPECT_EQ(list("", "k2", 2), Listed(Keys{"k3", "k4"}, true));
  // Exactly the remaining rows: not truncated.
  EXPECT_EQ(list("", "k3", 2), Listed(Keys{"k4", "k5"}, false));
  // `after` need not be a key; at the last key or past it, nothing is left.
  EXPECT_EQ(list("", "k2a", 10), Listed(Keys{"k3", "k4", "k5"}, false));
  EXPECT_EQ(list("", "k5", 10), Listed(Keys{}, false));
  EXPECT_EQ(list("", "zzz", 10), Listed(Keys{}, false));
  // `after` before the prefix, equal to it, and inside its range.
  EXPECT_EQ(list("k3", "a", 10), Listed(Keys{"k3"}, false));
  EXPECT_EQ(list("k3", "k3", 10), Listed(Keys{}, false));
  EXPECT_EQ(list("k", "k4", 10), Listed(Keys{"k5"}, false));
  EXPECT_THAT(AllKeys("b", "", 1), ElementsAre("k1", "k2", "k3", "k4", "k5"));

  // Pages hold whole records.
  auto page = store_->ListObjects("b", "", "", 1);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->items, ElementsAre(MakeObject("b", "k1", {{"blob-k1", 3}})));

  EXPECT_THAT(store_->ListObjects("b", "", "", 0),
              StatusIs(StatusCode::kInvalidArgument, "limit must be at least 1"));
  EXPECT_THAT(store_->ListObjects("nope", "", "", 10),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

// ---- Multipart uploads

TEST_P(ObjectStoreContract, UploadRoundTripsAndIdsAreUnique) {
  CreateBucket("b");
  const UploadRecord upload = MakeUpload("u1", "b", "big/file", 42);
  ASSERT_THAT(store_->CreateUpload(upload), IsOk());
  auto got = store_->GetUpload("u1");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, upload);
  EXPECT_THAT(store_->CreateUpload(MakeUpload("u1", "b", "other", 43)),
              StatusIs(StatusCode::kAlreadyExists, "upload 'u1' already exists"));
  auto missing = store_->GetUpload("u2");
  EXPECT_THAT(missing, StatusIs(StatusCode::kNotFound, "no such upload 'u2'"));
  EXPECT_EQ(missing.status().aws_code(), "NoSuchUpload");
  EXPECT_THAT(store_->CreateUpload(MakeUpload("u3", "nope", "k", 1)),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
}

TEST_P(ObjectStoreContract, ListUploadsOrdersByKeyThenInitiationAndHonoursMarkers) {
  CreateBucket("b");
  CreateBucket("other");
  // Key "a": initiated at 30, 10, 10 (ties broken by upload id); "a/x"; "b"; and another bucket.
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-a-30", "b", "a", 30)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-a-10-z", "b", "a", 10)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-a-10-m", "b", "a", 10)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-ax", "b", "a/x", 5)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-b", "b", "b", 1)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u-other", "other", "a", 1)), IsOk());

  auto all = store_->ListUploads("b", "", "", "", 100);
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(UploadIds(*all), ElementsAre("u-a-10-m", "u-a-10-z", "u-a-30", "u-ax", "u-b"));
  EXPECT_FALSE(all->truncated);
  EXPECT_EQ(all->items[0], MakeUpload("u-a-10-m", "b", "a", 10));

  // Paging by (key, upload id) markers, as the S3 layer does with the last item of a page.
  auto page = store_->ListUploads("b", "", "", "", 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-a-10-m", "u-a-10-z"));
  EXPECT_TRUE(page->truncated);
  page = store_->ListUploads("b", "", "a", "u-a-10-z", 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-a-30", "u-ax"));
  EXPECT_TRUE(page->truncated);
  page = store_->ListUploads("b", "", "a/x", "u-ax", 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-b"));
  EXPECT_FALSE(page->truncated);

  // A key marker alone skips every upload of that key.
  page = store_->ListUploads("b", "", "a", "", 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-ax", "u-b"));
  // An upload id marker that names no upload of the key: that key's greater upload ids follow.
  page = store_->ListUploads("b", "", "a", "u-a-10-n", 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-a-10-z", "u-a-30", "u-ax", "u-b"));

  // Prefixes match bytes; a prefix and a marker together.
  page = store_->ListUploads("b", "a/", "", "", 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-ax"));
  page = store_->ListUploads("b", "a", "a", "u-a-10-m", 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(UploadIds(*page), ElementsAre("u-a-10-z", "u-a-30", "u-ax"));

  EXPECT_THAT(store_->ListUploads("nope", "", "", "", 10),
              StatusIs(StatusCode::kNotFound, "no such bucket 'nope'"));
  EXPECT_THAT(store_->ListUploads("b", "", "", "", 0),
              StatusIs(StatusCode::kInvalidArgument, "limit must be at least 1"));
}

TEST_P(ObjectStoreContract, PutPartReplacingReturnsTheOldBlob) {
  CreateBucket("b");
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  auto released = store_->PutPart(MakePart("u", 1, "p1", 100));
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, IsEmpty());
  released = store_->PutPart(MakePart("u", 1, "p1-again", 200));
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, ElementsAre(BlobRef{"p1", 100}));
  // The same blob recorded again is not released.
  released = store_->PutPart(MakePart("u", 1, "p1-again", 200));
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, IsEmpty());
  auto parts = store_->ListParts("u", 0, 10);
  ASSERT_THAT(parts, IsOk());
  EXPECT_THAT(parts->items, ElementsAre(MakePart("u", 1, "p1-again", 200)));

  auto missing = store_->PutPart(MakePart("gone", 1, "p", 1));
  EXPECT_THAT(missing, StatusIs(StatusCode::kNotFound, "no such upload 'gone'"));
  EXPECT_EQ(missing.status().aws_code(), "NoSuchUpload");
}

TEST_P(ObjectStoreContract, ListPartsPagesByPartNumber) {
  CreateBucket("b");
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("v", "b", "k", 2)), IsOk());
  for (int n : {10000, 3, 1, 2, 20}) {
    ASSERT_THAT(store_->PutPart(MakePart("u", n, "u" + std::to_string(n), 5)), IsOk());
  }
  ASSERT_THAT(store_->PutPart(MakePart("v", 4, "v4", 5)), IsOk());  // another upload's

  auto numbers = [](const Page<PartRecord>& page) {
    std::vector<int> out;
    for (const PartRecord& p : page.items) out.push_back(p.part_number);
    return out;
  };
  auto page = store_->ListParts("u", 0, 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(numbers(*page), ElementsAre(1, 2));
  EXPECT_TRUE(page->truncated);
  page = store_->ListParts("u", 2, 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(numbers(*page), ElementsAre(3, 20));  // numeric order, not text
  EXPECT_TRUE(page->truncated);
  page = store_->ListParts("u", 20, 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(numbers(*page), ElementsAre(10000));
  EXPECT_FALSE(page->truncated);
  EXPECT_EQ(page->items[0], MakePart("u", 10000, "u10000", 5));
  page = store_->ListParts("u", 10000, 2);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->items, IsEmpty());

  EXPECT_THAT(store_->ListParts("gone", 0, 10),
              StatusIs(StatusCode::kNotFound, "no such upload 'gone'"));
}

TEST_P(ObjectStoreContract, CompleteUploadReplacesTheObjectAndReleasesWhatIsUnused) {
  CreateBucket("b");
  ASSERT_THAT(store_->PutObject(MakeObject("b", "k", {{"old", 9}})), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 1, "p1", 5)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 2, "p2", 6)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 3, "p3", 7)), IsOk());

  // The client completes with parts 1 and 3 only.
  ObjectRecord object = MakeObject("b", "k", {{"p1", 5}, {"p3", 7}});
  object.etag = "0123456789abcdef0123456789abcdef-2";
  auto released = store_->CompleteUpload("u", object);
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, UnorderedElementsAre(BlobRef{"old", 9}, BlobRef{"p2", 6}));

  auto got = store_->GetObject("b", "k");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, object);
  EXPECT_THAT(store_->GetUpload("u"), StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
  EXPECT_THAT(store_->ListParts("u", 0, 10), StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
  // Done once: a second completion (e.g. a retried request) finds no upload.
  EXPECT_THAT(store_->CompleteUpload("u", object),
              StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
  auto ids = store_->ReferencedBlobIds();
  ASSERT_THAT(ids, IsOk());
  EXPECT_THAT(*ids, UnorderedElementsAre("p1", "p3"));
  // Uploads no longer hold the bucket.
  ASSERT_THAT(store_->DeleteObject("b", "k"), IsOk());
  EXPECT_THAT(store_->DeleteBucket("b"), IsOk());
}

TEST_P(ObjectStoreContract, CompleteUploadOfANewKeyReleasesOnlyUnusedParts) {
  CreateBucket("b");
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "new", 1)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 1, "p1", 5)), IsOk());
  auto released = store_->CompleteUpload("u", MakeObject("b", "new", {{"p1", 5}}));
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, IsEmpty());
}

TEST_P(ObjectStoreContract, CompleteUploadChecksTheUploadAndItsKey) {
  CreateBucket("b");
  EXPECT_THAT(store_->CompleteUpload("missing", MakeObject("b", "k", {})),
              StatusIs(StatusCode::kNotFound, "no such upload 'missing'"));
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  EXPECT_THAT(store_->CompleteUpload("u", MakeObject("b", "other-key", {})),
              StatusIs(StatusCode::kInvalidArgument, "is not for upload 'u'"));
  EXPECT_THAT(store_->GetUpload("u"), IsOk());  // untouched
}

TEST_P(ObjectStoreContract, AbortUploadReleasesItsParts) {
  CreateBucket("b");
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 2, "p2", 6)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 1, "p1", 5)), IsOk());
  auto released = store_->AbortUpload("u");
  ASSERT_THAT(released, IsOk());
  EXPECT_THAT(*released, ElementsAre(BlobRef{"p1", 5}, BlobRef{"p2", 6}));
  EXPECT_THAT(store_->GetUpload("u"), StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
  EXPECT_THAT(store_->AbortUpload("u"), StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
  EXPECT_THAT(store_->PutPart(MakePart("u", 3, "p3", 1)),
              StatusIs(StatusCode::kNotFound, "no such upload 'u'"));
}

// ---- Maintenance and concurrency

TEST_P(ObjectStoreContract, ReferencedBlobIdsNamesObjectsAndParts) {
  auto none = store_->ReferencedBlobIds();
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  CreateBucket("b");
  ASSERT_THAT(store_->PutObject(MakeObject("b", "one", {{"o1", 1}})), IsOk());
  ASSERT_THAT(store_->PutObject(MakeObject("b", "two", {{"o2", 1}, {"o3", 1}})), IsOk());
  ASSERT_THAT(store_->CreateUpload(MakeUpload("u", "b", "k", 1)), IsOk());
  ASSERT_THAT(store_->PutPart(MakePart("u", 1, "p1", 1)), IsOk());
  auto ids = store_->ReferencedBlobIds();
  ASSERT_THAT(ids, IsOk());
  EXPECT_THAT(*ids, UnorderedElementsAre("o1", "o2", "o3", "p1"));
}

TEST_P(ObjectStoreContract, ConcurrentWritersAllLand) {
  CreateBucket("b");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  std::vector<Status> failures[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "t" + std::to_string(t) + "/k" + std::to_string(100 + i);
        auto put = store_->PutObject(MakeObject("b", key, {{"blob-" + key, 1}}));
        if (!put.ok()) failures[t].push_back(put.status());
        // Replace half of them, and read while others write.
        if (i % 2 == 0) {
          auto again = store_->PutObject(MakeObject("b", key, {{"blob2-" + key, 1}}));
          if (!again.ok()) {
            failures[t].push_back(again.status());
          } else if (again->size() != 1) {
            failures[t].push_back(InternalError("expected one released blob for " + key));
          }
        }
        if (auto got = store_->GetObject("b", key); !got.ok()) failures[t].push_back(got.status());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(failures[t], IsEmpty()) << "thread " << t;
  EXPECT_EQ(AllKeys("b", "", 7).size(), static_cast<size_t>(kThreads * kPerThread));
  auto ids = store_->ReferencedBlobIds();
  ASSERT_THAT(ids, IsOk());
  EXPECT_EQ(ids->size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace sigil
