"""S3 against a real server: the AWS CLIs (Debian's v2 and any newer botocore-based `aws`),
boto3 (multipart with threads, presigned URLs, flexible checksums sent as aws-chunked trailers),
and raw requests signed here for what no SDK sends: wrong payload hashes, tampered chunk
signatures and trailers, truncated bodies, expired URLs, 100-continue for a denied upload.
Authorization: identity policies, bucket policies (same-account allow from either side, explicit
deny from either wins), public access block and anonymous requests."""

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zlib
import base64

import botocore.config
import botocore.exceptions

import sigil_harness as h

DEBIAN_AWS = "/usr/bin/aws"
MIB = 1024 * 1024


def other_aws():
    """An `aws` on PATH other than Debian's (typically the botocore-based CLI v1), or None."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, "aws")
        if (os.path.isfile(candidate) and os.access(candidate, os.X_OK)
                and os.path.realpath(candidate) != os.path.realpath(DEBIAN_AWS)):
            return candidate
    return None


def s3_sign(url, creds, method, path, query=(), headers=(), payload_hash=h.EMPTY_SHA256,
            when=None, region=h.REGION):
    """Header-signed S3 request parts: returns (headers with Authorization, signature, amz_date).

    `path` is the raw (already URI-encoded) path, signed as sent, as S3 does.
    """
    when = when or h.utcnow()
    amz_date = when.strftime(h.AMZ_DATE_FORMAT)
    netloc = urllib.parse.urlsplit(url).netloc
    all_headers = [("Host", netloc), ("X-Amz-Date", amz_date),
                   ("X-Amz-Content-SHA256", payload_hash)] + list(headers)
    signed = sorted({k.lower() for k, _ in all_headers if k.lower() != "content-length"})
    signature, _, _ = h.signature_for(method, path, list(query), all_headers, signed,
                                      payload_hash, amz_date, creds, region, "s3")
    authorization = (f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{amz_date[:8]}/{region}/s3"
                     f"/aws4_request, SignedHeaders={';'.join(signed)}, Signature={signature}")
    return all_headers + [("Authorization", authorization)], signature, amz_date


def chunked_body(creds, amz_date, seed, chunks, region=h.REGION, tamper_chunk=None,
                 trailer=None):
    """An aws-chunked body signed chunk by chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER])."""
    key = h.signing_key(creds.secret, amz_date[:8], region, "s3")
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    previous = seed
    out = b""
    for index, data in enumerate(list(chunks) + [b""]):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous,
                             h.EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        previous = signature
        sent = signature
        if tamper_chunk == index:
            sent = ("0" if signature[0] != "0" else "1") + signature[1:]
        out += f"{len(data):x};chunk-signature={sent}\r\n".encode() + data
        if data or trailer is None:
            out += b"\r\n"
    if trailer is not None:
        canonical = "".join(f"{k}:{v}\n" for k, v in trailer)
        to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        trailer_sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        out += "".join(f"{k}:{v}\r\n" for k, v in trailer).encode()
        out += f"x-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode()
    return out


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


class S3TestCase(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.server.client("s3")
        cls.tmp = tempfile.mkdtemp(prefix="sigil-s3-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def new_bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    def object_exists(self, bucket, key):
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
            return True
        except self.s3.exceptions.ClientError as e:
            if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise

    def cli(self, aws, *args, check=True):
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=self.server.credentials_path,
                   AWS_CONFIG_FILE=os.devnull, AWS_DEFAULT_REGION=h.REGION,
                   AWS_PAGER="", HOME=self.tmp)
        env.pop("AWS_PROFILE", None)
        proc = subprocess.run([aws, "--endpoint-url", self.server.url, *args], env=env,
                              capture_output=True, text=True, timeout=180)
        if check and proc.returncode != 0:
            self.fail(f"{aws} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def s3_error(self, resp):
        root = h.parse_xml(resp.body)
        self.assertEqual(h._strip_ns(root.tag), "Error", resp.body[:500])
        code = h.xml_find(root, "Code")
        return code.text if code is not None else None

    def assertS3Error(self, resp, code, status):
        self.assertEqual((self.s3_error(resp), resp.status), (code, status),
                         f"body: {resp.body[:500]!r}")
        self.assertTrue(resp.header("x-amz-request-id"))


class CliTest(S3TestCase):
    """The walkthrough every guide has: mb, ls, cp (small and multipart), sync, presign, rm, rb."""

    def walkthrough(self, aws, bucket):
        src = os.path.join(self.tmp, bucket + "-src")
        os.makedirs(src)
        big = os.urandom(20 * MIB + 12345)
        with open(os.path.join(src, "big.bin"), "wb") as f:
            f.write(big)
        with open(os.path.join(src, "hello.txt"), "w") as f:
            f.write("hello from the guide\n")
        self.assertIn(f"make_bucket: {bucket}", self.cli(aws, "s3", "mb", f"s3://{bucket}").stdout)
        self.assertIn(bucket, self.cli(aws, "s3", "ls").stdout)
        self.cli(aws, "s3", "cp", os.path.join(src, "big.bin"), f"s3://{bucket}/data/big.bin")
        self.cli(aws, "s3", "sync", src, f"s3://{bucket}/synced/")
        listing = self.cli(aws, "s3", "ls", f"s3://{bucket}", "--recursive").stdout
        for key in ("data/big.bin", "synced/big.bin", "synced/hello.txt"):
            self.assertIn(key, listing)
        head = json.loads(self.cli(aws, "s3api", "head-object", "--bucket", bucket, "--key",
                                   "data/big.bin").stdout)
        self.assertEqual(head["ContentLength"], len(big))
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-\d+"$')  # multipart ETag
        down = os.path.join(self.tmp, bucket + "-down.bin")
        self.cli(aws, "s3", "cp", f"s3://{bucket}/data/big.bin", down)
        with open(down, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(), hashlib.sha256(big).digest())
        url = self.cli(aws, "s3", "presign", f"s3://{bucket}/synced/hello.txt").stdout.strip()
        with urllib.request.urlopen(url) as resp:
            self.assertEqual(resp.read(), b"hello from the guide\n")
        # A second sync uploads nothing.
        self.assertEqual(self.cli(aws, "s3", "sync", src, f"s3://{bucket}/synced/").stdout.strip(),
                         "")
        rb = self.cli(aws, "s3", "rb", f"s3://{bucket}", check=False)
        self.assertNotEqual(rb.returncode, 0)
        self.assertIn("BucketNotEmpty", rb.stderr)
        self.cli(aws, "s3", "rm", f"s3://{bucket}", "--recursive")
        self.cli(aws, "s3", "rb", f"s3://{bucket}")
        self.assertNotIn(bucket, self.cli(aws, "s3", "ls").stdout)

    def test_debian_cli_v2(self):
        self.walkthrough(DEBIAN_AWS, "debian-cli-bucket")

    def test_other_cli(self):
        aws = other_aws()
        if aws is None:
            print("note: no other `aws` on PATH; only Debian's CLI was exercised")
            return
        self.walkthrough(aws, "other-cli-bucket")


class Boto3Test(S3TestCase):
    def test_upload_download_file_multipart_with_threads(self):
        bucket = self.new_bucket("boto-transfer")
        path = os.path.join(self.tmp, "transfer.bin")
        data = os.urandom(18 * MIB + 7)
        with open(path, "wb") as f:
            f.write(data)
        from boto3.s3.transfer import TransferConfig
        config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                                max_concurrency=4)
        self.s3.upload_file(path, bucket, "t.bin", Config=config)
        head = self.s3.head_object(Bucket=bucket, Key="t.bin")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertTrue(head["ETag"].endswith('-4"'), head["ETag"])
        out = os.path.join(self.tmp, "transfer.out")
        self.s3.download_file(bucket, "t.bin", out, Config=config)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_put_get_metadata_ranges_and_conditions(self):
        bucket = self.new_bucket("boto-objects")
        body = b"0123456789abcdef" * 100
        put = self.s3.put_object(Bucket=bucket, Key="dir/obj.txt", Body=body,
                                 ContentType="text/plain", Metadata={"owner": "alice"},
                                 CacheControl="max-age=60", Tagging="team=blue&env=dev")
        etag = put["ETag"]
        self.assertEqual(etag, '"' + hashlib.md5(body).hexdigest() + '"')
        got = self.s3.get_object(Bucket=bucket, Key="dir/obj.txt")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual((got["ContentType"], got["Metadata"], got["CacheControl"]),
                         ("text/plain", {"owner": "alice"}, "max-age=60"))
        self.assertEqual(got["TagCount"], 2)
        part = self.s3.get_object(Bucket=bucket, Key="dir/obj.txt", Range="bytes=16-31")
        self.assertEqual(part["Body"].read(), body[16:32])
        self.assertEqual(part["ContentRange"], f"bytes 16-31/{len(body)}")
        suffix = self.s3.get_object(Bucket=bucket, Key="dir/obj.txt", Range="bytes=-5")
        self.assertEqual(suffix["Body"].read(), body[-5:])
        self.assertClientError("InvalidRange", 416, self.s3.get_object, Bucket=bucket,
                               Key="dir/obj.txt", Range="bytes=5000-6000")
        self.assertClientError("PreconditionFailed", 412, self.s3.get_object, Bucket=bucket,
                               Key="dir/obj.txt", IfMatch='"0000"')
        # 304 surfaces in botocore as a ClientError with code "304".
        self.assertClientError("304", 304, self.s3.get_object, Bucket=bucket, Key="dir/obj.txt",
                               IfNoneMatch=etag)
        overridden = self.s3.get_object(Bucket=bucket, Key="dir/obj.txt",
                                        ResponseContentType="application/x-test",
                                        ResponseContentDisposition="attachment")
        self.assertEqual((overridden["ContentType"], overridden["ContentDisposition"]),
                         ("application/x-test", "attachment"))
        tags = self.s3.get_object_tagging(Bucket=bucket, Key="dir/obj.txt")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "dev"), ("team", "blue")])
        self.s3.put_object_tagging(Bucket=bucket, Key="dir/obj.txt",
                                   Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket=bucket, Key="dir/obj.txt")["TagSet"],
                         [{"Key": "k", "Value": "v"}])
        copy = self.s3.copy_object(Bucket=bucket, Key="copy.txt",
                                   CopySource={"Bucket": bucket, "Key": "dir/obj.txt"})
        self.assertEqual(copy["CopyObjectResult"]["ETag"], etag)
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="copy.txt")["Metadata"],
                         {"owner": "alice"})
        self.assertClientError("NoSuchKey", 404, self.s3.get_object, Bucket=bucket, Key="nope")
        self.assertClientError("NoSuchBucket", 404, self.s3.get_object, Bucket="no-such-bucket-x",
                               Key="k")
        self.s3.delete_object(Bucket=bucket, Key="copy.txt")
        self.assertFalse(self.object_exists(bucket, "copy.txt"))

    def test_empty_object_then_another_on_the_same_connection(self):
        # boto3 sends Expect: 100-continue even for an empty body; the connection must stay in
        # step for the next request.
        bucket = self.new_bucket("boto-empty")
        client = self.server.client("s3")
        client.put_object(Bucket=bucket, Key="empty", Body=b"")
        client.put_object(Bucket=bucket, Key="next", Body=b"abc")
        self.assertEqual(client.get_object(Bucket=bucket, Key="empty")["ContentLength"], 0)
        self.assertEqual(client.get_object(Bucket=bucket, Key="next")["Body"].read(), b"abc")

    def test_checksums_are_verified_stored_and_returned(self):
        bucket = self.new_bucket("boto-checksums")
        for algorithm in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
            try:
                self.s3.put_object(Bucket=bucket, Key=algorithm, Body=b"checksum me",
                                   ChecksumAlgorithm=algorithm)
            except botocore.exceptions.MissingDependencyException:
                continue  # botocore computes CRC32C and CRC64NVME only with awscrt installed
            head = self.s3.head_object(Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")
            self.assertIn("Checksum" + algorithm, head, head)
        head = self.s3.head_object(Bucket=bucket, Key="CRC32", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], crc32_b64(b"checksum me"))
        # A wrong checksum header: BadDigest, nothing stored.
        self.assertClientError("BadDigest", 400, self.s3.put_object, Bucket=bucket, Key="bad",
                               Body=b"data", ChecksumCRC32=crc32_b64(b"other"))
        self.assertFalse(self.object_exists(bucket, "bad"))
        self.assertClientError("BadDigest", 400, self.s3.put_object, Bucket=bucket, Key="bad",
                               Body=b"data",
                               ContentMD5=base64.b64encode(hashlib.md5(b"x").digest()).decode())
        self.assertFalse(self.object_exists(bucket, "bad"))

    def test_listing_pagination_delimiter_and_encoding(self):
        bucket = self.new_bucket("boto-listing")
        keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d e+f", "é/x"]
        for key in keys:
            self.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        page = self.s3.list_objects_v2(Bucket=bucket, MaxKeys=2)
        self.assertEqual([o["Key"] for o in page["Contents"]], ["a/1", "a/2"])
        self.assertTrue(page["IsTruncated"])
        seen = [o["Key"] for o in page["Contents"]]
        while page["IsTruncated"]:
            page = self.s3.list_objects_v2(Bucket=bucket, MaxKeys=2,
                                           ContinuationToken=page["NextContinuationToken"])
            seen += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(seen, sorted(keys, key=lambda k: k.encode()))
        top = self.s3.list_objects_v2(Bucket=bucket, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in top["CommonPrefixes"]], ["a/", "b/", "é/"])
        self.assertEqual([o["Key"] for o in top["Contents"]], ["c", "d e+f"])
        under_a = self.s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
        self.assertEqual([o["Key"] for o in under_a["Contents"]], ["a/1", "a/2"])
        self.assertEqual([p["Prefix"] for p in under_a["CommonPrefixes"]], ["a/b/"])
        after = self.s3.list_objects_v2(Bucket=bucket, StartAfter="b/4")
        self.assertEqual([o["Key"] for o in after["Contents"]], ["c", "d e+f", "é/x"])
        v1 = self.s3.list_objects(Bucket=bucket, Marker="a/2", MaxKeys=2)
        self.assertEqual([o["Key"] for o in v1["Contents"]], ["a/b/3", "b/4"])
        raw = self.s3.list_objects_v2(Bucket=bucket, Prefix="d", EncodingType="url")
        # Given explicitly, the encoding is left to the caller: S3's form-style URL encoding.
        self.assertEqual(raw["Contents"][0]["Key"], "d+e%2Bf")
        self.assertClientError("InvalidArgument", 400, self.s3.list_objects_v2, Bucket=bucket,
                               EncodingType="base64")
        deleted = self.s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in keys]})
        self.assertEqual(sorted(d["Key"] for d in deleted["Deleted"]), sorted(keys))
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)

    def test_multipart_rules(self):
        bucket = self.new_bucket("boto-multipart")
        upload = self.s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
        small = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1,
                                    Body=b"a" * 1024)
        last = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2,
                                   Body=b"b" * 10)
        parts = self.s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, 1024), (2, 10)])
        uploads = self.s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        self.assertEqual([u["UploadId"] for u in uploads], [upload])
        self.assertClientError("EntityTooSmall", 400, self.s3.complete_multipart_upload,
                               Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
                                   "Parts": [{"PartNumber": 1, "ETag": small["ETag"]},
                                             {"PartNumber": 2, "ETag": last["ETag"]}]})
        self.assertClientError("InvalidPartOrder", 400, self.s3.complete_multipart_upload,
                               Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
                                   "Parts": [{"PartNumber": 2, "ETag": last["ETag"]},
                                             {"PartNumber": 1, "ETag": small["ETag"]}]})
        self.assertClientError("InvalidPart", 400, self.s3.complete_multipart_upload,
                               Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
                                   "Parts": [{"PartNumber": 1, "ETag": '"00"'}]})
        big = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1,
                                  Body=b"c" * (5 * MIB))
        done = self.s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": big["ETag"]},
                          {"PartNumber": 2, "ETag": last["ETag"]}]})
        md5s = hashlib.md5(b"c" * (5 * MIB)).digest() + hashlib.md5(b"b" * 10).digest()
        self.assertEqual(done["ETag"], '"' + hashlib.md5(md5s).hexdigest() + '-2"')
        body = self.s3.get_object(Bucket=bucket, Key="mp")["Body"].read()
        self.assertEqual(body, b"c" * (5 * MIB) + b"b" * 10)
        span = self.s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={5 * MIB - 2}-{5 * MIB + 1}")
        self.assertEqual(span["Body"].read(), b"ccbb")  # a range across the part boundary
        self.assertClientError("NoSuchUpload", 404, self.s3.list_parts, Bucket=bucket, Key="mp",
                               UploadId=upload)
        other = self.s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
        self.s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=other)
        self.assertClientError("NoSuchUpload", 404, self.s3.upload_part, Bucket=bucket,
                               Key="gone", UploadId=other, PartNumber=1, Body=b"x")

    def test_requests_reach_the_audit_trail(self):
        from test_audit import records
        bucket = self.new_bucket("boto-audited")
        self.s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"x")
        self.assertClientError("NoSuchKey", 404, self.s3.get_object, Bucket=bucket, Key="none")

        def find():
            found = {}
            for r in records(self.server.data_dir):
                params = r.get("requestParameters") or {}
                if r.get("eventSource") == "s3.amazonaws.com" and params.get("bucketName") == bucket:
                    found[r["eventName"]] = r
            return found if {"CreateBucket", "PutObject", "GetObject"} <= set(found) else None
        found = self.wait_until(find, timeout=10, what="S3 records in the audit trail")
        self.assertEqual(found["PutObject"]["requestParameters"]["key"], "a/b.txt")
        self.assertEqual(found["PutObject"]["userIdentity"]["type"], "Root")
        self.assertEqual(found["GetObject"]["errorCode"], "NoSuchKey")

    def test_server_side_encryption_is_refused_not_claimed(self):
        bucket = self.new_bucket("boto-sse")
        put = self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        self.assertNotIn("ServerSideEncryption", put)
        self.assertClientError("NotImplemented", 501, self.s3.put_object, Bucket=bucket,
                               Key="sse", Body=b"x", ServerSideEncryption="AES256")
        self.assertFalse(self.object_exists(bucket, "sse"))
        self.assertClientError("ServerSideEncryptionConfigurationNotFoundError", 404,
                               self.s3.get_bucket_encryption, Bucket=bucket)

    def test_bucket_rules(self):
        self.assertClientError("InvalidBucketName", 400, self.s3.create_bucket, Bucket="No_Good")
        self.new_bucket("boto-bucket-rules")
        self.assertClientError("BucketAlreadyOwnedByYou", 409, self.s3.create_bucket,
                               Bucket="boto-bucket-rules")
        self.assertEqual(self.s3.get_bucket_location(Bucket="boto-bucket-rules")
                         ["LocationConstraint"], None)
        self.s3.put_bucket_tagging(Bucket="boto-bucket-rules",
                                   Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="boto-bucket-rules")["TagSet"],
                         [{"Key": "team", "Value": "ops"}])
        pab = self.s3.get_public_access_block(Bucket="boto-bucket-rules")
        self.assertTrue(all(pab["PublicAccessBlockConfiguration"].values()))
        self.assertEqual(self.s3.get_bucket_ownership_controls(Bucket="boto-bucket-rules")
                         ["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
                         "BucketOwnerEnforced")
        self.assertClientError("AccessControlListNotSupported", 400, self.s3.put_object,
                               Bucket="boto-bucket-rules", Key="k", Body=b"x",
                               ACL="public-read")
        self.s3.head_bucket(Bucket="boto-bucket-rules")
        self.s3.delete_bucket(Bucket="boto-bucket-rules")
        self.assertClientError("404", 404, self.s3.head_bucket, Bucket="boto-bucket-rules")


class SignatureTest(S3TestCase):
    """Request signatures S3 clients send, and every way they can go wrong."""

    SERVER_ARGS = ("--metrics-listen", "127.0.0.1:0")

    def put_raw(self, bucket, key, body, headers, payload_hash, query=()):
        path = "/" + bucket + "/" + urllib.parse.quote(key)
        signed, signature, amz_date = s3_sign(self.server.url, self.root, "PUT", path, query,
                                              headers, payload_hash)
        return signed, signature, amz_date, path

    def send(self, method, path, headers, body=b""):
        return h.http_request(self.server.url, method, path, headers, body)

    def test_signed_payload_hash_is_checked_while_streaming(self):
        bucket = self.new_bucket("sig-payload")
        body = b"the real body"
        headers, _, _, path = self.put_raw(bucket, "k", body,
                                           [("Content-Length", str(len(body)))],
                                           hashlib.sha256(b"another body").hexdigest())
        self.assertS3Error(self.send("PUT", path, headers, body), "XAmzContentSHA256Mismatch", 400)
        self.assertFalse(self.object_exists(bucket, "k"))
        headers, _, _, path = self.put_raw(bucket, "k", body,
                                           [("Content-Length", str(len(body)))],
                                           hashlib.sha256(body).hexdigest())
        self.assertEqual(self.send("PUT", path, headers, body).status, 200)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k")["Body"].read(), body)

    def chunked_put(self, bucket, key, chunks, tamper_chunk=None, trailer=None,
                    trailer_header=None, decoded_length=None):
        payload = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if trailer is not None
                   else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        decoded = sum(len(c) for c in chunks) if decoded_length is None else decoded_length
        extra = [("Content-Encoding", "aws-chunked"),
                 ("X-Amz-Decoded-Content-Length", str(decoded))]
        if trailer_header:
            extra.append(("X-Amz-Trailer", trailer_header))
        path = "/" + bucket + "/" + key
        headers, seed, amz_date = s3_sign(self.server.url, self.root, "PUT", path, (), extra,
                                          payload)
        body = chunked_body(self.root, amz_date, seed, chunks, tamper_chunk=tamper_chunk,
                            trailer=trailer)
        return self.send("PUT", path, headers + [("Content-Length", str(len(body)))], body)

    def test_streaming_chunk_signatures(self):
        bucket = self.new_bucket("sig-chunked")
        chunks = [os.urandom(65536), os.urandom(65536), b"tail"]
        self.assertEqual(self.chunked_put(bucket, "good", chunks).status, 200)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="good")["Body"].read(),
                         b"".join(chunks))
        for index in (0, 2, 3):  # the first, the last data chunk, the final empty chunk
            resp = self.chunked_put(bucket, f"tampered{index}", chunks, tamper_chunk=index)
            self.assertS3Error(resp, "SignatureDoesNotMatch", 403)
            self.assertFalse(self.object_exists(bucket, f"tampered{index}"))
        resp = self.chunked_put(bucket, "short", chunks, decoded_length=10)
        self.assertS3Error(resp, "IncompleteBody", 400)
        self.assertFalse(self.object_exists(bucket, "short"))

    def test_streaming_trailer_checksum(self):
        bucket = self.new_bucket("sig-trailer")
        chunks = [os.urandom(9000), b"end"]
        data = b"".join(chunks)
        good = self.chunked_put(bucket, "good", chunks,
                                trailer=[("x-amz-checksum-crc32", crc32_b64(data))],
                                trailer_header="x-amz-checksum-crc32")
        self.assertEqual(good.status, 200, good.body)
        head = self.s3.head_object(Bucket=bucket, Key="good", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], crc32_b64(data))
        bad = self.chunked_put(bucket, "bad", chunks,
                               trailer=[("x-amz-checksum-crc32", crc32_b64(b"other"))],
                               trailer_header="x-amz-checksum-crc32")
        self.assertS3Error(bad, "BadDigest", 400)
        self.assertFalse(self.object_exists(bucket, "bad"))

    def test_truncated_upload_leaves_nothing(self):
        bucket = self.new_bucket("sig-truncated")
        body = os.urandom(256 * 1024)
        headers, _, _, path = self.put_raw(bucket, "cut", body,
                                           [("Content-Length", str(len(body)))],
                                           "UNSIGNED-PAYLOAD")
        sock = socket.create_connection(("127.0.0.1", int(self.server.url.rsplit(":", 1)[1])))
        request = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        sock.sendall(request.encode() + b"\r\n" + body[:100000])
        sock.close()
        time.sleep(0.5)
        self.assertFalse(self.object_exists(bucket, "cut"))
        blobs_tmp = os.path.join(self.server.data_dir, "blobs", "tmp")
        self.wait_until(lambda: os.listdir(blobs_tmp) == [], what="the partial upload removed")

    def test_presigned_urls(self):
        bucket = self.new_bucket("sig-presign")
        put_url = self.s3.generate_presigned_url("put_object", Params={"Bucket": bucket,
                                                                       "Key": "up"})
        # As curl -T sends it: no Content-Type (SigV2 signs the Content-Type line).
        put = self.send("PUT", put_url[len(self.server.url):], [], b"via presigned PUT")
        self.assertEqual(put.status, 200, put.body)
        get_url = self.s3.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                                       "Key": "up"})
        with urllib.request.urlopen(get_url) as resp:
            self.assertEqual(resp.read(), b"via presigned PUT")
        v4 = h.make_client(self.server.url, "s3", self.root,
                           signature_version="s3v4")
        with h.botocore_clock(h.utcnow() - __import__("datetime").timedelta(hours=2)):
            expired = v4.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                                      "Key": "up"},
                                                ExpiresIn=60)
        path = expired[len(self.server.url):]
        self.assertS3Error(self.send("GET", path, []), "AccessDenied", 403)
        with urllib.request.urlopen(v4.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": "up"})) as resp:
            self.assertEqual(resp.read(), b"via presigned PUT")

    def test_sigv2_header_signing(self):
        bucket = self.new_bucket("sig-v2")
        v2 = h.make_client(self.server.url, "s3", self.root, signature_version="s3")
        v2.put_object(Bucket=bucket, Key="v2", Body=b"legacy")
        self.assertEqual(v2.get_object(Bucket=bucket, Key="v2")["Body"].read(), b"legacy")
        wrong = h.make_client(self.server.url, "s3", h.Creds(self.root.access_key, "x" * 40),
                              signature_version="s3")
        self.assertClientError("SignatureDoesNotMatch", 403, wrong.get_object, Bucket=bucket,
                               Key="v2")

    def test_bad_signatures(self):
        bucket = self.new_bucket("sig-bad")
        wrong = h.make_client(self.server.url, "s3", h.Creds(self.root.access_key, "y" * 40))
        self.assertClientError("SignatureDoesNotMatch", 403, wrong.list_objects_v2, Bucket=bucket)
        unknown = h.make_client(self.server.url, "s3", h.Creds("AKIAI44QH8DHBEXAMPLE", "y" * 40))
        self.assertClientError("InvalidAccessKeyId", 403, unknown.list_objects_v2, Bucket=bucket)
        headers, _, _ = s3_sign(self.server.url, self.root, "GET", "/" + bucket,
                                when=h.utcnow() - __import__("datetime").timedelta(hours=1))
        self.assertS3Error(self.send("GET", "/" + bucket, headers), "RequestTimeTooSkewed", 403)
        # Counted by reason, like every other service's authentication failures.
        self.s3.put_object(Bucket=bucket, Key="counted", Body=b"x")  # one blob commit
        from test_metrics import METRICS_URL_RE
        metrics_url = METRICS_URL_RE.search(self.server.stdout()).group(1)
        metrics = h.http_request(metrics_url, "GET", "/metrics").text()
        for reason in ("bad_signature", "unknown_key", "skew"):
            line = next(l for l in metrics.splitlines()
                        if l.startswith(f'sigil_auth_failures_total{{reason="{reason}"}}'))
            self.assertGreaterEqual(float(line.split()[-1]), 1, line)
        self.assertTrue('sigil_blob_operation_duration_seconds_count{operation="commit"}'
                        in metrics, "no blob commit latency in the metrics")


class AuthorizationTest(S3TestCase):
    def user_client(self, name, policy=None):
        _, creds = self.create_user_with_key(name)
        if policy is not None:
            self.iam.put_user_policy(UserName=name, PolicyName="p",
                                     PolicyDocument=json.dumps(policy))
        return h.make_client(self.server.url, "s3", creds)

    def test_identity_policy_and_bucket_policy(self):
        bucket = self.new_bucket("authz-shared")
        self.s3.put_object(Bucket=bucket, Key="reports/q1.txt", Body=b"q1")
        self.s3.put_object(Bucket=bucket, Key="secret/plan.txt", Body=b"plan")
        nobody = self.user_client("s3-nobody")
        self.assertClientError("AccessDenied", 403, nobody.get_object, Bucket=bucket,
                               Key="reports/q1.txt")
        self.assertClientError("AccessDenied", 403, nobody.list_buckets)
        reader = self.user_client("s3-reader", {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                           "Resource": f"arn:aws:s3:::{bucket}/reports/*"},
                          {"Effect": "Allow", "Action": "s3:ListBucket",
                           "Resource": f"arn:aws:s3:::{bucket}",
                           "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}]})
        self.assertEqual(reader.get_object(Bucket=bucket, Key="reports/q1.txt")["Body"].read(),
                         b"q1")
        self.assertClientError("AccessDenied", 403, reader.get_object, Bucket=bucket,
                               Key="secret/plan.txt")
        reader.list_objects_v2(Bucket=bucket, Prefix="reports/")
        self.assertClientError("AccessDenied", 403, reader.list_objects_v2, Bucket=bucket)
        # A denied upload is refused before its body is sent (100-continue).
        self.assertClientError("AccessDenied", 403, reader.put_object, Bucket=bucket,
                               Key="reports/new.txt", Body=b"x" * 100000)
        user_arn = self.iam.get_user(UserName="s3-nobody")["User"]["Arn"]
        # Same account: the bucket policy alone allows; an explicit deny in it wins over the
        # reader's identity policy.
        self.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"},
                {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/reports/q1.txt",
                 "Condition": {"StringEquals": {"aws:username": "s3-reader"}}}]}))
        self.assertEqual(nobody.get_object(Bucket=bucket, Key="secret/plan.txt")["Body"].read(),
                         b"plan")
        self.assertClientError("AccessDenied", 403, reader.get_object, Bucket=bucket,
                               Key="reports/q1.txt")
        status = self.s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]
        self.assertFalse(status["IsPublic"])

    def test_object_tags_in_conditions(self):
        bucket = self.new_bucket("authz-tags")
        self.s3.put_object(Bucket=bucket, Key="public.txt", Body=b"p", Tagging="class=public")
        self.s3.put_object(Bucket=bucket, Key="private.txt", Body=b"s", Tagging="class=secret")
        tagged = self.user_client("s3-tag-reader", {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*",
                 "Condition": {"StringEquals": {"s3:ExistingObjectTag/class": "public"}}},
                {"Effect": "Allow", "Action": "s3:PutObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*",
                 "Condition": {"StringEquals": {"s3:RequestObjectTag/class": "public"}}}]})
        self.assertEqual(tagged.get_object(Bucket=bucket, Key="public.txt")["Body"].read(), b"p")
        self.assertClientError("AccessDenied", 403, tagged.get_object, Bucket=bucket,
                               Key="private.txt")
        tagged.put_object(Bucket=bucket, Key="new.txt", Body=b"n", Tagging="class=public")
        self.assertClientError("AccessDenied", 403, tagged.put_object, Bucket=bucket,
                               Key="new2.txt", Body=b"n", Tagging="class=secret")
        self.assertClientError("AccessDenied", 403, tagged.put_object, Bucket=bucket,
                               Key="new3.txt", Body=b"n")

    def test_public_access_block_and_anonymous_requests(self):
        bucket = self.new_bucket("authz-public")
        self.s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>hi</h1>")
        public_read = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                           "Resource": f"arn:aws:s3:::{bucket}/*"}]})
        anonymous = self.send_anonymous(f"/{bucket}/index.html")
        self.assertS3Error(anonymous, "AccessDenied", 403)
        # New buckets block public policies.
        self.assertClientError("AccessDenied", 403, self.s3.put_bucket_policy, Bucket=bucket,
                               Policy=public_read)
        self.s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True})
        self.s3.put_bucket_policy(Bucket=bucket, Policy=public_read)
        self.assertTrue(self.s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]
                        ["IsPublic"])
        # RestrictPublicBuckets still keeps anonymous callers out.
        self.assertS3Error(self.send_anonymous(f"/{bucket}/index.html"), "AccessDenied", 403)
        self.s3.delete_public_access_block(Bucket=bucket)
        resp = self.send_anonymous(f"/{bucket}/index.html")
        self.assertEqual((resp.status, resp.body), (200, b"<h1>hi</h1>"))
        # The policy grants GetObject only.
        self.assertS3Error(self.send_anonymous(f"/{bucket}"), "AccessDenied", 403)
        self.assertS3Error(self.send_anonymous(f"/{bucket}/new", "PUT", b"x"), "AccessDenied", 403)
        self.assertS3Error(self.send_anonymous("/no-such-bucket-anon/k"), "AccessDenied", 403)

    def send_anonymous(self, path, method="GET", body=b""):
        return h.http_request(self.server.url, method, path, [], body)


class AdmissionTest(S3TestCase):
    """A denied upload is answered before its body is sent: 100-continue comes only after the
    request is authenticated and authorized."""

    def exchange_head(self, path, headers):
        sock = socket.create_connection(("127.0.0.1", int(self.server.url.rsplit(":", 1)[1])),
                                        timeout=5)
        try:
            head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
            sock.sendall(head.encode() + b"\r\n")
            return sock.recv(65536).decode("latin-1")
        finally:
            sock.close()

    def test_continue_only_after_authorization(self):
        bucket = self.new_bucket("admission-bucket")
        body_headers = [("Content-Length", str(10 * MIB)), ("Expect", "100-continue")]
        path = f"/{bucket}/big"
        signed, _, _ = s3_sign(self.server.url, self.root, "PUT", path, (), body_headers,
                               "UNSIGNED-PAYLOAD")
        self.assertTrue(self.exchange_head(path, signed).startswith("HTTP/1.1 100 Continue"))
        _, creds = self.create_user_with_key("admission-denied")
        denied, _, _ = s3_sign(self.server.url, creds, "PUT", path, (), body_headers,
                               "UNSIGNED-PAYLOAD")
        answer = self.exchange_head(path, denied)
        self.assertTrue(answer.startswith("HTTP/1.1 403"), answer[:200])
        self.assertIn("<Code>AccessDenied</Code>", answer)
        anonymous = self.exchange_head(path, [("Host", "x")] + body_headers)
        self.assertTrue(anonymous.startswith("HTTP/1.1 403"), anonymous[:200])


class VirtualHostTest(S3TestCase):
    SERVER_ARGS = ("--s3-domain", "s3.sigil.test", "--no-sigv2")

    def test_bucket_in_the_host_name(self):
        bucket = self.new_bucket("vhost-bucket")
        self.s3.put_object(Bucket=bucket, Key="dir/file.txt", Body=b"virtual")
        host = f"{bucket}.s3.sigil.test:{self.server.url.rsplit(':', 1)[1]}"
        headers, _, _ = s3_sign(self.server.url, self.root, "GET", "/dir/file.txt",
                                headers=[])
        headers = [(k, host if k == "Host" else v) for k, v in headers]
        # Signed for the path-style Host: the signature covers the Host header, so re-sign.
        when = h.utcnow()
        amz_date = when.strftime(h.AMZ_DATE_FORMAT)
        plain = [("Host", host), ("X-Amz-Date", amz_date), ("X-Amz-Content-SHA256", h.EMPTY_SHA256)]
        signed = sorted(k.lower() for k, _ in plain)
        signature, _, _ = h.signature_for("GET", "/dir/file.txt", [], plain, signed,
                                          h.EMPTY_SHA256, amz_date, self.root, h.REGION, "s3")
        plain.append(("Authorization",
                      f"AWS4-HMAC-SHA256 Credential={self.root.access_key}/{amz_date[:8]}/"
                      f"{h.REGION}/s3/aws4_request, SignedHeaders={';'.join(signed)}, "
                      f"Signature={signature}"))
        resp = h.http_request(self.server.url, "GET", "/dir/file.txt", plain)
        self.assertEqual((resp.status, resp.body), (200, b"virtual"))
        listing = h.http_request(self.server.url, "GET", "/?list-type=2", [("Host", host)])
        self.assertS3Error(listing, "AccessDenied", 403)  # anonymous, but routed to the bucket

    def test_sigv2_refused_when_disabled(self):
        v2 = h.make_client(self.server.url, "s3", self.root, signature_version="s3")
        self.assertClientError("InvalidRequest", 400, v2.list_buckets)


class ThirdPartyClientsTest(S3TestCase):
    """s3cmd and rclone (Debian's packages), path-style, SigV4."""

    def run_tool(self, argv, env=None):
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=180,
                              env=dict(os.environ, HOME=self.tmp, **(env or {})))
        if proc.returncode != 0:
            self.fail(f"{' '.join(argv[:3])} ... failed ({proc.returncode}):\n"
                      f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        return proc.stdout

    def test_s3cmd(self):
        host = urllib.parse.urlsplit(self.server.url).netloc
        config = os.path.join(self.tmp, "s3cmd.cfg")
        with open(config, "w") as f:
            f.write("[default]\n"
                    f"access_key = {self.root.access_key}\nsecret_key = {self.root.secret}\n"
                    f"host_base = {host}\nhost_bucket = {host}\nuse_https = False\n"
                    "bucket_location = us-east-1\nsignature_v2 = False\n")
        os.chmod(config, 0o600)
        s3cmd = ["s3cmd", "-c", config]
        src = os.path.join(self.tmp, "s3cmd-file.bin")
        data = os.urandom(3 * MIB)
        with open(src, "wb") as f:
            f.write(data)
        self.run_tool(s3cmd + ["mb", "s3://s3cmd-bucket"])
        self.run_tool(s3cmd + ["put", src, "s3://s3cmd-bucket/dir/file.bin"])
        self.assertIn("s3://s3cmd-bucket/dir/file.bin",
                      self.run_tool(s3cmd + ["ls", "--recursive", "s3://s3cmd-bucket"]))
        out = os.path.join(self.tmp, "s3cmd-out.bin")
        self.run_tool(s3cmd + ["get", "s3://s3cmd-bucket/dir/file.bin", out])
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        self.run_tool(s3cmd + ["del", "s3://s3cmd-bucket/dir/file.bin"])
        self.run_tool(s3cmd + ["rb", "s3://s3cmd-bucket"])

    def test_rclone(self):
        env = {"RCLONE_CONFIG_SIGIL_TYPE": "s3", "RCLONE_CONFIG_SIGIL_PROVIDER": "Other",
               "RCLONE_CONFIG_SIGIL_ACCESS_KEY_ID": self.root.access_key,
               "RCLONE_CONFIG_SIGIL_SECRET_ACCESS_KEY": self.root.secret,
               "RCLONE_CONFIG_SIGIL_ENDPOINT": self.server.url,
               "RCLONE_CONFIG_SIGIL_REGION": h.REGION,
               "RCLONE_CONFIG_SIGIL_FORCE_PATH_STYLE": "true",
               "RCLONE_CONFIG": os.path.join(self.tmp, "rclone.conf")}
        src = os.path.join(self.tmp, "rclone-src")
        os.makedirs(os.path.join(src, "sub"))
        for name, size in (("a.txt", 10), ("sub/b.bin", 2 * MIB), ("sub/c.bin", 0)):
            with open(os.path.join(src, name), "wb") as f:
                f.write(os.urandom(size))
        self.run_tool(["rclone", "mkdir", "sigil:rclone-bucket"], env)
        self.run_tool(["rclone", "copy", src, "sigil:rclone-bucket/data"], env)
        listing = self.run_tool(["rclone", "ls", "sigil:rclone-bucket"], env)
        for name in ("data/a.txt", "data/sub/b.bin", "data/sub/c.bin"):
            self.assertIn(name, listing)
        # rclone check compares sizes and MD5s (our ETags) with the local files.
        self.run_tool(["rclone", "check", src, "sigil:rclone-bucket/data"], env)
        self.run_tool(["rclone", "purge", "sigil:rclone-bucket"], env)
        self.assertNotIn("rclone-bucket", self.run_tool(["rclone", "lsd", "sigil:"], env))


class HttpsTest(unittest.TestCase):
    """The client flows over HTTPS, where newer botocore sends aws-chunked bodies with trailing
    checksums by default: both CLIs with AWS_CA_BUNDLE, boto3 with verify=CA."""

    @classmethod
    def setUpClass(cls):
        from test_tls import TlsFiles
        cls.files = TlsFiles()
        cls.server = h.SigilServer(data_dir=cls.files.data_dir, args=cls.files.server_args())
        try:
            cls.server.start()
        except BaseException:
            cls.server.close()
            cls.files.close()
            raise
        cls.tmp = tempfile.mkdtemp(prefix="sigil-s3-https-")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.close()
            cls.files.close()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_clients_over_https(self):
        self.assertTrue(self.server.url.startswith("https://"))
        s3 = self.server.client("s3", verify=self.files.ca)
        s3.create_bucket(Bucket="https-bucket")
        data = os.urandom(7 * MIB + 3)
        path = os.path.join(self.tmp, "file.bin")
        with open(path, "wb") as f:
            f.write(data)
        from boto3.s3.transfer import TransferConfig
        s3.upload_file(path, "https-bucket", "boto.bin",
                       Config=TransferConfig(multipart_threshold=5 * MIB,
                                             multipart_chunksize=5 * MIB))
        s3.put_object(Bucket="https-bucket", Key="small", Body=b"over tls")
        self.assertEqual(s3.get_object(Bucket="https-bucket", Key="small")["Body"].read(),
                         b"over tls")
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=self.server.credentials_path,
                   AWS_CONFIG_FILE=os.devnull, AWS_DEFAULT_REGION=h.REGION,
                   AWS_CA_BUNDLE=self.files.ca, HOME=self.tmp, AWS_PAGER="")
        for index, aws in enumerate(a for a in (DEBIAN_AWS, other_aws()) if a):
            key = f"cli-{index}.bin"
            for args in (["s3", "cp", path, f"s3://https-bucket/{key}"],
                         ["s3", "cp", f"s3://https-bucket/{key}", path + ".down"]):
                proc = subprocess.run([aws, "--endpoint-url", self.server.url, *args], env=env,
                                      capture_output=True, text=True, timeout=180)
                self.assertEqual(proc.returncode, 0, f"{aws}: {proc.stderr}")
            with open(path + ".down", "rb") as f:
                self.assertEqual(f.read(), data)
        out = os.path.join(self.tmp, "boto.out")
        s3.download_file("https-bucket", "boto.bin", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)


class CrashTest(S3TestCase):
    def test_kill_during_large_upload_leaves_a_consistent_store(self):
        bucket = self.new_bucket("crash-bucket")
        self.s3.put_object(Bucket=bucket, Key="big", Body=b"old version")
        body = os.urandom(64 * MIB)
        path = "/" + bucket + "/big"
        headers, _, _ = s3_sign(self.server.url, self.root, "PUT", path, (),
                                [("Content-Length", str(len(body)))], "UNSIGNED-PAYLOAD")
        sock = socket.create_connection(("127.0.0.1", int(self.server.url.rsplit(":", 1)[1])))
        request = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        sock.sendall(request.encode() + b"\r\n" + body[:40 * MIB])
        self.server.kill9()
        sock.close()
        self.server.start()
        self.s3 = self.server.client("s3")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="big")["Body"].read(),
                         b"old version")
        self.assertEqual(os.listdir(os.path.join(self.server.data_dir, "blobs", "tmp")), [])
        # Acknowledged writes survive kill -9.
        self.s3.put_object(Bucket=bucket, Key="big", Body=body)
        self.server.kill9()
        self.server.start()
        self.s3 = self.server.client("s3")
        got = self.s3.get_object(Bucket=bucket, Key="big")["Body"].read()
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(body).digest())


if __name__ == "__main__":
    unittest.main()
