#include "common/status.h"

#include <gtest/gtest.h>

namespace sigil {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return AwsError(StatusCode::kInvalidArgument, "ValidationError", "odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  SIGIL_ASSIGN_OR_RETURN(int h, Half(x));
  SIGIL_ASSIGN_OR_RETURN(*out, Half(h));
  return OkStatus();
}

TEST(Status, DefaultHttpStatusFollowsCanonicalCode) {
  EXPECT_EQ(NotFoundError("x").http_status(), 404);
  EXPECT_EQ(AlreadyExistsError("x").http_status(), 409);
  EXPECT_EQ(Status(StatusCode::kUnauthenticated, "x").http_status(), 403);
  EXPECT_EQ(InternalError("x").http_status(), 500);
  EXPECT_EQ(NotFoundError("x").WithHttpStatus(410).http_status(), 410);
}

TEST(Status, MacrosPropagateTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.aws_code(), "ValidationError");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT (ValidationError): odd");
}

}  // namespace
}  // namespace sigil
