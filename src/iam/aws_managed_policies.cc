// The built-in AWS managed policies. Facts, not code: each entry's id, dates, default version and
// document are AWS's, as published in the AWS Managed Policy Reference
// (docs.aws.amazon.com/aws-managed-policy/latest/reference/<Name>.html) and as returned by
// iam:GetPolicy / iam:GetPolicyVersion for the version named in the entry. Where AWS publishes a
// time only to the minute (PowerUserAccess v12, IAMSelfManageServiceSpecificCredentials), the
// seconds are :00.
//
// Sigil knows only each policy's default version at the time the entry was written; AWS keeps
// revising these policies, so a later AWS version may differ. Every document is complete and
// verbatim except ReadOnlyAccess (see its entry).
#include "iam/aws_managed_policies.h"

#include <chrono>

#include "common/strings.h"

namespace sigil::iam {
namespace {

constexpr TimePoint Utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  using namespace std::chrono;
  return TimePoint(sys_days(std::chrono::year(year) / month / day).time_since_epoch() +
                   hours(hour) + minutes(minute) + seconds(second));
}

constexpr std::string_view kAdministratorAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kAmazonEC2FullAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": "ec2:*",
            "Effect": "Allow",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "elasticloadbalancing:*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "cloudwatch:*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "autoscaling:*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "iam:AWSServiceName": [
                        "autoscaling.amazonaws.com",
                        "ec2scheduled.amazonaws.com",
                        "elasticloadbalancing.amazonaws.com",
                        "spot.amazonaws.com",
                        "spotfleet.amazonaws.com",
                        "transitgateway.amazonaws.com"
                    ]
                }
            }
        }
    ]
})json";

constexpr std::string_view kAmazonEC2ReadOnlyAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:Describe*",
                "ec2:GetSecurityGroupsForVpc"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "elasticloadbalancing:Describe*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": [
                "cloudwatch:ListMetrics",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:Describe*"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "autoscaling:Describe*",
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kAmazonS3FullAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:*",
                "s3-object-lambda:*"
            ],
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kAmazonS3ReadOnlyAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:Get*",
                "s3:List*",
                "s3:Describe*",
                "s3-object-lambda:Get*",
                "s3-object-lambda:List*"
            ],
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kIAMFullAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:*",
                "organizations:DescribeAccount",
                "organizations:DescribeOrganization",
                "organizations:DescribeOrganizationalUnit",
                "organizations:DescribePolicy",
                "organizations:ListChildren",
                "organizations:ListParents",
                "organizations:ListPoliciesForTarget",
                "organizations:ListRoots",
                "organizations:ListPolicies",
                "organizations:ListTargetsForPolicy"
            ],
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kIAMReadOnlyAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:GenerateCredentialReport",
                "iam:GenerateServiceLastAccessedDetails",
                "iam:Get*",
                "iam:List*",
                "iam:SimulateCustomPolicy",
                "iam:SimulatePrincipalPolicy"
            ],
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kIAMSelfManageServiceSpecificCredentials = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:CreateServiceSpecificCredential",
                "iam:ListServiceSpecificCredentials",
                "iam:UpdateServiceSpecificCredential",
                "iam:DeleteServiceSpecificCredential",
                "iam:ResetServiceSpecificCredential"
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        }
    ]
})json";

constexpr std::string_view kIAMUserChangePassword = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:ChangePassword"
            ],
            "Resource": [
                "arn:aws:iam::*:user/${aws:username}",
                "arn:aws:iam::*:user/*/${aws:username}"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "iam:GetAccountPasswordPolicy"
            ],
            "Resource": "*"
        }
    ]
})json";

constexpr std::string_view kPowerUserAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "NotAction": [
                "iam:*",
                "organizations:*",
                "account:*"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": [
                "account:GetAccountInformation",
                "account:GetGovCloudAccountInformation",
                "account:GetPrimaryEmail",
                "account:ListRegions",
                "iam:CreateServiceLinkedRole",
                "iam:DeleteServiceLinkedRole",
                "iam:ListRoles",
                "organizations:DescribeEffectivePolicy",
                "organizations:DescribeOrganization"
            ],
            "Resource": "*"
        }
    ]
})json";

// TRIMMED. AWS's ReadOnlyAccess v132 is about 119,000 characters: two statements
// (ReadOnlyActionsGroup1 and ReadOnlyActionsGroup2) listing read actions for every AWS service.
// This keeps both statements, their Sids and order, and AWS's exact entries for the services
// Sigil serves (ec2, iam in Group1; s3, sts in Group2); the entries for all other services are
// left out. For requests to Sigil the trimmed document decides exactly as the full one does.
constexpr std::string_view kReadOnlyAccess = R"json({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyActionsGroup1",
            "Effect": "Allow",
            "Action": [
                "ec2:Describe*",
                "ec2:DescribeInstanceImageMetadata",
                "ec2:Get*",
                "ec2:ListImagesInRecycleBin",
                "ec2:ListSnapshotsInRecycleBin",
                "ec2:SearchLocalGatewayRoutes",
                "ec2:SearchTransitGatewayRoutes",
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*"
            ],
            "Resource": "*"
        },
        {
            "Sid": "ReadOnlyActionsGroup2",
            "Effect": "Allow",
            "Action": [
                "s3:DescribeJob",
                "s3:Get*",
                "s3:List*",
                "sts:GetAccessKeyInfo",
                "sts:GetCallerIdentity",
                "sts:GetSessionToken"
            ],
            "Resource": "*"
        }
    ]
})json";

// Ordered by name, case-insensitively.
constexpr AwsManagedPolicy kPolicies[] = {
    {"AdministratorAccess", "/", "ANPAIWMBCKSKIEE64ZLYK",
     "arn:aws:iam::aws:policy/AdministratorAccess",
     "Provides full access to AWS services and resources.", "v1", kAdministratorAccess,
     Utc(2015, 2, 6, 18, 39, 46), Utc(2015, 2, 6, 18, 39, 46)},
    {"AmazonEC2FullAccess", "/", "ANPAI3VAJF5ZCRZ7MCQE6",
     "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
     "Provides full access to Amazon EC2 via the AWS Management Console.", "v5",
     kAmazonEC2FullAccess, Utc(2015, 2, 6, 18, 40, 15), Utc(2018, 11, 27, 2, 16, 56)},
    {"AmazonEC2ReadOnlyAccess", "/", "ANPAIGDT4SV4GSETWTBZK",
     "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
     "Provides read only access to Amazon EC2 via the AWS Management Console.", "v3",
     kAmazonEC2ReadOnlyAccess, Utc(2015, 2, 6, 18, 40, 17), Utc(2024, 12, 27, 10, 7, 6)},
    {"AmazonS3FullAccess", "/", "ANPAIFIR6V6BVTRAHWINE",
     "arn:aws:iam::aws:policy/AmazonS3FullAccess",
     "Provides full access to all buckets via the AWS Management Console.", "v2",
     kAmazonS3FullAccess, Utc(2015, 2, 6, 18, 40, 58), Utc(2021, 9, 27, 20, 16, 37)},
    {"AmazonS3ReadOnlyAccess", "/", "ANPAIZTJ4DXE7G6AGAE6M",
     "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
     "Provides read only access to all buckets via the AWS Management Console.", "v3",
     kAmazonS3ReadOnlyAccess, Utc(2015, 2, 6, 18, 40, 59), Utc(2023, 8, 10, 21, 31, 39)},
    {"IAMFullAccess", "/", "ANPAI7XKCFMBPM3QQRRVQ", "arn:aws:iam::aws:policy/IAMFullAccess",
     "Provides full access to IAM via the AWS Management Console.", "v2", kIAMFullAccess,
     Utc(2015, 2, 6, 18, 40, 38), Utc(2019, 6, 21, 19, 40, 0)},
    {"IAMReadOnlyAccess", "/", "ANPAJKSO7NDY4T57MWDSQ", "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
     "Provides read only access to IAM via the AWS Management Console.", "v4", kIAMReadOnlyAccess,
     Utc(2015, 2, 6, 18, 40, 39), Utc(2018, 1, 25, 19, 11, 27)},
    {"IAMSelfManageServiceSpecificCredentials", "/", "ANPAI4VT74EMXK2PMQJM2",
     "arn:aws:iam::aws:policy/IAMSelfManageServiceSpecificCredentials",
     "Allows an IAM user to manage their own Service Specific Credentials.", "v1",
     kIAMSelfManageServiceSpecificCredentials, Utc(2016, 12, 22, 17, 25, 0),
     Utc(2016, 12, 22, 17, 25, 0)},
    {"IAMUserChangePassword", "/", "ANPAJ4L4MM2A7QIEB56MS",
     "arn:aws:iam::aws:policy/IAMUserChangePassword",
     "Provides the ability for an IAM user to change their own password.", "v3",
     kIAMUserChangePassword, Utc(2016, 11, 15, 0, 25, 16), Utc(2025, 5, 29, 21, 52, 6)},
    {"PowerUserAccess", "/", "ANPAJYRXTHIB4FOVS3ZXS", "arn:aws:iam::aws:policy/PowerUserAccess",
     "Provides full access to AWS services and resources, but does not allow management of "
     "Users and groups.",
     "v12", kPowerUserAccess, Utc(2015, 2, 6, 18, 39, 47), Utc(2026, 2, 12, 17, 59, 0)},
    {"ReadOnlyAccess", "/", "ANPAILL3HVNFSB6DCOWYQ", "arn:aws:iam::aws:policy/ReadOnlyAccess",
     "Provides read-only access to AWS services and resources.", "v132", kReadOnlyAccess,
     Utc(2015, 2, 6, 18, 39, 48), Utc(2025, 9, 2, 21, 49, 7)},
};

}  // namespace

const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn) {
  if (!IsAwsManagedPolicyArn(arn)) return nullptr;
  for (const AwsManagedPolicy& p : kPolicies) {
    if (p.arn == arn) return &p;
  }
  return nullptr;
}

std::span<const AwsManagedPolicy> AwsManagedPolicies() { return kPolicies; }

bool IsAwsManagedPolicyArn(std::string_view arn) {
  return StartsWith(arn, kAwsManagedPolicyArnPrefix);
}

}  // namespace sigil::iam
