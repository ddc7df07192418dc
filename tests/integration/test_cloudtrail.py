"""The audit trail read back through AWS's own APIs: `aws cloudtrail lookup-events` (the JSON
protocol, with each CLI on this machine and boto3) finds the CLI's IAM calls with CloudTrail's
fields, honours its time range, attribute filters and pagination (MaxResults and sealed
NextTokens), refuses bad input with CloudTrail's exceptions, and denies a user without
cloudtrail:LookupEvents; and IAM's Generate/GetServiceLastAccessedDetails report when a user
last used IAM and STS (per service and per action)."""

import configparser
import datetime
import json
import re
import shutil
import subprocess
import tempfile
import unittest

import sigil_harness as h

LOOKUP_TIMEOUT = 10.0  # the audit writer appends within a moment; records are polled for


def cli_time(value):
    """A timestamp as a CLI prints it: ISO 8601 (CLI v2), or epoch seconds (CLI v1's default)."""
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return datetime.datetime.fromisoformat(value)


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


def allow(*actions):
    return compact({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


class CloudTrailTest(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        cls.cloudtrail = cls.server.client("cloudtrail")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)
        super().tearDownClass()

    # -- helpers ------------------------------------------------------------------------------

    def aws(self, cli, *args, creds=None):
        env = {"AWS_SHARED_CREDENTIALS_FILE": self.server.credentials_path}
        if creds is not None:
            env = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret}
        return cli.run(list(args), home=self.home, endpoint=self.server.url, env=env)

    def aws_json(self, cli, *args, creds=None):
        res = self.aws(cli, *args, "--output", "json", creds=creds)
        self.assertEqual(res.rc, 0, f"{cli.label}: aws {' '.join(args)} failed: {res.stderr}")
        return json.loads(res.stdout) if res.stdout.strip() else {}

    def lookup(self, **kwargs):
        return self.cloudtrail.lookup_events(**kwargs)

    def events_named(self, name, **kwargs):
        return self.lookup(LookupAttributes=[{"AttributeKey": "EventName",
                                              "AttributeValue": name}], **kwargs)["Events"]

    def wait_for_event(self, predicate, what, **lookup_kwargs):
        """Polls LookupEvents until an event satisfies `predicate`; returns it."""
        def found():
            for event in self.lookup(**lookup_kwargs)["Events"]:
                if predicate(event):
                    return event
            return None
        return self.wait_until(found, timeout=LOOKUP_TIMEOUT, what=what)

    def user_with_key(self, name, *actions):
        user, creds = self.create_user_with_key(name)
        if actions:
            self.iam.put_user_policy(UserName=name, PolicyName="allow",
                                     PolicyDocument=allow(*actions))
        return user, creds

    # -- LookupEvents -------------------------------------------------------------------------

    def test_cli_finds_its_own_iam_calls_with_cloudtrails_fields(self):
        for label, path in h.all_clis():
            cli = h.AwsCli(label, path)
            with self.subTest(cli=label):
                first, second = f"ct-{label}-first", f"ct-{label}-second"
                started = h.utcnow()
                for name in (first, second):
                    self.aws_json(cli, "iam", "create-user", "--user-name", name)
                args = ("cloudtrail", "lookup-events", "--lookup-attributes",
                        "AttributeKey=EventName,AttributeValue=CreateUser")

                def both_found():
                    events = self.aws_json(cli, *args)["Events"]
                    names = [e["Resources"][0]["ResourceName"] for e in events if e["Resources"]]
                    return events if first in names and second in names else None

                events = self.wait_until(both_found, timeout=LOOKUP_TIMEOUT,
                                         what="the CreateUser events")
                self.assertEqual({e["EventName"] for e in events}, {"CreateUser"})
                names = [e["Resources"][0]["ResourceName"] for e in events]
                # Newest first.
                self.assertLess(names.index(second), names.index(first))

                event = events[names.index(first)]
                self.assertEqual(event["EventSource"], "iam.amazonaws.com")
                self.assertEqual(event["ReadOnly"], "false")
                self.assertEqual(event["Username"], "root")
                self.assertEqual(event["AccessKeyId"], self.root.access_key)
                self.assertEqual(event["Resources"],
                                 [{"ResourceType": "AWS::IAM::User", "ResourceName": first}])
                when = cli_time(event["EventTime"])
                self.assertLessEqual(abs((when - started).total_seconds()), 60, event)

                record = json.loads(event["CloudTrailEvent"])
                self.assertEqual(record["eventVersion"], "1.11")
                self.assertEqual(record["eventID"], event["EventId"])
                self.assertEqual(record["eventName"], "CreateUser")
                self.assertEqual(record["eventSource"], "iam.amazonaws.com")
                self.assertEqual(record["requestParameters"], {"userName": first})
                self.assertEqual(record["recipientAccountId"], self.account)
                self.assertEqual(record["userIdentity"]["type"], "Root")
                self.assertEqual(record["userIdentity"]["accessKeyId"], self.root.access_key)
                self.assertTrue(record["userAgent"].startswith("aws-cli/"), record["userAgent"])
                self.assertEqual(record["readOnly"], False)

                # The CLI's --start-time/--end-time (ISO 8601) bound the events.
                second_event = events[names.index(second)]
                at = cli_time(second_event["EventTime"])
                window = self.aws_json(
                    cli, *args, "--start-time", at.isoformat(), "--end-time", at.isoformat())
                self.assertIn(second_event["EventId"], [e["EventId"] for e in window["Events"]])
                later = self.aws_json(
                    cli, *args, "--start-time", (at + datetime.timedelta(seconds=1)).isoformat(),
                    "--end-time", (at + datetime.timedelta(seconds=60)).isoformat())
                self.assertNotIn(second_event["EventId"], [e["EventId"] for e in later["Events"]])

    def test_time_range_bounds_are_inclusive(self):
        self.iam.create_user(UserName="ct-range")
        event = self.wait_for_event(
            lambda e: any(r["ResourceName"] == "ct-range" for r in e["Resources"]),
            "the ct-range event",
            LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "ct-range"}])
        at = event["EventTime"]
        second = datetime.timedelta(seconds=1)
        attrs = [{"AttributeKey": "EventId", "AttributeValue": event["EventId"]}]

        def ids(**kwargs):
            return [e["EventId"] for e in self.lookup(LookupAttributes=attrs, **kwargs)["Events"]]

        self.assertEqual(ids(StartTime=at, EndTime=at), [event["EventId"]])
        self.assertEqual(ids(StartTime=at - second, EndTime=at + second), [event["EventId"]])
        self.assertEqual(ids(EndTime=at - second), [])
        self.assertEqual(ids(StartTime=at + second, EndTime=at + 60 * second), [])
        self.assertEqual(ids(), [event["EventId"]])
        err = self.assertClientError("InvalidTimeRangeException", 400, self.lookup,
                                     StartTime=at + second, EndTime=at)
        self.assertEqual(err["Error"]["Message"], "The start time must not be after the end time.")

    def test_attribute_filters(self):
        user, creds = self.user_with_key("ct-filters", "iam:ListUsers")
        client = self.server.client("iam", creds)
        client.list_users()
        event = self.wait_for_event(
            lambda e: e["EventName"] == "ListUsers", "the user's ListUsers event",
            LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "ct-filters"}])
        self.assertEqual(event["Username"], "ct-filters")
        self.assertEqual(event["ReadOnly"], "true")
        self.assertEqual(event["AccessKeyId"], creds.access_key)
        self.assertEqual(json.loads(event["CloudTrailEvent"])["userIdentity"]["arn"], user["Arn"])
        for key, value in (("AccessKeyId", creds.access_key), ("EventId", event["EventId"]),
                           ("ReadOnly", "true"), ("EventSource", "iam.amazonaws.com"),
                           ("EventName", "ListUsers")):
            with self.subTest(key=key):
                found = self.lookup(LookupAttributes=[{"AttributeKey": key,
                                                       "AttributeValue": value}])["Events"]
                self.assertIn(event["EventId"], [e["EventId"] for e in found])
                for e in found:
                    self.assertEqual(e[key], value)
        self.assertEqual(self.lookup(LookupAttributes=[{"AttributeKey": "Username",
                                                        "AttributeValue": "nobody"}])["Events"],
                         [])
        # Resource filters see the resources CloudTrail derives from the request.
        self.iam.create_group(GroupName="ct-filters-group")
        group_event = self.wait_for_event(
            lambda e: e["EventName"] == "CreateGroup", "the CreateGroup event",
            LookupAttributes=[{"AttributeKey": "ResourceType",
                               "AttributeValue": "AWS::IAM::Group"}])
        self.assertEqual(group_event["Resources"],
                         [{"ResourceType": "AWS::IAM::Group", "ResourceName": "ct-filters-group"}])

    def test_pagination_with_max_results_and_next_token(self):
        names = [f"ct-page-{i}" for i in range(5)]
        for name in names:
            self.iam.create_user(UserName=name, Path="/ct-page/")
        attrs = [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
        self.wait_until(lambda: {r["ResourceName"] for e in self.events_named("CreateUser")
                                 for r in e["Resources"]} >= set(names),
                        timeout=LOOKUP_TIMEOUT, what="the five CreateUser events")
        everything = [e["EventId"] for e in self.events_named("CreateUser")]

        pages, token = [], None
        while True:
            kwargs = {"LookupAttributes": attrs, "MaxResults": 2}
            if token:
                kwargs["NextToken"] = token
            page = self.lookup(**kwargs)
            self.assertLessEqual(len(page["Events"]), 2)
            pages.append([e["EventId"] for e in page["Events"]])
            token = page.get("NextToken")
            if not token:
                break
            self.assertLess(len(pages), 50, "pagination does not end")
        # The pages partition the same newest-first list, without repeats or gaps (events
        # written meanwhile are newer than the first page and do not shift later ones).
        flat = [i for p in pages for i in p]
        self.assertEqual(flat, everything[:len(flat)])
        self.assertEqual(len(flat), len(everything))
        self.assertTrue(all(len(p) == 2 for p in pages[:-1]), pages)

        # The CLI: --max-results gives one page and its NextToken; --next-token resumes.
        cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        args = ("cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventName,AttributeValue=CreateUser", "--max-results", "2")
        first = self.aws_json(cli, *args)
        self.assertEqual([e["EventId"] for e in first["Events"]], everything[:2])
        second = self.aws_json(cli, *args, "--next-token", first["NextToken"])
        self.assertEqual([e["EventId"] for e in second["Events"]], everything[2:4])
        # --page-size pages through everything.
        paged = self.aws_json(cli, "cloudtrail", "lookup-events", "--lookup-attributes",
                              "AttributeKey=EventName,AttributeValue=CreateUser",
                              "--page-size", "2")
        self.assertEqual([e["EventId"] for e in paged["Events"]][:len(everything)], everything)

        # A token only resumes the lookup it was issued for.
        self.assertClientError("InvalidNextTokenException", 400, self.lookup,
                               LookupAttributes=[{"AttributeKey": "EventName",
                                                  "AttributeValue": "DeleteUser"}],
                               NextToken=first["NextToken"])
        forged = first["NextToken"][:-8] + ("A" * 8 if not first["NextToken"].endswith("A" * 8)
                                            else "B" * 8)
        self.assertClientError("InvalidNextTokenException", 400, self.lookup,
                               LookupAttributes=attrs, NextToken=forged)

    def test_invalid_input_gets_cloudtrails_exceptions(self):
        attr = {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}
        self.assertClientError("InvalidLookupAttributesException", 400, self.lookup,
                               LookupAttributes=[attr, attr])
        err = self.assertClientError("InvalidMaxResultsException", 400, self.lookup,
                                     MaxResults=51)
        self.assertEqual(err["Error"]["Message"], "MaxResults must be between 1 and 50; it was 51.")
        self.assertClientError("InvalidEventCategoryException", 400, self.lookup,
                               EventCategory="management")
        # Sigil records no Insights events.
        self.assertEqual(self.lookup(EventCategory="insight")["Events"], [])

    def test_denied_without_permission_and_unknown_keys(self):
        _, creds = self.user_with_key("ct-nobody")
        cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        res = self.aws(cli, "cloudtrail", "lookup-events", creds=creds)
        self.assertEqual(res.rc, cli.service_error_rc, res.stderr)
        # (Newer CLIs add "(reached max retries: 0)" after the operation name.)
        self.assertRegex(res.stderr, r"An error occurred \(AccessDeniedException\) when calling "
                         r"the LookupEvents operation(?: \(reached max retries: \d+\))?: User: arn:aws:iam::" + self.account +
                         r":user/ct-nobody is not authorized to perform: cloudtrail:LookupEvents")
        denied = self.server.client("cloudtrail", creds)
        self.assertClientError("AccessDeniedException", 400, denied.lookup_events)
        # With the permission (and only it), the same user may look up.
        self.iam.put_user_policy(UserName="ct-nobody", PolicyName="lookup",
                                 PolicyDocument=allow("cloudtrail:LookupEvents"))
        self.assertIn("Events", denied.lookup_events(MaxResults=1))
        # The denial itself is in the trail.
        event = self.wait_for_event(
            lambda e: json.loads(e["CloudTrailEvent"]).get("errorCode") == "AccessDeniedException",
            "the denied LookupEvents",
            LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "ct-nobody"}])
        self.assertEqual(event["EventName"], "LookupEvents")
        self.assertEqual(event["EventSource"], "cloudtrail.amazonaws.com")

        stranger = self.server.client("cloudtrail",
                                      h.Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40))
        err = self.assertClientError("UnrecognizedClientException", 400, stranger.lookup_events)
        self.assertEqual(err["Error"]["Message"],
                         "The security token included in the request is invalid.")

    def test_only_the_callers_account_is_visible(self):
        res = subprocess.run([h.sigil_binary(), "admin", "account", "create", "ct-other",
                                "--data-dir", self.server.data_dir],
                               capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stderr)
        path = re.search(r"^root credentials:\s+(\S+)", res.stdout, re.M).group(1)
        parser = configparser.ConfigParser()
        parser.read(path)
        other = h.Creds(parser["default"]["aws_access_key_id"].strip(),
                        parser["default"]["aws_secret_access_key"].strip())
        h.SENSITIVE.add(other.secret)
        other_iam = self.server.client("iam", other)
        other_trail = self.server.client("cloudtrail", other)

        def created():  # a running server learns of the new account within about a second
            try:
                other_iam.create_user(UserName="ct-other-user")
                return True
            except h.botocore.exceptions.ClientError as e:
                if e.response["Error"]["Code"] != "InvalidClientTokenId":
                    raise
                return False

        self.wait_until(created, timeout=5, what="the new account's keys")
        self.iam.create_user(UserName="ct-mine")
        by_name = [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]

        def names(client):
            return {r["ResourceName"] for e in client.lookup_events(LookupAttributes=by_name)[
                "Events"] for r in e["Resources"]}

        self.wait_until(lambda: "ct-other-user" in names(other_trail), timeout=LOOKUP_TIMEOUT,
                        what="the other account's event")
        self.wait_until(lambda: "ct-mine" in names(self.cloudtrail), timeout=LOOKUP_TIMEOUT,
                        what="this account's event")
        self.assertNotIn("ct-mine", names(other_trail))
        self.assertNotIn("ct-other-user", names(self.cloudtrail))
        recipients = {json.loads(e["CloudTrailEvent"])["recipientAccountId"]
                      for e in other_trail.lookup_events()["Events"]}
        self.assertEqual(len(recipients), 1, recipients)
        self.assertNotIn(self.account, recipients)

    # -- Service last accessed ----------------------------------------------------------------

    def test_service_last_accessed_after_use(self):
        user, creds = self.user_with_key("ct-advisor", "iam:List*", "sts:GetCallerIdentity")
        iam_as_user = self.server.client("iam", creds)
        sts_as_user = self.server.client("sts", creds)
        iam_as_user.list_users()
        sts_as_user.get_caller_identity()

        def report(granularity):
            job = self.iam.generate_service_last_accessed_details(Arn=user["Arn"],
                                                                  Granularity=granularity)
            self.assertRegex(job["JobId"], r"^[0-9a-f-]{36}$")
            details = self.iam.get_service_last_accessed_details(JobId=job["JobId"])
            return details

        def used_both():
            details = report("SERVICE_LEVEL")
            by_ns = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
            ok = all("LastAuthenticated" in by_ns.get(ns, {}) for ns in ("iam", "sts"))
            return details if ok else None

        details = self.wait_until(used_both, timeout=LOOKUP_TIMEOUT,
                                  what="IAM and STS to show as used")
        self.assertEqual(details["JobStatus"], "COMPLETED")
        self.assertEqual(details["JobType"], "SERVICE_LEVEL")
        self.assertLessEqual(details["JobCreationDate"], details["JobCompletionDate"])
        self.assertFalse(details["IsTruncated"])
        by_ns = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
        # Only what the policies allow.
        self.assertEqual(set(by_ns), {"iam", "sts"})
        self.assertEqual(by_ns["iam"]["ServiceName"], "AWS Identity and Access Management")
        self.assertEqual(by_ns["sts"]["ServiceName"], "AWS Security Token Service")
        for ns in ("iam", "sts"):
            self.assertEqual(by_ns[ns]["LastAuthenticatedEntity"], user["Arn"])
            self.assertEqual(by_ns[ns]["LastAuthenticatedRegion"], h.REGION)
            self.assertEqual(by_ns[ns]["TotalAuthenticatedEntities"], 1)
            self.assertLessEqual(abs((by_ns[ns]["LastAuthenticated"] - h.utcnow())
                                     .total_seconds()), 120)
            self.assertNotIn("TrackedActionsLastAccessed", by_ns[ns])

        actions = report("ACTION_LEVEL")
        self.assertEqual(actions["JobType"], "ACTION_LEVEL")
        tracked = {s["ServiceNamespace"]: {a["ActionName"]: a
                                           for a in s["TrackedActionsLastAccessed"]}
                   for s in actions["ServicesLastAccessed"]}
        self.assertEqual(tracked["iam"]["ListUsers"]["LastAccessedEntity"], user["Arn"])
        self.assertIn("LastAccessedTime", tracked["iam"]["ListUsers"])
        self.assertNotIn("LastAccessedTime", tracked["iam"]["ListGroups"])  # allowed, unused
        self.assertNotIn("CreateUser", tracked["iam"])  # not allowed, never used
        self.assertEqual(set(tracked["sts"]), {"GetCallerIdentity"})
        self.assertEqual(tracked["sts"]["GetCallerIdentity"]["LastAccessedRegion"], h.REGION)

        # Pages.
        job = self.iam.generate_service_last_accessed_details(Arn=user["Arn"])["JobId"]
        first = self.iam.get_service_last_accessed_details(JobId=job, MaxItems=1)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual([s["ServiceNamespace"] for s in first["ServicesLastAccessed"]], ["iam"])
        rest = self.iam.get_service_last_accessed_details(JobId=job, Marker=first["Marker"])
        self.assertEqual([s["ServiceNamespace"] for s in rest["ServicesLastAccessed"]], ["sts"])
        self.assertFalse(rest["IsTruncated"])

    def test_service_last_accessed_with_the_cli_and_errors(self):
        cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        self.iam.create_group(GroupName="ct-advisor-group")
        self.iam.put_group_policy(GroupName="ct-advisor-group", PolicyName="p",
                                  PolicyDocument=allow("sts:*"))
        arn = f"arn:aws:iam::{self.account}:group/ct-advisor-group"
        job = self.aws_json(cli, "iam", "generate-service-last-accessed-details", "--arn", arn)
        details = self.aws_json(cli, "iam", "get-service-last-accessed-details", "--job-id",
                                job["JobId"])
        self.assertEqual(details["JobStatus"], "COMPLETED")
        self.assertEqual([(s["ServiceNamespace"], s["TotalAuthenticatedEntities"])
                          for s in details["ServicesLastAccessed"]], [("sts", 0)])

        self.assertClientError("NoSuchEntity", 404,
                               self.iam.generate_service_last_accessed_details,
                               Arn=f"arn:aws:iam::{self.account}:user/ct-nobody-here")
        self.assertClientError("InvalidInput", 400,
                               self.iam.generate_service_last_accessed_details,
                               Arn="not-an-arn-but-long-enough")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_service_last_accessed_details,
                               JobId="00000000-0000-4000-8000-000000000000")
        # Authorized like any IAM action.
        _, creds = self.user_with_key("ct-advisor-denied")
        self.assertClientError("AccessDenied", 403,
                               self.server.client("iam", creds)
                               .generate_service_last_accessed_details, Arn=arn)


if __name__ == "__main__":
    unittest.main()
