"""Every request is authorized by the policy engine: the seed workflow, groups, explicit deny,
permission boundaries, conditions, variables, the simulator agreeing with live enforcement, and
policy changes taking effect on the very next request."""

import json
import tempfile
import unittest

from sigil_harness import DEBIAN_AWS_CLI, AwsCli, ServerTestCase, make_client

ALLOW_ALL_EC2_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "FullEc2AndS3", "Effect": "Allow",
                   "Action": ["ec2:*", "s3:*"], "Resource": "*"}],
}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class EnforcementTest(ServerTestCase):

    def user_clients(self, name):
        _, creds = self.create_user_with_key(name)
        return make_client(self.server.url, "iam", creds), creds

    def denied_message(self, user, action, resource, why):
        return (f"User: arn:aws:iam::{self.account}:user/{user} is not authorized to perform: "
                f"{action} on resource: {resource} {why}")

    def test_seed_workflow_policy_for_ec2_and_s3(self):
        policy = self.iam.create_policy(PolicyName="AutomationEc2S3",
                                        PolicyDocument=json.dumps(ALLOW_ALL_EC2_S3))["Policy"]
        iam, _ = self.user_clients("automation_user")
        self.iam.attach_user_policy(UserName="automation_user", PolicyArn=policy["Arn"])
        # The policy grants EC2 and S3, not IAM: listing users stays denied, with AWS's wording.
        err = self.assertClientError("AccessDenied", 403, iam.list_users)
        self.assertEqual(err["Error"]["Message"], self.denied_message(
            "automation_user", "iam:ListUsers", f"arn:aws:iam::{self.account}:user/",
            "because no identity-based policy allows the iam:ListUsers action"))
        # The simulator reports the EC2 and S3 grant from the same engine.
        sim = self.iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{self.account}:user/automation_user",
            ActionNames=["ec2:RunInstances", "s3:PutObject", "iam:CreateUser"])
        decisions = {r["EvalActionName"]: r["EvalDecision"] for r in sim["EvaluationResults"]}
        self.assertEqual(decisions, {"ec2:RunInstances": "allowed", "s3:PutObject": "allowed",
                                     "iam:CreateUser": "implicitDeny"})
        allowed = sim["EvaluationResults"][0]["MatchedStatements"][0]
        self.assertEqual((allowed["SourcePolicyId"], allowed["SourcePolicyType"]),
                         ("AutomationEc2S3", "user-managed"))
        self.assertEqual(allowed["StartPosition"]["Line"], 1)

    def test_group_grants_exactly_its_permissions(self):
        self.iam.create_group(GroupName="S3AccessGroup")
        self.iam.attach_group_policy(GroupName="S3AccessGroup",
                                     PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        iam, _ = self.user_clients("devops-user")
        self.assertClientError("AccessDenied", 403, iam.list_users)
        self.iam.add_user_to_group(UserName="devops-user", GroupName="S3AccessGroup")
        names = [u["UserName"] for u in iam.list_users()["Users"]]
        self.assertIn("devops-user", names)
        # Read-only: creating a user is still denied.
        self.assertClientError("AccessDenied", 403, iam.create_user, UserName="nope")
        # Leaving the group takes the permission away on the next request.
        self.iam.remove_user_from_group(UserName="devops-user", GroupName="S3AccessGroup")
        self.assertClientError("AccessDenied", 403, iam.list_users)

    def test_explicit_deny_beats_allow(self):
        iam, _ = self.user_clients("deny-test")
        self.iam.attach_user_policy(UserName="deny-test",
                                    PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        self.create_user("victim")
        self.iam.put_user_policy(UserName="deny-test", PolicyName="NoDeletes", PolicyDocument=doc(
            {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}))
        iam.get_user(UserName="victim")  # the admin policy allows this
        err = self.assertClientError("AccessDenied", 403, iam.delete_user, UserName="victim")
        self.assertEqual(err["Error"]["Message"], self.denied_message(
            "deny-test", "iam:DeleteUser", f"arn:aws:iam::{self.account}:user/victim",
            "with an explicit deny in an identity-based policy"))

    def test_permissions_boundary_caps_an_admin(self):
        boundary = self.iam.create_policy(PolicyName="ReadIamOnly", PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}))["Policy"]
        iam, _ = self.user_clients("capped-admin")
        self.iam.attach_user_policy(UserName="capped-admin",
                                    PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        iam.create_user(UserName="made-before-boundary")
        self.iam.put_user_permissions_boundary(UserName="capped-admin",
                                               PermissionsBoundary=boundary["Arn"])
        iam.list_users()
        err = self.assertClientError("AccessDenied", 403, iam.create_user, UserName="blocked")
        self.assertEqual(err["Error"]["Message"], self.denied_message(
            "capped-admin", "iam:CreateUser", f"arn:aws:iam::{self.account}:user/blocked",
            "because no permissions boundary allows the iam:CreateUser action"))
        self.iam.delete_user_permissions_boundary(UserName="capped-admin")
        iam.create_user(UserName="made-after-boundary")

    def test_policy_change_takes_effect_on_the_next_request(self):
        policy = self.iam.create_policy(PolicyName="CanList", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}))["Policy"]
        iam, _ = self.user_clients("changing")
        self.iam.attach_user_policy(UserName="changing", PolicyArn=policy["Arn"])
        iam.list_users()
        self.iam.create_policy_version(PolicyArn=policy["Arn"], SetAsDefault=True,
                                       PolicyDocument=doc({"Effect": "Allow",
                                                           "Action": "iam:GetUser",
                                                           "Resource": "*"}))
        self.assertClientError("AccessDenied", 403, iam.list_users)
        self.iam.set_default_policy_version(PolicyArn=policy["Arn"], VersionId="v1")
        iam.list_users()

    def test_conditions_and_variables(self):
        iam, _ = self.user_clients("cond-user")
        self.create_user("someone-else")
        self.iam.tag_user(UserName="cond-user", Tags=[{"Key": "team", "Value": "blue"}])
        self.iam.put_user_policy(UserName="cond-user", PolicyName="Conditions", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            {"Effect": "Allow", "Action": "iam:GetUser",
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Effect": "Allow", "Action": "iam:ListUserTags", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))
        # The test client connects from 127.0.0.1, outside 10.0.0.0/8.
        self.assertClientError("AccessDenied", 403, iam.list_users)
        iam.get_user(UserName="cond-user")
        self.assertClientError("AccessDenied", 403, iam.get_user, UserName="someone-else")
        iam.list_user_tags(UserName="someone-else")
        self.iam.tag_user(UserName="cond-user", Tags=[{"Key": "team", "Value": "red"}])
        self.assertClientError("AccessDenied", 403, iam.list_user_tags, UserName="someone-else")

    def test_tag_based_access_to_users(self):
        iam, _ = self.user_clients("abac-user")
        self.iam.tag_user(UserName="abac-user", Tags=[{"Key": "team", "Value": "blue"}])
        self.create_user("blue-peer", Tags=[{"Key": "team", "Value": "blue"}])
        self.create_user("red-peer", Tags=[{"Key": "team", "Value": "red"}])
        self.iam.put_user_policy(UserName="abac-user", PolicyName="SameTeam", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
             "Condition": {"StringEquals": {
                 "aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}))
        self.assertEqual(iam.get_user(UserName="blue-peer")["User"]["UserName"], "blue-peer")
        err = self.assertClientError("AccessDenied", 403, iam.get_user, UserName="red-peer")
        self.assertIn("because no identity-based policy allows the iam:GetUser action",
                      err["Error"]["Message"])

    def test_simulator_matches_live_decisions(self):
        iam, _ = self.user_clients("sim-user")
        self.iam.put_user_policy(UserName="sim-user", PolicyName="Mixed", PolicyDocument=doc(
            {"Sid": "ReadAll", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"],
             "Resource": "*"},
            {"Sid": "NoTags", "Effect": "Deny", "Action": "iam:ListUserTags", "Resource": "*"}))
        arn = f"arn:aws:iam::{self.account}:user/sim-user"
        cases = {"iam:ListUsers": ("allowed", lambda: iam.list_users()),
                 "iam:ListUserTags": ("explicitDeny",
                                      lambda: iam.list_user_tags(UserName="sim-user")),
                 "iam:CreateUser": ("implicitDeny", lambda: iam.create_user(UserName="x1"))}
        sim = self.iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=list(cases))
        for result in sim["EvaluationResults"]:
            expected, call = cases[result["EvalActionName"]]
            self.assertEqual(result["EvalDecision"], expected)
            if expected == "allowed":
                call()
            else:
                self.assertClientError("AccessDenied", 403, call)
        deny = [r for r in sim["EvaluationResults"] if r["EvalDecision"] == "explicitDeny"][0]
        self.assertEqual(deny["MatchedStatements"][0]["SourcePolicyId"], "Mixed")
        self.assertEqual(deny["MatchedStatements"][0]["SourcePolicyType"], "user")

    def test_simulate_custom_policy_and_context_keys(self):
        policy = doc({"Effect": "Allow", "Action": "s3:GetObject",
                      "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
                      "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
        result = self.iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::bucket/alice/notes.txt"],
            ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"],
                             "ContextKeyType": "string"},
                            {"ContextKeyName": "aws:SecureTransport",
                             "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}])
        self.assertEqual(result["EvaluationResults"][0]["EvalDecision"], "allowed")
        missing = self.iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::bucket/alice/notes.txt"])
        self.assertEqual(missing["EvaluationResults"][0]["EvalDecision"], "implicitDeny")
        # The resource's ${aws:username} could not be resolved, so the statement never matched.
        self.assertIn("aws:username", [k.lower() for k in
                                       missing["EvaluationResults"][0]["MissingContextValues"]])
        keys = self.iam.get_context_keys_for_custom_policy(PolicyInputList=[policy])
        self.assertEqual(sorted(k.lower() for k in keys["ContextKeyNames"]),
                         ["aws:securetransport", "aws:username"])
        self.assertClientError("MalformedPolicyDocument", 400, self.iam.simulate_custom_policy,
                               PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])

    def test_cli_simulate_principal_policy(self):
        self.create_user("cli-sim")
        self.iam.attach_user_policy(UserName="cli-sim",
                                    PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        home = tempfile.mkdtemp(prefix="sigil-cli-")
        cli = AwsCli("debian-v2", DEBIAN_AWS_CLI)
        result = cli.run(["--output", "json", "iam", "simulate-principal-policy",
                          "--policy-source-arn", f"arn:aws:iam::{self.account}:user/cli-sim",
                          "--action-names", "s3:GetObject", "s3:PutObject"],
                         home, endpoint=self.server.url,
                         env={"AWS_SHARED_CREDENTIALS_FILE": self.server.credentials_path})
        self.assertEqual(result.rc, 0, result.stderr)
        out = json.loads(result.stdout)
        decisions = {r["EvalActionName"]: r["EvalDecision"] for r in out["EvaluationResults"]}
        self.assertEqual(decisions, {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny"})

if __name__ == "__main__":
    unittest.main()
