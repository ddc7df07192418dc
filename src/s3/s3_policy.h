// Bucket policy facts S3 derives from the document: whether it is "public" in the sense of
// S3 Block Public Access (grants a wildcard principal without a fixed-value condition that
// narrows it). Pure; thread-safe.
#pragma once

#include <string_view>

#include "s3/s3_xml.h"

namespace sigil::s3 {

// True when an Allow statement names Principal "*" (or {"AWS": "*"}) and none of its conditions
// pins the caller to known values (aws:SourceIp, aws:SourceVpc(e), aws:SourceArn,
// aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalArn,
// aws:PrincipalOrgID, aws:userid, s3:DataAccessPointAccount/Arn), as AWS documents "The meaning
// of public". An unparsable document counts as not public.
bool IsPublicPolicy(std::string_view policy_json);

}  // namespace sigil::s3
