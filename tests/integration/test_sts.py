"""STS temporary credentials through the AWS CLI and boto3, end to end against a real server.

GetSessionToken as in the hardening guide (`aws sts get-session-token --duration-seconds 3600`)
and what its credentials may do (STS AssumeRole yes, IAM no: InvalidClientTokenId, other STS
calls: AccessDenied); AWS's "Force MFA" policy with a virtual MFA device the user manages
themself, codes that must be fresh; CLI profiles with role_arn + source_profile (and
role_session_name, duration_seconds, mfa_serial with the code typed on stdin); cross-account
AssumeRole with ExternalId into an account made by `sigil admin account create` while the
server runs; expired and tampered tokens (the server's clock moved by --clock-offset-file);
session tags, transitive tags, SourceIdentity and the role-chaining limit; GetFederationToken;
revoking older role sessions with aws:TokenIssueTime.

The Debian AWS CLI (v2.9) predates `endpoint_url` in profiles, so the STS client its assume-role
credential provider builds cannot be pointed at the server with --endpoint-url; the tests give
it, through AWS_DATA_PATH, an STS endpoint rule set whose default endpoint is the server's URL
(the one a real deployment would get from DNS)."""

import base64
import configparser
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
from unittest import mock

import sigil_harness as h
from test_iam_mfa import totp

TEMP_KEY_RE = re.compile(r"^ASIA[A-Z2-7]{16}$")
ROLE_ID_RE = re.compile(r"^AROA[A-Z2-7]{17}$")
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
CHAINING_LIMIT = ("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                  "assumed by role chaining.")
EXPLICIT_DENY = "with an explicit deny in an identity-based policy"
TOTP_STEP = 30

# AWS's example "allows MFA-authenticated IAM users to manage their own MFA device" (the usual
# "Force MFA" policy), plus one action allowed only with MFA.
FORCE_MFA_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
         "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                    "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                       "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                       "iam:ResyncMFADevice", "sts:GetSessionToken"],
         "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Sid": "ListUsersOnlyWithMfa", "Effect": "Allow", "Action": "iam:ListUsers",
         "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ],
}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", condition=None):
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def trust(principal, actions=("sts:AssumeRole",), condition=None):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def creds_of(credentials):
    """Creds from an STS Credentials structure (boto3 or CLI JSON); the secrets are recorded."""
    c = h.Creds(credentials["AccessKeyId"], credentials["SecretAccessKey"],
                credentials["SessionToken"])
    h.SENSITIVE.update({c.secret, c.token})
    return c


def parse_time(value):
    """A boto3 datetime or the CLI's ISO 8601 text, as an aware UTC datetime."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc)
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def seconds_until(when):
    return (parse_time(when) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


def fresh_totp_step(margin):
    """The current TOTP step, after sleeping past the next step boundary when fewer than
    `margin` seconds of the current step remain (so a short sequence of calls sees one step)."""
    into = time.time() % TOTP_STEP
    if into > TOTP_STEP - margin:
        time.sleep(TOTP_STEP - into + 0.1)
    return int(time.time()) // TOTP_STEP


def wrong(code):
    return f"{(int(code) + 500000) % 1000000:06d}"


def sts_rule_set(default_url):
    """An STS endpoint rule set: the client's endpoint URL when it has one, else default_url."""
    return {
        "version": "1.0",
        "parameters": {
            "Region": {"builtIn": "AWS::Region", "required": False, "type": "String",
                       "documentation": "The AWS region."},
            "Endpoint": {"builtIn": "SDK::Endpoint", "required": False, "type": "String",
                         "documentation": "Override the endpoint."},
        },
        "rules": [
            {"conditions": [{"fn": "isSet", "argv": [{"ref": "Endpoint"}]}],
             "endpoint": {"url": {"ref": "Endpoint"}, "properties": {}, "headers": {}},
             "type": "endpoint"},
            {"conditions": [],
             "endpoint": {"url": default_url, "properties": {}, "headers": {}},
             "type": "endpoint"},
        ],
    }


class StsTestBase(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)

    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, self.home, True)

    # -- principals ---------------------------------------------------------------------------

    def user_with_policy(self, name, *statements, policy=None):
        """A user with one access key and (when given) an inline policy; returns Creds."""
        _, creds = self.create_user_with_key(name)
        if statements or policy:
            self.iam.put_user_policy(UserName=name, PolicyName="inline",
                                     PolicyDocument=policy or doc(*statements))
        return creds

    def create_role(self, name, trust_doc, *statements, iam=None, **kwargs):
        iam = iam or self.iam
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc,
                               **kwargs)["Role"]
        if statements:
            iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=doc(*statements))
        return role

    def account_root(self):
        return f"arn:aws:iam::{self.account}:root"

    def role_arn(self, name, account=None):
        return f"arn:aws:iam::{account or self.account}:role/{name}"

    def user_arn(self, name):
        return f"arn:aws:iam::{self.account}:user/{name}"

    def client(self, service, creds):
        return h.make_client(self.server.url, service, creds)

    def denied(self, principal_arn, action, resource, why):
        return (f"User: {principal_arn} is not authorized to perform: {action} on resource: "
                f"{resource} {why}")

    # -- the AWS CLI --------------------------------------------------------------------------

    def aws(self, *args, creds=None, env=None):
        """Runs Debian's `aws --output json ARGS...` against the server; returns CliResult."""
        full_env = {}
        if creds is not None:
            full_env.update(AWS_ACCESS_KEY_ID=creds.access_key,
                            AWS_SECRET_ACCESS_KEY=creds.secret)
            if creds.token:
                full_env["AWS_SESSION_TOKEN"] = creds.token
        full_env.update(env or {})
        return self.cli.run(["--output", "json", *args], home=self.home,
                            endpoint=self.server.url, env=full_env)

    def aws_ok(self, *args, **kwargs):
        res = self.aws(*args, **kwargs)
        self.assertEqual(res.rc, 0, f"aws {' '.join(args)} failed: {res.stderr}")
        return json.loads(res.stdout) if res.stdout.strip() else {}

    def aws_error(self, code, operation, message, *args, prefix=False, **kwargs):
        """The CLI call fails with AWS error `code` for `operation`, with this message (or one
        that starts with it, when `prefix`)."""
        res = self.aws(*args, **kwargs)
        self.assertEqual((res.rc, h.cli_error_code(res.stderr)),
                         (self.cli.service_error_rc, code), res.stderr)
        self.assertCliMessage(res.stderr, code, operation, message, prefix)
        return res

    def assertCliMessage(self, stderr, code, operation, message, prefix=False):
        # "An error occurred (CODE) when calling the OP operation[ (reached max retries: N)]: M"
        m = re.search(rf"An error occurred \({code}\) when calling the {operation} operation"
                      r"(?: \(reached max retries: \d+\))?: (.*)", stderr)
        self.assertTrue(m, stderr)
        actual = m.group(1).rstrip()
        if prefix:
            self.assertTrue(actual.startswith(message.rstrip()), f"{actual!r} vs {message!r}")
        else:
            self.assertEqual(actual, message.rstrip())

    def aws_without_terminal(self, args, input, env):
        """Runs the CLI in a new session, without a controlling terminal, so that its
        interactive prompts (getpass) read `input` from stdin; returns CompletedProcess."""
        full_env = h.AwsCli.base_env(self.home)
        full_env.update(env)
        cmd = [self.cli.path, "--endpoint-url", self.server.url, "--output", "json", *args]
        return subprocess.run(cmd, capture_output=True, text=True, input=input, env=full_env,
                              timeout=60, cwd=self.home, start_new_session=True)

    def write_aws_files(self, config, credentials):
        """Writes HOME/.aws/config and credentials from {section: {key: value}}."""
        aws_dir = os.path.join(self.home, ".aws")
        os.makedirs(aws_dir, exist_ok=True)
        for name, sections in (("config", config), ("credentials", credentials)):
            parser = configparser.ConfigParser()
            for section, values in sections.items():
                parser[section] = values
            with open(os.path.join(aws_dir, name), "w") as f:
                parser.write(f)

    def sts_data_path(self):
        """An AWS_DATA_PATH whose STS endpoint rule set defaults to this server (see the module
        docstring): the CLI's assume-role provider then calls the server."""
        rules_dir = os.path.join(self.home, "data", "sts", "2011-06-15")
        os.makedirs(rules_dir, exist_ok=True)
        with open(os.path.join(rules_dir, "endpoint-rule-set-1.json"), "w") as f:
            json.dump(sts_rule_set(self.server.url), f)
        return os.path.join(self.home, "data")


# ----------------------------------------------------------------------------------------------
# 1. GetSessionToken as in the hardening guide


class SessionTokenTest(StsTestBase):

    def test_guide_get_session_token_with_the_cli(self):
        self.create_role("guide_role", trust(self.account_root()),
                         allow("iam:ListRoles"))
        user = self.user_with_policy(
            "devops-user", allow(["sts:AssumeRole", "iam:ListUsers"]))
        self.write_aws_files({"default": {"region": h.REGION}},
                             {"default": {"aws_access_key_id": user.access_key,
                                          "aws_secret_access_key": user.secret}})
        out = self.aws_ok("sts", "get-session-token", "--duration-seconds", "3600")
        session = creds_of(out["Credentials"])
        self.assertRegex(session.access_key, TEMP_KEY_RE)
        self.assertRegex(session.secret, h.SECRET_RE)
        self.assertAlmostEqual(seconds_until(out["Credentials"]["Expiration"]), 3600, delta=15)

        # Used through environment variables, which win over the [default] profile.
        who = self.aws_ok("sts", "get-caller-identity", creds=session)
        self.assertEqual(who["Arn"], self.user_arn("devops-user"))
        self.assertEqual(who["Account"], self.account)
        self.assertRegex(who["UserId"], h.USER_ID_RE)
        # And through a profile with aws_session_token.
        self.write_aws_files({"default": {"region": h.REGION}},
                             {"default": {"aws_access_key_id": session.access_key,
                                          "aws_secret_access_key": session.secret,
                                          "aws_session_token": session.token}})
        self.assertEqual(self.aws_ok("sts", "get-caller-identity")["Arn"],
                         self.user_arn("devops-user"))

        # Of STS, AssumeRole is allowed with these credentials (and is not role chaining).
        assumed = self.aws_ok("sts", "assume-role", "--role-arn", self.role_arn("guide_role"),
                              "--role-session-name", "from-session")
        self.assertEqual(assumed["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/guide_role/from-session")
        role_session = creds_of(assumed["Credentials"])
        roles = self.aws_ok("iam", "list-roles", creds=role_session)["Roles"]
        self.assertIn("guide_role", [r["RoleName"] for r in roles])

        # IAM refuses credentials from GetSessionToken without MFA, as if the token were bad.
        self.aws_error("InvalidClientTokenId", "ListUsers", INVALID_TOKEN, "iam", "list-users")
        # The user's own long-term keys may list users.
        self.assertIn("devops-user", [u["UserName"] for u in self.aws_ok(
            "iam", "list-users", creds=user)["Users"]])

    def test_session_token_restrictions_with_boto3(self):
        user = self.user_with_policy("restricted", allow("*"))
        out = self.client("sts", user).get_session_token(DurationSeconds=900)
        self.assertEqual(set(out), {"Credentials", "ResponseMetadata"})
        self.assertAlmostEqual(seconds_until(out["Credentials"]["Expiration"]), 900, delta=15)
        session = creds_of(out["Credentials"])
        sts, iam = self.client("sts", session), self.client("iam", session)
        err = self.assertClientError("InvalidClientTokenId", 403, iam.list_users)
        self.assertEqual(err["Error"]["Message"], INVALID_TOKEN)
        for name, call in (("GetSessionToken", sts.get_session_token),
                           ("GetFederationToken", lambda: sts.get_federation_token(Name="fed")),
                           ("GetAccessKeyInfo",
                            lambda: sts.get_access_key_info(AccessKeyId=user.access_key))):
            with self.subTest(operation=name):
                err = self.assertClientError("AccessDenied", 403, call)
                self.assertEqual(err["Error"]["Message"],
                                 f"Cannot call {name} with session credentials")
        # The default lasts 12 hours; a root session at most one.
        default = self.client("sts", user).get_session_token()["Credentials"]
        creds_of(default)
        self.assertAlmostEqual(seconds_until(default["Expiration"]), 43200, delta=15)
        root = self.sts.get_session_token(DurationSeconds=7200)["Credentials"]
        creds_of(root)
        self.assertAlmostEqual(seconds_until(root["Expiration"]), 3600, delta=15)
        self.assertEqual(self.client("sts", creds_of(root)).get_caller_identity()["Arn"],
                         self.account_root())

    def test_duration_bounds(self):
        raw = self.server.client("sts", parameter_validation=False)
        for seconds in (899, 129601):
            with self.subTest(seconds=seconds):
                self.assertClientError("ValidationError", 400, raw.get_session_token,
                                       DurationSeconds=seconds)

    def test_tampered_and_mismatched_tokens(self):
        user = self.user_with_policy("tamper", allow("*"))
        sts = self.client("sts", user)
        session = creds_of(sts.get_session_token()["Credentials"])
        other = creds_of(sts.get_session_token()["Credentials"])
        middle = len(session.token) // 2
        flipped = "B" if session.token[middle] == "A" else "A"
        tampered = session._replace(token=session.token[:middle] + flipped
                                    + session.token[middle + 1:])
        for label, creds in (("tampered", tampered),
                             ("truncated", session._replace(token=session.token[:-8])),
                             ("another session's token", session._replace(token=other.token)),
                             ("long-term key with a token", user._replace(token=session.token))):
            with self.subTest(label):
                err = self.assertClientError("InvalidClientTokenId", 403,
                                             self.client("sts", creds).get_caller_identity)
                self.assertEqual(err["Error"]["Message"], INVALID_TOKEN)
        # The right token with another secret: the signature does not match.
        self.assertClientError(
            "SignatureDoesNotMatch", 403,
            self.client("sts", session._replace(secret=other.secret)).get_caller_identity)
        # The same through the CLI.
        self.aws_error("InvalidClientTokenId", "GetCallerIdentity", INVALID_TOKEN,
                       "sts", "get-caller-identity", creds=tampered)


# ----------------------------------------------------------------------------------------------
# 2. MFA: AWS's Force-MFA policy and GetSessionToken with a code


class ForceMfaTest(StsTestBase):

    def test_force_mfa_policy_with_a_virtual_device(self):
        user = self.user_with_policy("mfa-user", policy=json.dumps(FORCE_MFA_POLICY))
        iam = self.client("iam", user)
        # Long-term keys: denied by DenyAllExceptListedIfNoMFA, self-service still allowed.
        err = self.assertClientError("AccessDenied", 403, iam.list_users)
        self.assertEqual(err["Error"]["Message"], self.denied(
            self.user_arn("mfa-user"), "iam:ListUsers", f"arn:aws:iam::{self.account}:user/",
            EXPLICIT_DENY))
        self.assertEqual(iam.get_user()["User"]["UserName"], "mfa-user")

        # The user sets up their own virtual device with the CLI.
        seed_file = os.path.join(self.home, "seed.txt")
        created = self.aws_ok("iam", "create-virtual-mfa-device",
                              "--virtual-mfa-device-name", "mfa-user-phone", "--outfile",
                              seed_file, "--bootstrap-method", "Base32StringSeed", creds=user)
        serial = created["VirtualMFADevice"]["SerialNumber"]
        self.assertEqual(serial, f"arn:aws:iam::{self.account}:mfa/mfa-user-phone")
        with open(seed_file) as f:
            seed = f.read().strip()
        h.SENSITIVE.add(seed)
        base64.b32decode(seed)  # a real base32 seed
        step = fresh_totp_step(margin=6)
        self.aws_ok("iam", "enable-mfa-device", "--user-name", "mfa-user", "--serial-number",
                    serial, "--authentication-code1", totp(seed, step - 1),
                    "--authentication-code2", totp(seed, step), creds=user)

        sts = self.client("sts", user)
        # A wrong code and a code already used to enable the device are refused.
        code = totp(seed, step + 1)  # the next step's code: inside the +-1 window right away
        for label, token_code in (("wrong", wrong(code)), ("already used", totp(seed, step))):
            with self.subTest(label):
                err = self.assertClientError("AccessDenied", 403, sts.get_session_token,
                                             SerialNumber=serial, TokenCode=token_code)
                self.assertEqual(err["Error"]["Message"], MFA_FAILED)
        # Another user cannot use this device (and does not use up its code).
        other = self.user_with_policy("no-device", allow("*"))
        err = self.assertClientError("AccessDenied", 403,
                                     self.client("sts", other).get_session_token,
                                     SerialNumber=serial, TokenCode=code)
        self.assertEqual(err["Error"]["Message"], MFA_FAILED)

        out = self.aws_ok("sts", "get-session-token", "--serial-number", serial,
                          "--token-code", code, creds=user)
        mfa_session = creds_of(out["Credentials"])
        users = self.aws_ok("iam", "list-users", creds=mfa_session)["Users"]
        self.assertIn("mfa-user", [u["UserName"] for u in users])
        self.assertEqual(self.aws_ok("sts", "get-caller-identity", creds=mfa_session)["Arn"],
                         self.user_arn("mfa-user"))
        # Outside the policy, still denied (implicitly) with MFA.
        err = self.assertClientError("AccessDenied", 403,
                                     self.client("iam", mfa_session).list_roles)
        self.assertEqual(err["Error"]["Message"], self.denied(
            self.user_arn("mfa-user"), "iam:ListRoles", f"arn:aws:iam::{self.account}:role/",
            "because no identity-based policy allows the iam:ListRoles action"))

        # The same code again is a replay.
        err = self.assertClientError("AccessDenied", 403, sts.get_session_token,
                                     SerialNumber=serial, TokenCode=code)
        self.assertEqual(err["Error"]["Message"], MFA_FAILED)
        self.aws_error("AccessDenied", "GetSessionToken", MFA_FAILED.strip(),
                       "sts", "get-session-token", "--serial-number", serial,
                       "--token-code", code, creds=user)


# ----------------------------------------------------------------------------------------------
# 3. CLI profiles that assume a role


class ProfileAssumeRoleTest(StsTestBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = cls.create_user_and_key("profile-source")

    @classmethod
    def create_user_and_key(cls, name):
        cls.iam.create_user(UserName=name)
        cls.iam.put_user_policy(UserName=name, PolicyName="inline",
                                PolicyDocument=doc(allow("sts:AssumeRole")))
        key = cls.iam.create_access_key(UserName=name)["AccessKey"]
        h.SENSITIVE.add(key["SecretAccessKey"])
        return h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def write_profiles(self, source, **profiles):
        config = {"default": {"region": h.REGION}}
        for name, values in profiles.items():
            config[f"profile {name}"] = dict(values, source_profile="src")
        self.write_aws_files(config, {"src": {"aws_access_key_id": source.access_key,
                                              "aws_secret_access_key": source.secret}})

    def aws_profile(self, profile, *args, **kwargs):
        env = dict(kwargs.pop("env", {}), AWS_DATA_PATH=self.sts_data_path())
        return self.aws(*args, "--profile", profile, env=env, **kwargs)

    def cached_expiration(self):
        """The Expiration of the one set of role credentials the CLI cached under HOME."""
        cache = os.path.join(self.home, ".aws", "cli", "cache")
        files = os.listdir(cache)
        self.assertEqual(len(files), 1, files)
        with open(os.path.join(cache, files[0])) as f:
            cached = json.load(f)
        h.SENSITIVE.update({cached["Credentials"]["SecretAccessKey"],
                            cached["Credentials"]["SessionToken"]})
        return cached["Credentials"]["Expiration"]

    def test_role_arn_source_profile(self):
        self.create_role("cli_role", trust(self.account_root()), allow("iam:ListRoles"),
                         MaxSessionDuration=7200)
        self.write_profiles(self.source,
                            assumer={"role_arn": self.role_arn("cli_role"),
                                     "role_session_name": "ci-build-7",
                                     "duration_seconds": "5400"},
                            plain={"role_arn": self.role_arn("cli_role")},
                            too_long={"role_arn": self.role_arn("cli_role"),
                                      "duration_seconds": "7201"})
        res = self.aws_profile("assumer", "sts", "get-caller-identity")
        self.assertEqual(res.rc, 0, res.stderr)
        who = json.loads(res.stdout)
        self.assertEqual(who["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/cli_role/ci-build-7")
        self.assertEqual(who["Account"], self.account)
        role_id, session_name = who["UserId"].split(":")
        self.assertRegex(role_id, ROLE_ID_RE)
        self.assertEqual(session_name, "ci-build-7")
        self.assertAlmostEqual(seconds_until(self.cached_expiration()), 5400, delta=15)

        # The role's permissions apply (from the cache now), not the source user's.
        res = self.aws_profile("assumer", "iam", "list-roles")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertIn("cli_role", [r["RoleName"] for r in json.loads(res.stdout)["Roles"]])
        res = self.aws_profile("assumer", "iam", "list-users")
        self.assertEqual(h.cli_error_code(res.stderr), "AccessDenied", res.stderr)
        self.assertIn(self.denied(f"arn:aws:sts::{self.account}:assumed-role/cli_role/ci-build-7",
                                  "iam:ListUsers", f"arn:aws:iam::{self.account}:user/",
                                  "because no identity-based policy allows the iam:ListUsers "
                                  "action"), res.stderr)

        # Without role_session_name the CLI makes one up; the default duration is one hour.
        shutil.rmtree(os.path.join(self.home, ".aws", "cli"))
        res = self.aws_profile("plain", "sts", "get-caller-identity")
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertRegex(json.loads(res.stdout)["Arn"],
                         rf"^arn:aws:sts::{self.account}:assumed-role/cli_role/"
                         r"[\w+=,.@-]{2,64}$")
        self.assertAlmostEqual(seconds_until(self.cached_expiration()), 3600, delta=15)

        # Beyond the role's MaxSessionDuration.
        res = self.aws_profile("too_long", "sts", "get-caller-identity")
        self.assertEqual(h.cli_error_code(res.stderr), "ValidationError", res.stderr)
        self.assertIn("The requested DurationSeconds exceeds the MaxSessionDuration set for "
                      "this role.", res.stderr)

    def test_role_that_does_not_trust_the_source(self):
        self.iam.create_user(UserName="somebody-else")
        self.create_role("other_trust", trust(self.user_arn("somebody-else")))
        self.write_profiles(self.source, nope={"role_arn": self.role_arn("other_trust")})
        res = self.aws_profile("nope", "sts", "get-caller-identity")
        self.assertEqual(res.rc, self.cli.service_error_rc, res.stderr)
        self.assertCliMessage(res.stderr, "AccessDenied", "AssumeRole", self.denied(
            self.user_arn("profile-source"), "sts:AssumeRole", self.role_arn("other_trust"), ""),
            prefix=True)

    def test_mfa_serial_profile_reads_the_code_from_stdin(self):
        # The role's trust policy requires MFA; the CLI asks for the code of the source user's
        # device. Without a terminal (a new session has none), getpass reads stdin.
        mfa_user = self.create_user_and_key("mfa-profile-user")
        self.create_role("mfa_role", trust(self.account_root(), condition={
            "Bool": {"aws:MultiFactorAuthPresent": "true"}}), allow("iam:ListRoles"))
        device = self.iam.create_virtual_mfa_device(
            VirtualMFADeviceName="profile-phone")["VirtualMFADevice"]
        serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
        h.SENSITIVE.add(seed)
        step = fresh_totp_step(margin=4)
        self.iam.enable_mfa_device(UserName="mfa-profile-user", SerialNumber=serial,
                                   AuthenticationCode1=totp(seed, step - 1),
                                   AuthenticationCode2=totp(seed, step))
        self.write_profiles(mfa_user,
                            with_mfa={"role_arn": self.role_arn("mfa_role"), "mfa_serial": serial,
                                      "role_session_name": "mfa-session"},
                            without_mfa={"role_arn": self.role_arn("mfa_role")})

        res = self.aws_profile("without_mfa", "sts", "get-caller-identity")
        self.assertEqual(h.cli_error_code(res.stderr), "AccessDenied", res.stderr)

        out = self.aws_without_terminal(["sts", "get-caller-identity", "--profile", "with_mfa"],
                                        input=totp(seed, step + 1) + "\n",
                                        env={"AWS_DATA_PATH": self.sts_data_path()})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"Enter MFA code for {serial}:", out.stderr + out.stdout)
        self.assertEqual(json.loads(out.stdout[out.stdout.index("{"):])["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/mfa_role/mfa-session")

    def test_boto3_profile_with_endpoint_url(self):
        # boto3 reads endpoint_url from the profile, for the assume-role STS call as well.
        self.create_role("sdk_role", trust(self.account_root()), allow("iam:ListRoles"))
        config = os.path.join(self.home, "config")
        credentials = os.path.join(self.home, "credentials")
        with open(config, "w") as f:
            f.write(f"[profile sdk]\nregion = {h.REGION}\nendpoint_url = {self.server.url}\n"
                    f"role_arn = {self.role_arn('sdk_role')}\nsource_profile = src\n"
                    f"role_session_name = sdk-session\n"
                    f"[profile src]\nendpoint_url = {self.server.url}\n")
        with open(credentials, "w") as f:
            f.write(f"[src]\naws_access_key_id = {self.source.access_key}\n"
                    f"aws_secret_access_key = {self.source.secret}\n")
        with mock.patch.dict(os.environ, {"AWS_CONFIG_FILE": config,
                                          "AWS_SHARED_CREDENTIALS_FILE": credentials}):
            session = h.boto3.session.Session(profile_name="sdk")
            sts = session.client("sts", config=h.botocore.config.Config(
                retries={"total_max_attempts": 1}))
            who = sts.get_caller_identity()
            frozen = session.get_credentials().get_frozen_credentials()
            h.SENSITIVE.update({frozen.secret_key, frozen.token})
        self.assertEqual(who["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/sdk_role/sdk-session")
        self.assertRegex(frozen.access_key, TEMP_KEY_RE)


# ----------------------------------------------------------------------------------------------
# 4. Cross-account AssumeRole with ExternalId


def read_root_credentials(path):
    parser = configparser.ConfigParser()
    with open(path) as f:
        parser.read_file(f)
    section = parser["default"]
    creds = h.Creds(section["aws_access_key_id"].strip(),
                    section["aws_secret_access_key"].strip())
    h.SENSITIVE.add(creds.secret)
    return creds


class CrossAccountTest(StsTestBase):

    def create_account(self, name):
        """`sigil admin account create` while the server runs; returns (account id, root
        Creds) once the server accepts the new root keys (within about a second)."""
        accounts_dir = os.path.join(self.server.data_dir, "accounts")
        before = set(os.listdir(accounts_dir)) if os.path.isdir(accounts_dir) else set()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
        res = subprocess.run([h.sigil_binary(), "admin", "account", "create", name,
                              "--data-dir", self.server.data_dir], capture_output=True,
                             text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stderr)
        new = sorted(set(os.listdir(accounts_dir)) - before)
        self.assertEqual(len(new), 1, new)
        account_id = new[0]
        self.assertRegex(account_id, h.ACCOUNT_RE)
        self.assertIn(account_id, res.stdout)
        root = read_root_credentials(os.path.join(accounts_dir, account_id, "root-credentials"))
        sts = self.client("sts", root)

        def identity():
            try:
                return sts.get_caller_identity()
            except h.botocore.exceptions.ClientError:
                return None

        who = self.wait_until(identity, timeout=5.0, interval=0.2,
                              what="the server to accept the new account's root keys")
        self.assertEqual(who["Arn"], f"arn:aws:iam::{account_id}:root")
        return account_id, root

    def test_assume_role_in_another_account_with_external_id(self):
        account_b, root_b = self.create_account("partner")
        self.assertNotEqual(account_b, self.account)
        iam_b = self.client("iam", root_b)
        self.create_role("partner_access",
                         trust(self.account_root(), condition={
                             "StringEquals": {"sts:ExternalId": "ext-4711"}}),
                         allow("iam:ListRoles"), iam=iam_b)
        role_b = self.role_arn("partner_access", account_b)

        user = self.user_with_policy("xacct", allow("sts:AssumeRole", role_b),
                                     allow("sts:GetAccessKeyInfo"))
        sts = self.client("sts", user)
        denied = self.denied(self.user_arn("xacct"), "sts:AssumeRole", role_b, "").rstrip()
        for label, extra in (("no external id", {}), ("wrong external id",
                                                      {"ExternalId": "ext-0000"})):
            with self.subTest(label):
                err = self.assertClientError("AccessDenied", 403, sts.assume_role,
                                             RoleArn=role_b, RoleSessionName="xs", **extra)
                self.assertTrue(err["Error"]["Message"].startswith(denied),
                                err["Error"]["Message"])
        self.aws_error("AccessDenied", "AssumeRole", denied, "sts", "assume-role",
                       "--role-arn", role_b, "--role-session-name", "xs", creds=user,
                       prefix=True)

        out = self.aws_ok("sts", "assume-role", "--role-arn", role_b, "--role-session-name",
                          "partner-session", "--external-id", "ext-4711", creds=user)
        session_arn = f"arn:aws:sts::{account_b}:assumed-role/partner_access/partner-session"
        self.assertEqual(out["AssumedRoleUser"]["Arn"], session_arn)
        session = creds_of(out["Credentials"])
        self.assertRegex(session.access_key, TEMP_KEY_RE)
        who = self.client("sts", session).get_caller_identity()
        self.assertEqual((who["Account"], who["Arn"]), (account_b, session_arn))
        # The session acts in account B, with the role's permissions.
        roles = self.client("iam", session).list_roles()["Roles"]
        self.assertEqual([r["Arn"] for r in roles], [role_b])
        err = self.assertClientError("AccessDenied", 403, self.client("iam", session).list_users)
        self.assertEqual(err["Error"]["Message"], self.denied(
            session_arn, "iam:ListUsers", f"arn:aws:iam::{account_b}:user/",
            "because no identity-based policy allows the iam:ListUsers action"))
        # GetAccessKeyInfo names the account that owns the key.
        self.assertEqual(sts.get_access_key_info(AccessKeyId=session.access_key)["Account"],
                         account_b)
        self.assertEqual(sts.get_access_key_info(AccessKeyId=user.access_key)["Account"],
                         self.account)
        self.assertEqual(sts.get_access_key_info(AccessKeyId=root_b.access_key)["Account"],
                         account_b)

        # Cross-account needs both sides: a user of A without sts:AssumeRole is refused even
        # though B's trust policy names A's root.
        bare = self.user_with_policy("xacct-bare")
        self.assertClientError("AccessDenied", 403, self.client("sts", bare).assume_role,
                               RoleArn=role_b, RoleSessionName="xs", ExternalId="ext-4711")


# ----------------------------------------------------------------------------------------------
# 5. Expired credentials: the server's clock moves forward


class ExpiryTest(StsTestBase):

    @classmethod
    def setUpClass(cls):
        cls.offset_dir = tempfile.mkdtemp(prefix="sigil-it-clock-")
        cls.offset_file = os.path.join(cls.offset_dir, "offset")
        # A larger allowed skew: the clients' signatures are 901 s behind the moved clock.
        cls.SERVER_ARGS = ("--clock-offset-file", cls.offset_file, "--max-skew", "3600")
        try:
            super().setUpClass()
        except BaseException:
            shutil.rmtree(cls.offset_dir, True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.offset_dir, True)

    def set_offset(self, seconds):
        tmp = self.offset_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{seconds}\n")
        os.replace(tmp, self.offset_file)
        self.addCleanup(self.reset_offset)

    def reset_offset(self):
        if os.path.exists(self.offset_file):
            os.remove(self.offset_file)

    def test_expired_session_is_rejected(self):
        user = self.user_with_policy("expiring", allow("*"))
        self.create_role("expiring_role", trust(self.account_root()), allow("iam:ListRoles"))
        session = creds_of(self.client("sts", user).get_session_token(
            DurationSeconds=900)["Credentials"])
        role = creds_of(self.client("sts", user).assume_role(
            RoleArn=self.role_arn("expiring_role"), RoleSessionName="rs",
            DurationSeconds=900)["Credentials"])
        self.assertEqual(self.client("sts", session).get_caller_identity()["Arn"],
                         self.user_arn("expiring"))
        self.set_offset(880)
        self.assertEqual(self.client("sts", session).get_caller_identity()["Arn"],
                         self.user_arn("expiring"))
        self.client("iam", role).list_roles()
        self.set_offset(901)
        for label, creds, call in (("session", session, lambda c: c.get_caller_identity()),
                                   ("role", role, lambda c: c.get_caller_identity())):
            with self.subTest(label):
                err = self.assertClientError("ExpiredToken", 403, call,
                                             self.client("sts", creds))
                self.assertEqual(err["Error"]["Message"], EXPIRED_TOKEN)
        err = self.assertClientError("ExpiredToken", 403, self.client("iam", role).list_roles)
        self.assertEqual(err["Error"]["Message"], EXPIRED_TOKEN)
        self.aws_error("ExpiredToken", "GetCallerIdentity", EXPIRED_TOKEN,
                       "sts", "get-caller-identity", creds=session)
        # Long-term keys are unaffected.
        self.assertEqual(self.client("sts", user).get_caller_identity()["Arn"],
                         self.user_arn("expiring"))


# ----------------------------------------------------------------------------------------------
# 6. Session tags, transitive tags, SourceIdentity, chaining


class SessionTagsTest(StsTestBase):

    def test_tags_transitive_tags_source_identity_and_chaining(self):
        tag_actions = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")
        self.create_role("tagged_first", trust(self.account_root(), tag_actions),
                         allow("iam:ListUsers", condition={
                             "StringEquals": {"aws:PrincipalTag/team": "blue"}}),
                         allow("iam:ListGroups", condition={
                             "StringEquals": {"aws:PrincipalTag/project": "apollo"}}),
                         allow("sts:AssumeRole"),
                         MaxSessionDuration=7200)
        self.create_role("tagged_second", trust(self.role_arn("tagged_first"), tag_actions),
                         allow("iam:ListUsers", condition={
                             "StringEquals": {"aws:PrincipalTag/team": "blue"}}),
                         allow("iam:ListGroups", condition={
                             "StringEquals": {"aws:PrincipalTag/project": "apollo"}}),
                         MaxSessionDuration=7200)
        self.create_role("untaggable", trust(self.account_root()), allow("*"))
        user = self.user_with_policy("tagger", allow("sts:*"))
        sts = self.client("sts", user)

        first = sts.assume_role(RoleArn=self.role_arn("tagged_first"), RoleSessionName="one",
                                Tags=[{"Key": "team", "Value": "blue"},
                                      {"Key": "project", "Value": "apollo"}],
                                TransitiveTagKeys=["team"], SourceIdentity="alice@example.com")
        self.assertEqual(first["SourceIdentity"], "alice@example.com")
        self.assertIsInstance(first["PackedPolicySize"], int)
        self.assertGreater(first["PackedPolicySize"], 0)
        self.assertLessEqual(first["PackedPolicySize"], 100)
        one = creds_of(first["Credentials"])
        iam_one = self.client("iam", one)
        iam_one.list_users()
        iam_one.list_groups()

        # Chained: the transitive tag and the source identity carry over, the other tag not.
        second = self.client("sts", one).assume_role(RoleArn=self.role_arn("tagged_second"),
                                                     RoleSessionName="two")
        self.assertEqual(second["SourceIdentity"], "alice@example.com")
        two = creds_of(second["Credentials"])
        self.assertEqual(second["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/tagged_second/two")
        iam_two = self.client("iam", two)
        iam_two.list_users()
        err = self.assertClientError("AccessDenied", 403, iam_two.list_groups)
        self.assertEqual(err["Error"]["Message"], self.denied(
            second["AssumedRoleUser"]["Arn"], "iam:ListGroups",
            f"arn:aws:iam::{self.account}:group/",
            "because no identity-based policy allows the iam:ListGroups action"))

        # Role chaining is capped at one hour even when the role allows two.
        err = self.assertClientError("ValidationError", 400,
                                     self.client("sts", one).assume_role,
                                     RoleArn=self.role_arn("tagged_second"),
                                     RoleSessionName="long", DurationSeconds=7200)
        self.assertEqual(err["Error"]["Message"], CHAINING_LIMIT)
        # Not so for the user's own call.
        long = sts.assume_role(RoleArn=self.role_arn("tagged_first"), RoleSessionName="long",
                               DurationSeconds=7200)
        creds_of(long["Credentials"])
        self.assertAlmostEqual(seconds_until(long["Credentials"]["Expiration"]), 7200, delta=15)
        self.assertNotIn("SourceIdentity", long)
        self.assertNotIn("PackedPolicySize", long)
        # The untagged session cannot list users (no team tag).
        self.assertClientError("AccessDenied", 403,
                               self.client("iam", creds_of(long["Credentials"])).list_users)

        # Tags need sts:TagSession in the trust policy.
        err = self.assertClientError("AccessDenied", 403, sts.assume_role,
                                     RoleArn=self.role_arn("untaggable"), RoleSessionName="tt",
                                     Tags=[{"Key": "team", "Value": "blue"}])
        self.assertIn("sts:TagSession", err["Error"]["Message"])

    def test_session_policy_reports_packed_size_and_narrows(self):
        self.create_role("broad", trust(self.account_root()), allow("*"))
        user = self.user_with_policy("narrower", allow("sts:AssumeRole"))
        out = self.client("sts", user).assume_role(
            RoleArn=self.role_arn("broad"), RoleSessionName="narrow",
            Policy=doc(allow("iam:ListRoles")))
        self.assertIsInstance(out["PackedPolicySize"], int)
        self.assertGreater(out["PackedPolicySize"], 0)
        iam = self.client("iam", creds_of(out["Credentials"]))
        iam.list_roles()
        err = self.assertClientError("AccessDenied", 403, iam.list_users)
        self.assertEqual(err["Error"]["Message"], self.denied(
            f"arn:aws:sts::{self.account}:assumed-role/broad/narrow", "iam:ListUsers",
            f"arn:aws:iam::{self.account}:user/",
            "because no session policy allows the iam:ListUsers action"))


# ----------------------------------------------------------------------------------------------
# 7. GetFederationToken


class FederationTest(StsTestBase):

    def test_federation_token_with_a_session_policy(self):
        user = self.user_with_policy("broker", allow(["sts:GetFederationToken", "iam:*"]))
        out = self.aws_ok("sts", "get-federation-token", "--name", "app-user", "--policy",
                          doc(allow("iam:ListRoles")), "--duration-seconds", "1800", creds=user)
        self.assertEqual(out["FederatedUser"],
                         {"FederatedUserId": f"{self.account}:app-user",
                          "Arn": f"arn:aws:sts::{self.account}:federated-user/app-user"})
        self.assertIsInstance(out["PackedPolicySize"], int)
        self.assertAlmostEqual(seconds_until(out["Credentials"]["Expiration"]), 1800, delta=15)
        fed = creds_of(out["Credentials"])
        self.assertRegex(fed.access_key, TEMP_KEY_RE)

        who = self.aws_ok("sts", "get-caller-identity", creds=fed)
        self.assertEqual(who, {"UserId": f"{self.account}:app-user", "Account": self.account,
                               "Arn": f"arn:aws:sts::{self.account}:federated-user/app-user"})
        # Federated users never reach IAM, whatever the session policy allows; of STS they
        # may call GetCallerIdentity only.
        self.aws_error("InvalidClientTokenId", "ListRoles", INVALID_TOKEN, "iam", "list-roles",
                       creds=fed)
        err = self.assertClientError("InvalidClientTokenId", 403,
                                     self.client("iam", fed).list_roles)
        self.assertEqual(err["Error"]["Message"], INVALID_TOKEN)
        fed_sts = self.client("sts", fed)
        for name, call in (("AssumeRole", lambda: fed_sts.assume_role(
                               RoleArn=self.role_arn("any"), RoleSessionName="ss")),
                           ("GetSessionToken", fed_sts.get_session_token),
                           ("GetFederationToken",
                            lambda: fed_sts.get_federation_token(Name="again"))):
            with self.subTest(operation=name):
                err = self.assertClientError("AccessDenied", 403, call)
                self.assertEqual(err["Error"]["Message"],
                                 f"Cannot call {name} with session credentials")

        # The default duration is 12 hours; no permission, no token; a bad policy is refused.
        default = self.client("sts", user).get_federation_token(Name="defaulted")
        creds_of(default["Credentials"])
        self.assertAlmostEqual(seconds_until(default["Credentials"]["Expiration"]), 43200,
                               delta=15)
        self.assertNotIn("PackedPolicySize", default)
        plain = self.user_with_policy("no-federation", allow("iam:*"))
        err = self.assertClientError("AccessDenied", 403,
                                     self.client("sts", plain).get_federation_token, Name="xx")
        self.assertEqual(err["Error"]["Message"], self.denied(
            self.user_arn("no-federation"), "sts:GetFederationToken",
            f"arn:aws:sts::{self.account}:federated-user/xx",
            "because no identity-based policy allows the sts:GetFederationToken action"))
        self.assertClientError("MalformedPolicyDocument", 400,
                               self.client("sts", user).get_federation_token, Name="bad",
                               Policy='{"Version":')


# ----------------------------------------------------------------------------------------------
# 8. Revoking older role sessions


class RevokeSessionsTest(StsTestBase):

    def test_revoke_older_sessions(self):
        self.create_role("ops", trust(self.account_root()), allow("iam:ListUsers"))
        user = self.user_with_policy("operator", allow("sts:AssumeRole"))
        sts = self.client("sts", user)
        old = creds_of(sts.assume_role(RoleArn=self.role_arn("ops"),
                                       RoleSessionName="before")["Credentials"])
        self.client("iam", old).list_users()
        # The revocation time is "now", a whole second after the old session was issued.
        time.sleep(1.05 - time.time() % 1)
        revoke_time = h.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.iam.put_role_policy(RoleName="ops", PolicyName="AWSRevokeOlderSessions",
                                 PolicyDocument=doc({
                                     "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                                     "Condition": {"DateLessThan": {
                                         "aws:TokenIssueTime": revoke_time}}}))
        err = self.assertClientError("AccessDenied", 403, self.client("iam", old).list_users)
        self.assertEqual(err["Error"]["Message"], self.denied(
            f"arn:aws:sts::{self.account}:assumed-role/ops/before", "iam:ListUsers",
            f"arn:aws:iam::{self.account}:user/", EXPLICIT_DENY))
        # GetCallerIdentity still answers, as in AWS.
        self.assertEqual(self.client("sts", old).get_caller_identity()["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/ops/before")
        new = creds_of(sts.assume_role(RoleArn=self.role_arn("ops"),
                                       RoleSessionName="after")["Credentials"])
        self.assertIn("operator", [u["UserName"] for u in
                                   self.client("iam", new).list_users()["Users"]])


if __name__ == "__main__":
    unittest.main()
