"""EC2's control-plane subset end to end, with the AWS CLIs and boto3 against a real server.

Sigil starts no virtual machines: instances are records with a real lifecycle (pending becomes
running after a few seconds, stopping becomes stopped, shutting-down becomes terminated, and a
terminated instance stays listed for an hour). Covered: `aws ec2 describe-regions --output table`,
zones, key pairs whose private key `ssh-keygen -y` accepts and whose fingerprints are computed as
EC2 documents, imported keys, security groups and rules, the instance lifecycle with the boto3
`instance_running`/`instance_stopped` waiters, filters and pagination, tags, `--dry-run`, EC2's
error codes, tag-based access control (a user may stop only instances tagged with their own
Team) with UnauthorizedOperation's encoded message decoded by `aws sts
decode-authorization-message`, and persistence across a restart."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import botocore.exceptions
import sigil_harness as h
from test_sts import allow, doc

IMAGE = "ami-0a1b2c3d4e5f60001"  # Amazon Linux 2023 in Sigil's catalogue
INSTANCE_RE = re.compile(r"^i-[0-9a-f]{17}$")
DRY_RUN = "Request would have succeeded, but DryRun flag is set."
UNAUTHORIZED_PREFIX = ("You are not authorized to perform this operation. Encoded authorization "
                       "failure message: ")
WAIT = {"Delay": 1, "MaxAttempts": 30}


class Ec2Test(h.ServerTestCase):
    SERVER_ARGS = ("--ec2-regions", "us-east-1,eu-west-1,us-west-2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        cls.ec2 = cls.server.client("ec2")
        cls.clis = [h.AwsCli(label, path) for label, path in h.all_clis()]

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

    def assertCliError(self, cli, res, code, message=None):
        self.assertEqual(res.rc, cli.service_error_rc, f"{cli.label}: {res.stderr}")
        found = re.search(r"An error occurred \(([\w.]+)\)", res.stderr)
        self.assertEqual(found and found.group(1), code, f"{cli.label}: {res.stderr}")
        if message is not None:
            self.assertIn(message, res.stderr)

    def run_instances(self, count=1, tags=None, client=None, **kwargs):
        spec = []
        if tags:
            spec = [{"ResourceType": "instance",
                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
        return (client or self.ec2).run_instances(
            ImageId=IMAGE, InstanceType="t3.micro", MinCount=count, MaxCount=count,
            TagSpecifications=spec, **kwargs)["Instances"]

    def state_of(self, instance_id):
        reservations = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        return reservations[0]["Instances"][0]["State"]

    def user_with_policy(self, name, policy, tags=None):
        _, creds = self.create_user_with_key(name, Tags=tags or [])
        self.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
        return creds

    # -- regions and zones --------------------------------------------------------------------

    def test_describe_regions_renders_as_a_table_with_every_cli(self):
        for cli in self.clis:
            with self.subTest(cli=cli.label):
                res = self.aws(cli, "ec2", "describe-regions", "--output", "table")
                self.assertEqual(res.rc, 0, res.stderr)
                self.assertIn("DescribeRegions", res.stdout)
                self.assertIn("ec2.eu-west-1.amazonaws.com", res.stdout)
                self.assertIn("opt-in-not-required", res.stdout)
                names = self.aws_json(cli, "ec2", "describe-regions", "--query",
                                      "Regions[].RegionName")
                self.assertEqual(names, ["us-east-1", "eu-west-1", "us-west-2"])

    def test_describe_regions_all_regions_names_and_filters(self):
        regions = self.ec2.describe_regions(AllRegions=True)["Regions"]
        by_name = {r["RegionName"]: r for r in regions}
        self.assertEqual(by_name["us-east-1"]["OptInStatus"], "opt-in-not-required")
        self.assertEqual(by_name["af-south-1"]["OptInStatus"], "not-opted-in")
        filtered = self.ec2.describe_regions(
            AllRegions=True, Filters=[{"Name": "opt-in-status", "Values": ["not-opted-in"]},
                                      {"Name": "region-name", "Values": ["eu-*"]}])["Regions"]
        self.assertTrue(filtered)
        self.assertTrue(all(r["RegionName"].startswith("eu-") for r in filtered))
        self.assertNotIn("eu-west-1", [r["RegionName"] for r in filtered])
        named = self.ec2.describe_regions(RegionNames=["us-west-2"])["Regions"]
        self.assertEqual([r["Endpoint"] for r in named], ["ec2.us-west-2.amazonaws.com"])
        err = self.assertClientError("InvalidParameterValue", 400, self.ec2.describe_regions,
                                     Filters=[{"Name": "colour", "Values": ["blue"]}])
        self.assertEqual(err["Error"]["Message"], "The filter 'colour' is invalid")

    def test_availability_zones_of_the_signed_region(self):
        zones = self.ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], ["us-east-1a", "us-east-1b", "us-east-1c"])
        self.assertEqual(zones[0]["ZoneId"], "use1-az1")
        self.assertEqual(zones[0]["State"], "available")
        west = h.boto3.session.Session(
            aws_access_key_id=self.root.access_key, aws_secret_access_key=self.root.secret,
            region_name="eu-west-1").client("ec2", endpoint_url=self.server.url)
        self.assertEqual(west.describe_availability_zones(
            Filters=[{"Name": "zone-name", "Values": ["*b"]}])["AvailabilityZones"][0]["ZoneId"],
            "euw1-az2")

    # -- key pairs ----------------------------------------------------------------------------

    def test_created_key_pairs_work_with_ssh_keygen_and_have_ec2_fingerprints(self):
        cli = self.clis[0]
        for key_type in ("rsa", "ed25519"):
            with self.subTest(key_type=key_type):
                name = f"cli-{key_type}"
                created = self.aws_json(cli, "ec2", "create-key-pair", "--key-name", name,
                                        "--key-type", key_type)
                self.assertRegex(created["KeyPairId"], r"^key-[0-9a-f]{17}$")
                path = os.path.join(self.home, name + ".pem")
                with open(path, "w") as f:
                    f.write(created["KeyMaterial"])
                os.chmod(path, 0o600)
                out = subprocess.run(["ssh-keygen", "-y", "-f", path], capture_output=True,
                                     text=True, timeout=30)
                self.assertEqual(out.returncode, 0, out.stderr)
                described = self.ec2.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)
                info = described["KeyPairs"][0]
                self.assertEqual(info["KeyType"], key_type)
                self.assertEqual(info["KeyFingerprint"], created["KeyFingerprint"])
                self.assertEqual(out.stdout.split()[:2], info["PublicKey"].split()[:2])
                self.assertNotIn("KeyMaterial", info)
                if key_type == "rsa":
                    # EC2: SHA-1 of the PKCS#8 DER private key.
                    der = subprocess.run(["openssl", "pkcs8", "-in", path, "-inform", "PEM",
                                          "-outform", "DER", "-topk8", "-nocrypt"],
                                         capture_output=True, timeout=30).stdout
                    sha1 = subprocess.run(["openssl", "sha1", "-c"], input=der,
                                          capture_output=True, timeout=30).stdout.decode()
                    self.assertEqual(sha1.split("= ")[1].strip(), created["KeyFingerprint"])
                else:
                    fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", path],
                                        capture_output=True, text=True, timeout=30).stdout
                    self.assertEqual("SHA256:" + created["KeyFingerprint"].rstrip("="),
                                     fp.split()[1])
        ppk = self.ec2.create_key_pair(KeyName="putty", KeyFormat="ppk")["KeyMaterial"]
        self.assertTrue(ppk.startswith("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\n"
                                       "Comment: putty\n"), ppk[:80])
        res = self.aws(cli, "ec2", "create-key-pair", "--key-name", "cli-rsa")
        self.assertCliError(cli, res, "InvalidKeyPair.Duplicate",
                            "The keypair 'cli-rsa' already exists")
        # The private key is returned once: neither the database nor the audit trail keeps it.
        secret_line = created["KeyMaterial"].splitlines()[2]
        audit_dir = os.path.join(self.server.data_dir, "audit")

        def audit_text():
            text = ""
            for root, _, files in os.walk(audit_dir):
                for name in files:
                    with open(os.path.join(root, name), errors="replace") as f:
                        text += f.read()
            return text
        self.wait_until(lambda: created["KeyPairId"] in audit_text(), what="the audit record")
        for root, _, files in os.walk(self.server.data_dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(secret_line.encode(), f.read(), name)

    def test_imported_keys_and_deletion(self):
        tmp = tempfile.mkdtemp(prefix="sigil-it-keys-")
        self.addCleanup(shutil.rmtree, tmp, True)
        key = os.path.join(tmp, "id_rsa")
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-m", "PEM",
                        "-f", key], check=True, timeout=60)
        cli = self.clis[0]
        imported = self.aws_json(cli, "ec2", "import-key-pair", "--key-name", "imported",
                                 "--public-key-material", f"fileb://{key}.pub")
        der = subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-outform", "DER"],
                             capture_output=True, timeout=30).stdout
        md5 = subprocess.run(["openssl", "md5", "-c"], input=der, capture_output=True,
                             timeout=30).stdout.decode()
        self.assertEqual(imported["KeyFingerprint"], md5.split("= ")[1].strip())
        self.assertClientError("InvalidKey.Format", 400, self.ec2.import_key_pair,
                               KeyName="bad", PublicKeyMaterial=b"not a key")
        self.assertClientError("InvalidKeyPair.NotFound", 400, self.ec2.describe_key_pairs,
                               KeyNames=["nope"])
        filtered = self.ec2.describe_key_pairs(
            Filters=[{"Name": "key-name", "Values": ["imp*"]}])["KeyPairs"]
        self.assertEqual([k["KeyName"] for k in filtered], ["imported"])
        self.ec2.delete_key_pair(KeyName="imported")
        self.assertClientError("InvalidKeyPair.NotFound", 400, self.ec2.describe_key_pairs,
                               KeyNames=["imported"])
        self.ec2.delete_key_pair(KeyName="imported")  # deleting a missing name is not an error

    # -- security groups ----------------------------------------------------------------------

    def test_security_groups_rules_and_the_default_group(self):
        groups = self.ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
        default = groups[0]
        self.assertEqual(default["Description"], "default VPC security group")
        self.assertEqual(default["IpPermissionsEgress"][0]["IpRanges"],
                         [{"CidrIp": "0.0.0.0/0"}])
        self.assertEqual(default["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"],
                         default["GroupId"])
        vpcs = self.ec2.describe_vpcs()["Vpcs"]
        self.assertEqual(vpcs[0]["VpcId"], default["VpcId"])
        self.assertTrue(vpcs[0]["IsDefault"])

        group_id = self.ec2.create_security_group(GroupName="web", Description="web servers")[
            "GroupId"]
        self.assertClientError("InvalidGroup.Duplicate", 400, self.ec2.create_security_group,
                               GroupName="web", Description="again")
        ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "office"}]}]
        added = self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ssh)
        self.assertTrue(added["Return"])
        self.assertRegex(added["SecurityGroupRules"][0]["SecurityGroupRuleId"], r"^sgr-")
        err = self.assertClientError("InvalidPermission.Duplicate", 400,
                                     self.ec2.authorize_security_group_ingress, GroupId=group_id,
                                     IpPermissions=ssh)
        self.assertEqual(err["Error"]["Message"],
                         'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, '
                         'ALLOW" already exists')
        self.assertClientError("InvalidParameterValue", 400,
                               self.ec2.authorize_security_group_ingress, GroupId=group_id,
                               IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                               "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}])
        described = self.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        self.assertEqual(described["IpPermissions"][0]["FromPort"], 22)
        self.assertEqual(described["IpPermissions"][0]["IpRanges"][0]["Description"], "office")
        self.ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=ssh)
        self.assertClientError("InvalidPermission.NotFound", 400,
                               self.ec2.revoke_security_group_ingress, GroupId=group_id,
                               IpPermissions=ssh)
        self.assertClientError("CannotDelete", 400, self.ec2.delete_security_group,
                               GroupId=default["GroupId"])
        self.ec2.delete_security_group(GroupId=group_id)
        err = self.assertClientError("InvalidGroup.NotFound", 400,
                                     self.ec2.describe_security_groups, GroupIds=[group_id])
        self.assertEqual(err["Error"]["Message"],
                         f"The security group '{group_id}' does not exist")

    # -- instances ----------------------------------------------------------------------------

    def test_instance_lifecycle_with_waiters(self):
        self.ec2.create_key_pair(KeyName="lifecycle")
        instances = self.run_instances(count=2, tags={"Name": "web"}, KeyName="lifecycle",
                                       UserData="IyEvYmluL3NoCmVjaG8gaGk=")
        ids = [i["InstanceId"] for i in instances]
        for i in instances:
            self.assertRegex(i["InstanceId"], INSTANCE_RE)
            self.assertEqual(i["State"], {"Code": 0, "Name": "pending"})
            self.assertEqual(i["KeyName"], "lifecycle")
            self.assertEqual(i["Placement"]["AvailabilityZone"], "us-east-1a")
            self.assertEqual(i["Tags"], [{"Key": "Name", "Value": "web"}])
        self.ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=WAIT)
        self.assertEqual(self.state_of(ids[0]), {"Code": 16, "Name": "running"})
        statuses = self.ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
        self.assertEqual([s["InstanceStatus"]["Status"] for s in statuses], ["ok", "ok"])

        stopping = self.ec2.stop_instances(InstanceIds=[ids[0]])["StoppingInstances"][0]
        self.assertEqual((stopping["PreviousState"]["Name"], stopping["CurrentState"]["Name"]),
                         ("running", "stopping"))
        self.ec2.get_waiter("instance_stopped").wait(InstanceIds=[ids[0]], WaiterConfig=WAIT)
        # Only running instances have a status unless all are asked for.
        self.assertEqual(len(self.ec2.describe_instance_status(
            InstanceIds=ids)["InstanceStatuses"]), 1)
        self.assertEqual(len(self.ec2.describe_instance_status(
            InstanceIds=ids, IncludeAllInstances=True)["InstanceStatuses"]), 2)
        starting = self.ec2.start_instances(InstanceIds=[ids[0]])["StartingInstances"][0]
        self.assertEqual(starting["CurrentState"], {"Code": 0, "Name": "pending"})
        self.ec2.get_waiter("instance_running").wait(InstanceIds=[ids[0]], WaiterConfig=WAIT)
        self.ec2.reboot_instances(InstanceIds=[ids[0]])

        terminating = self.ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
        self.assertEqual({t["CurrentState"]["Name"] for t in terminating}, {"shutting-down"})
        self.ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig=WAIT)
        err = self.assertClientError("IncorrectInstanceState", 400, self.ec2.start_instances,
                                     InstanceIds=[ids[0]])
        self.assertEqual(err["Error"]["Message"],
                         f"The instance '{ids[0]}' is not in a state from which it can be "
                         "started.")
        # Terminated instances stay listed for a while.
        self.assertEqual(self.state_of(ids[1]), {"Code": 48, "Name": "terminated"})

    def test_cli_lifecycle_filters_and_pagination(self):
        cli = self.clis[0]
        ran = self.aws_json(cli, "ec2", "run-instances", "--image-id", IMAGE, "--count", "7",
                            "--instance-type", "t3.nano", "--tag-specifications",
                            "ResourceType=instance,Tags=[{Key=Team,Value=paging}]")
        ids = sorted(i["InstanceId"] for i in ran["Instances"])
        found = self.aws_json(cli, "ec2", "describe-instances", "--filters",
                              "Name=tag:Team,Values=paging", "Name=instance-type,Values=t3.nano",
                              "--query", "Reservations[].Instances[].InstanceId")
        self.assertEqual(sorted(found), ids)
        self.assertEqual(self.aws_json(cli, "ec2", "describe-instances", "--filters",
                                       "Name=tag:Team,Values=pag*",
                                       "Name=instance-state-name,Values=stopped",
                                       "--query", "Reservations[].Instances[].InstanceId"), [])
        # boto3's paginator follows NextToken.
        pages = list(self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag:Team", "Values": ["paging"]}],
            PaginationConfig={"PageSize": 5}))
        self.assertEqual([sum(len(r["Instances"]) for r in p["Reservations"]) for p in pages],
                         [5, 2])
        self.assertIn("NextToken", pages[0])
        res = self.aws(cli, "ec2", "terminate-instances", "--instance-ids", ids[0])
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertIn("shutting-down", res.stdout)

    def test_errors_are_ec2s(self):
        missing = "i-0123456789abcdef0"
        err = self.assertClientError("InvalidInstanceID.NotFound", 400, self.ec2.stop_instances,
                                     InstanceIds=[missing])
        self.assertEqual(err["Error"]["Message"], f"The instance ID '{missing}' does not exist")
        self.assertClientError("InvalidInstanceID.Malformed", 400,
                               self.ec2.describe_instances, InstanceIds=["i-xyz"])
        self.assertClientError("InvalidAMIID.NotFound", 400, self.ec2.run_instances,
                               ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1)
        err = self.assertClientError("MissingParameter", 400, self.ec2.run_instances,
                                     MinCount=1, MaxCount=1)
        self.assertEqual(err["Error"]["Message"], "The request must contain the parameter ImageId")
        self.assertClientError("InvalidParameterValue", 400, self.ec2.run_instances,
                               ImageId=IMAGE, InstanceType="t9.enormous", MinCount=1, MaxCount=1)
        self.assertClientError("InvalidKeyPair.NotFound", 400, self.ec2.run_instances,
                               ImageId=IMAGE, KeyName="nope", MinCount=1, MaxCount=1)
        bogus = h.make_client(self.server.url, "ec2",
                              h.Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40))
        self.assertClientError("AuthFailure", 401, bogus.describe_regions)
        # The raw shape: <Response><Errors><Error> with RequestID.
        resp = h.botocore_signed_request(self.server.url, self.root,
                                         {"Action": "DescribeKeyPairs", "Version": "2016-11-15",
                                          "KeyName.1": "nope"}, service="ec2").send()
        self.assertEqual(resp.status, 400)
        self.assertIn(b"<Response><Errors><Error><Code>InvalidKeyPair.NotFound</Code>", resp.body)
        self.assertIn(b"<RequestID>", resp.body)

    def test_tags(self):
        [instance] = self.run_instances(tags={"env": "dev"})
        iid = instance["InstanceId"]
        self.ec2.create_tags(Resources=[iid], Tags=[{"Key": "owner", "Value": "me"},
                                                    {"Key": "env", "Value": "prod"}])
        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]
        self.assertEqual([(t["Key"], t["Value"], t["ResourceType"]) for t in tags],
                         [("env", "prod", "instance"), ("owner", "me", "instance")])
        self.ec2.delete_tags(Resources=[iid], Tags=[{"Key": "owner", "Value": "someone-else"}])
        self.ec2.delete_tags(Resources=[iid], Tags=[{"Key": "env"}])
        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]
        self.assertEqual([t["Key"] for t in tags], ["owner"])
        self.assertClientError("InvalidInstanceID.NotFound", 400, self.ec2.create_tags,
                               Resources=["i-0123456789abcdef0"],
                               Tags=[{"Key": "a", "Value": "b"}])
        self.assertClientError("InvalidParameterValue", 400, self.ec2.create_tags,
                               Resources=[iid], Tags=[{"Key": "aws:x", "Value": "b"}])

    # -- dry run and authorization ------------------------------------------------------------

    def test_dry_run(self):
        cli = self.clis[0]
        res = self.aws(cli, "ec2", "run-instances", "--image-id", IMAGE, "--dry-run")
        self.assertCliError(cli, res, "DryRunOperation", DRY_RUN)
        self.assertClientError("DryRunOperation", 412, self.ec2.describe_regions, DryRun=True)
        before = self.ec2.describe_instances(
            Filters=[{"Name": "tag:Team", "Values": ["dry"]}])["Reservations"]
        self.assertClientError("DryRunOperation", 412, self.run_instances, tags={"Team": "dry"},
                               DryRun=True)
        after = self.ec2.describe_instances(
            Filters=[{"Name": "tag:Team", "Values": ["dry"]}])["Reservations"]
        self.assertEqual(before, after)
        creds = self.user_with_policy("dry-nobody", doc(allow("iam:GetUser")))
        nobody = h.make_client(self.server.url, "ec2", creds)
        err = self.assertClientError("UnauthorizedOperation", 403, nobody.describe_regions,
                                     DryRun=True)
        self.assertTrue(err["Error"]["Message"].startswith(UNAUTHORIZED_PREFIX))
        res = self.aws(cli, "ec2", "describe-regions", "--dry-run", creds=creds)
        self.assertCliError(cli, res, "UnauthorizedOperation", UNAUTHORIZED_PREFIX)

    def test_abac_users_stop_only_their_teams_instances(self):
        policy = doc(
            allow(["ec2:Describe*", "sts:DecodeAuthorizationMessage"]),
            allow(["ec2:StopInstances", "ec2:StartInstances"],
                  "arn:aws:ec2:*:*:instance/*",
                  {"StringEquals": {"ec2:ResourceTag/Team": "${aws:PrincipalTag/Team}"}}))
        creds = self.user_with_policy("abac-alice", policy, tags=[{"Key": "Team", "Value": "blue"}])
        [blue] = self.run_instances(tags={"Team": "blue"})
        [red] = self.run_instances(tags={"Team": "red"})
        alice = h.make_client(self.server.url, "ec2", creds)
        self.ec2.get_waiter("instance_running").wait(
            InstanceIds=[blue["InstanceId"], red["InstanceId"]], WaiterConfig=WAIT)
        stopped = alice.stop_instances(InstanceIds=[blue["InstanceId"]])["StoppingInstances"]
        self.assertEqual(stopped[0]["CurrentState"]["Name"], "stopping")
        err = self.assertClientError("UnauthorizedOperation", 403, alice.stop_instances,
                                     InstanceIds=[red["InstanceId"]])
        message = err["Error"]["Message"]
        self.assertTrue(message.startswith(UNAUTHORIZED_PREFIX), message)
        encoded = message[len(UNAUTHORIZED_PREFIX):]
        self.assertEqual(self.state_of(red["InstanceId"])["Name"], "running")
        # Both instances in one call: the red one denies the whole call.
        self.assertClientError("UnauthorizedOperation", 403, alice.stop_instances,
                               InstanceIds=[blue["InstanceId"], red["InstanceId"]])

        cli = self.clis[0]
        decoded = self.aws_json(cli, "sts", "decode-authorization-message", "--encoded-message",
                                encoded, creds=creds)
        message = json.loads(decoded["DecodedMessage"])
        self.assertFalse(message["allowed"])
        self.assertEqual(message["context"]["action"], "ec2:StopInstances")
        self.assertEqual(message["context"]["resource"],
                         f"arn:aws:ec2:us-east-1:{self.account}:instance/{red['InstanceId']}")
        # Condition keys are case-insensitive; the message lists them in lower case.
        keys = {c["key"].lower(): [v["value"] for v in c["values"]["items"]]
                for c in message["context"]["conditions"]["items"]}
        self.assertEqual(keys["ec2:resourcetag/team"], ["red"])
        self.assertEqual(keys["aws:principaltag/team"], ["blue"])
        self.assertEqual(keys["ec2:instancetype"], ["t3.micro"])
        # The same denial through the CLI.
        res = self.aws(cli, "ec2", "stop-instances", "--instance-ids", red["InstanceId"],
                       creds=creds)
        self.assertCliError(cli, res, "UnauthorizedOperation", UNAUTHORIZED_PREFIX)
        res = self.aws(cli, "ec2", "stop-instances", "--instance-ids", blue["InstanceId"],
                       "--dry-run", creds=creds)
        self.assertCliError(cli, res, "DryRunOperation", DRY_RUN)

    def test_run_instances_authorizes_every_resource_it_uses(self):
        only_instances = doc(allow("ec2:RunInstances", "arn:aws:ec2:*:*:instance/*"),
                             allow("sts:DecodeAuthorizationMessage"))
        creds = self.user_with_policy("run-narrow", only_instances)
        narrow = h.make_client(self.server.url, "ec2", creds)
        err = self.assertClientError("UnauthorizedOperation", 403, self.run_instances,
                                     client=narrow)
        encoded = err["Error"]["Message"][len(UNAUTHORIZED_PREFIX):]
        sts = h.make_client(self.server.url, "sts", creds)
        decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded)[
            "DecodedMessage"])
        self.assertEqual(decoded["context"]["resource"], f"arn:aws:ec2:us-east-1::image/{IMAGE}")

        # Launching only the team's tagged t3 instances: tag-on-create needs ec2:CreateTags.
        team = doc(
            allow("ec2:RunInstances", "arn:aws:ec2:*:*:instance/*",
                  {"StringEquals": {"aws:RequestTag/Team": "blue",
                                    "ec2:InstanceType": "t3.micro"}}),
            allow("ec2:RunInstances", ["arn:aws:ec2:*::image/*", "arn:aws:ec2:*:*:subnet/*",
                                       "arn:aws:ec2:*:*:network-interface/*",
                                       "arn:aws:ec2:*:*:volume/*",
                                       "arn:aws:ec2:*:*:security-group/*"]),
            allow("ec2:CreateTags", "arn:aws:ec2:*:*:instance/*",
                  {"StringEquals": {"ec2:CreateAction": "RunInstances"}}))
        creds = self.user_with_policy("run-team", team)
        launcher = h.make_client(self.server.url, "ec2", creds)
        [ok] = self.run_instances(tags={"Team": "blue"}, client=launcher)
        self.assertEqual(ok["InstanceType"], "t3.micro")
        self.assertClientError("UnauthorizedOperation", 403, self.run_instances,
                               tags={"Team": "red"}, client=launcher)
        self.assertClientError("UnauthorizedOperation", 403, launcher.run_instances,
                               ImageId=IMAGE, InstanceType="m5.large", MinCount=1, MaxCount=1,
                               TagSpecifications=[{"ResourceType": "instance",
                                                   "Tags": [{"Key": "Team", "Value": "blue"}]}])

    # -- persistence --------------------------------------------------------------------------

    def test_zz_records_survive_a_restart(self):
        self.ec2.create_key_pair(KeyName="persist")
        [instance] = self.run_instances(tags={"keep": "yes"})
        self.server.restart()
        ec2 = self.server.client("ec2")
        self.assertEqual(ec2.describe_key_pairs(KeyNames=["persist"])["KeyPairs"][0]["KeyName"],
                         "persist")
        found = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"]
        self.assertEqual(found[0]["Instances"][0]["Tags"], [{"Key": "keep", "Value": "yes"}])
        type(self).ec2 = ec2
