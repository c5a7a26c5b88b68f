"""The local stack's patches to moto (local/motoLauncher.py, local/motoDeliveries.py), each
tested through moto in this process (`mock_aws`, boto3 clients): no server, no network.

Run: .venv/bin/python -m unittest discover -s local/tests -p 'test_*.py' (CI does).
Each test says what moto did without the patch; the patches are applied once, as the launcher
applies them before it starts moto's server.
"""

import json
import os
import socket
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    # The IAM gate is the front's; these tests decide deliveries themselves (see below).
    GATEWARDEN_LOCAL_IAM="off",
)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import motoDeliveries  # noqa: E402
import motoLauncher  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"


def setUpModule() -> None:
    for patch in (
        motoLauncher._accept_templates_aws_accepts,
        motoLauncher._store_role_policies_as_iam_does,
        motoLauncher._deliver_events_as_eventbridge_does,
        motoDeliveries.decide_subscriptions,
        motoLauncher._store_key_policies_as_kms_does,
        motoLauncher._make_keys_as_cloudformation_says,
        motoLauncher._attach_table_policies_as_cloudformation_does,
        motoLauncher._replace_gateways_as_agentcore_does,
        motoLauncher._parse_event_paths_once,
        motoLauncher._events_parsed_once_per_put,
        motoLauncher._queues_that_scale,
        motoLauncher._transactions_that_scale,
        motoLauncher._secrets_store_safe_under_threads,
    ):
        patch()


def client(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name=REGION)


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def deploy(template: dict) -> dict:
    """Creates a stack from `template`; its resources by logical id."""
    cfn = client("cloudformation")
    cfn.create_stack(StackName="patches", TemplateBody=json.dumps(template))
    resources = cfn.describe_stack_resources(StackName="patches")["StackResources"]
    return {r["LogicalResourceId"]: r for r in resources}


@mock_aws
class CloudFormationResources(unittest.TestCase):
    def test_role_policies_are_stored_as_json_without_dropped_statements(self) -> None:
        # moto handed IAM a dict (with a null where a condition dropped a statement): GetRolePolicy
        # answered a Python repr.
        template = {
            "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": "patched-role",
                        "AssumeRolePolicyDocument": json.loads(TRUST),
                        "Policies": [
                            {
                                "PolicyName": "inline",
                                "PolicyDocument": {
                                    "Version": "2012-10-17",
                                    "Statement": [
                                        {"Sid": "Kept", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                                        {
                                            "Fn::If": [
                                                "Never",
                                                {"Sid": "Dropped", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
                                                {"Ref": "AWS::NoValue"},
                                            ]
                                        },
                                    ],
                                },
                            }
                        ],
                    },
                }
            },
        }
        deploy(template)

        got = client("iam").get_role_policy(RoleName="patched-role", PolicyName="inline")

        document = got["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        self.assertEqual([s.get("Sid") for s in document["Statement"]], ["Kept"])
        # The account's authorization details read every inline policy as JSON.
        details = client("iam").get_account_authorization_details(Filter=["Role"])
        role = next(r for r in details["RoleDetailList"] if r["RoleName"] == "patched-role")
        self.assertEqual(role["RolePolicyList"][0]["PolicyName"], "inline")

    def test_keys_keep_their_spec_usage_and_policy(self) -> None:
        # moto made every key a symmetric encryption key with a dict policy: GenerateMac failed
        # (InvalidKeyUsage) and DescribeKey answered 500.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
            ],
        }
        resources = deploy(
            {
                "Resources": {
                    "MacKey": {
                        "Type": "AWS::KMS::Key",
                        "Properties": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC", "KeyPolicy": policy},
                    }
                }
            }
        )
        kms = client("kms")
        key_id = resources["MacKey"]["PhysicalResourceId"]

        described = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        mac = kms.generate_mac(KeyId=key_id, Message=b"ledger", MacAlgorithm="HMAC_SHA_256")

        self.assertEqual((described["KeySpec"], described["KeyUsage"]), ("HMAC_256", "GENERATE_VERIFY_MAC"))
        self.assertTrue(mac["Mac"])
        stored = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        self.assertEqual(json.loads(stored), policy)

    def test_a_table_gets_its_resource_policy_and_loses_it_when_deleted(self) -> None:
        # moto ignored ResourcePolicy: the table came up with no policy.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteItem", "Resource": "*"}
            ],
        }
        deploy(
            {
                "Resources": {
                    "Table": {
                        "Type": "AWS::DynamoDB::Table",
                        "Properties": {
                            "TableName": "patched-table",
                            "BillingMode": "PAY_PER_REQUEST",
                            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                            "ResourcePolicy": {"PolicyDocument": policy},
                        },
                    }
                }
            }
        )
        ddb = client("dynamodb")
        arn = ddb.describe_table(TableName="patched-table")["Table"]["TableArn"]

        self.assertEqual(json.loads(ddb.get_resource_policy(ResourceArn=arn)["Policy"]), policy)
        ddb.delete_table(TableName="patched-table")
        with self.assertRaises(Exception):
            ddb.get_resource_policy(ResourceArn=arn)

    def test_a_template_with_only_warnings_is_accepted_and_one_with_an_error_is_not(self) -> None:
        # moto refused any cfn-lint finding: the framework's DependsOn beside a GetAtt (W3005)
        # stopped every deploy. CloudFormation refuses errors only.
        queues = {
            "Dead": {"Type": "AWS::SQS::Queue"},
            "Work": {
                "Type": "AWS::SQS::Queue",
                "DependsOn": "Dead",
                "Properties": {
                    "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]}, "maxReceiveCount": 3}
                },
            },
        }

        cfn = client("cloudformation")
        cfn.validate_template(TemplateBody=json.dumps({"Resources": queues}))
        self.assertEqual(set(deploy({"Resources": queues})), {"Dead", "Work"})
        broken = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"NoSuchProperty": 1}}}}
        with self.assertRaises(Exception) as refused:
            cfn.validate_template(TemplateBody=json.dumps(broken))
        self.assertIn("NoSuchProperty", str(refused.exception))


@mock_aws
class Gateways(unittest.TestCase):
    def test_update_replaces_the_gateway_dropping_absent_blocks_and_keeping_extras(self) -> None:
        # moto kept every block an update left out, and dropped domainOverride altogether.
        control = client("bedrock-agentcore-control")
        role = f"arn:aws:iam::{ACCOUNT}:role/gateway"
        created = control.create_gateway(
            name="patched",
            roleArn=role,
            protocolType="MCP",
            authorizerType="AWS_IAM",
            description="first",
            exceptionLevel="DEBUG",
            kmsKeyArn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234",
            domainOverride={"defaultDomain": "first.example.com"},
        )
        gateway_id = created["gatewayId"]
        self.assertEqual(created["domainOverride"], {"defaultDomain": "first.example.com"})

        updated = control.update_gateway(
            gatewayIdentifier=gateway_id,
            name="patched",
            roleArn=role,
            authorizerType="AWS_IAM",
            domainOverride={"defaultDomain": "second.example.com"},
        )
        self.assertEqual(updated["domainOverride"], {"defaultDomain": "second.example.com"})
        control.update_gateway(
            gatewayIdentifier=gateway_id, name="patched", roleArn=role, authorizerType="AWS_IAM"
        )

        got = control.get_gateway(gatewayIdentifier=gateway_id)
        for absent in ("exceptionLevel", "kmsKeyArn", "domainOverride"):
            self.assertNotIn(absent, got)
        self.assertIn(got.get("description", ""), ("", None))
        self.assertEqual(got["protocolType"], "MCP")


@mock_aws
class Queues(unittest.TestCase):
    def test_send_receive_delete_keep_sqs_semantics(self) -> None:
        sqs = client("sqs")
        url = sqs.create_queue(QueueName="patched")["QueueUrl"]
        for n in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)

        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

        self.assertEqual(sorted(m["Body"] for m in received), [f"m{n}" for n in range(5)])
        self.assertEqual(attributes["ApproximateNumberOfMessagesNotVisible"], "5")
        self.assertEqual(attributes["ApproximateNumberOfMessagesDelayed"], "1")
        handle = received[0]["ReceiptHandle"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)  # again: SQS accepts it
        with self.assertRaises(Exception) as refused:
            sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
        self.assertIn("ReceiptHandleIsInvalid", str(refused.exception))
        after = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(after["ApproximateNumberOfMessagesNotVisible"], "4")

    def test_a_fifo_queue_still_deduplicates_by_content(self) -> None:
        sqs = client("sqs")
        url = sqs.create_queue(
            QueueName="patched.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]

        for _ in range(2):
            sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g")

        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attributes["ApproximateNumberOfMessages"], "2")


@mock_aws
class Transactions(unittest.TestCase):
    def test_a_cancelled_transaction_leaves_every_item_as_it_was(self) -> None:
        ddb = client("dynamodb")
        ddb.create_table(
            TableName="ledger",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        ddb.put_item(TableName="ledger", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}})

        with self.assertRaises(Exception) as cancelled:
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "2"}}}},
                    {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}, "v": {"N": "9"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "ledger",
                            "Key": {"pk": {"S": "missing"}, "sk": {"S": "1"}},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                ]
            )

        self.assertIn("TransactionCanceled", str(cancelled.exception))
        items = ddb.scan(TableName="ledger")["Items"]
        self.assertEqual(items, [{"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "1"}}])
        # A transaction that holds lands whole.
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "v": {"N": "3"}}}},
                {"Delete": {"TableName": "ledger", "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
            ]
        )
        self.assertEqual(ddb.scan(TableName="ledger")["Items"][0]["v"], {"N": "3"})


@mock_aws
class Secrets(unittest.TestCase):
    def test_secrets_are_found_by_name_arn_and_partial_arn_while_others_are_created(self) -> None:
        sm = client("secretsmanager")
        arn = sm.create_secret(Name="gatewarden/one", SecretString="v1")["ARN"]
        partial = arn.rsplit("-", 1)[0]
        errors: list[BaseException] = []

        def create(n: int) -> None:
            try:
                client("secretsmanager").create_secret(Name=f"gatewarden/many-{n}", SecretString="x")
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=create, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        found = [sm.describe_secret(SecretId=key)["ARN"] for key in ("gatewarden/one", arn, partial) for _ in range(5)]
        for thread in threads:
            thread.join()

        self.assertEqual(errors, [])
        self.assertEqual(set(found), {arn})
        sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        with self.assertRaises(Exception):
            sm.describe_secret(SecretId="gatewarden/one")


class _Gate(BaseHTTPRequestHandler):
    """The front's delivery decision (POST /_gatewarden/iam/service-delivery), on 127.0.0.1."""

    allowed: set[str] = set()
    asked: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        _Gate.asked.append(body)
        answer = json.dumps({"allowed": body["targetArn"] in _Gate.allowed, "message": "refused here"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@mock_aws
class Deliveries(unittest.TestCase):
    """Deliveries moto makes in-process, decided first by the front's IAM gate (a stand-in
    server on 127.0.0.1 here)."""

    def setUp(self) -> None:
        self.server = HTTPServer(("127.0.0.1", 0), _Gate)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.state = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump({"endpoint": f"http://127.0.0.1:{self.server.server_port}"}, self.state)
        self.state.close()
        os.environ.update(GATEWARDEN_LOCAL_STATE_FILE=self.state.name, GATEWARDEN_LOCAL_IAM="enforce")
        motoDeliveries._endpoint.clear()
        motoDeliveries._connections.front = None
        _Gate.allowed, _Gate.asked = set(), []

    def tearDown(self) -> None:
        os.environ["GATEWARDEN_LOCAL_IAM"] = "off"
        motoDeliveries._endpoint.clear()
        motoDeliveries._connections.front = None
        self.server.shutdown()
        self.server.server_close()
        os.unlink(self.state.name)

    def queue(self, name: str) -> tuple[str, str]:
        sqs = client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def bodies(self, url: str) -> list[str]:
        got = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [m["Body"] for m in got.get("Messages", [])]

    def test_a_rule_delivers_to_an_allowed_queue_not_to_a_refused_one_and_never_fails_the_put(self) -> None:
        events = client("events")
        allowed_url, allowed_arn = self.queue("allowed")
        refused_url, refused_arn = self.queue("refused")
        dlq_url, dlq_arn = self.queue("dead-letters")
        _Gate.allowed = {allowed_arn, dlq_arn}
        events.put_rule(Name="r", EventPattern=json.dumps({"source": ["gatewarden.test"]}))
        events.put_targets(
            Rule="r",
            Targets=[
                {"Id": "allowed", "Arn": allowed_arn},
                {"Id": "refused", "Arn": refused_arn, "DeadLetterConfig": {"Arn": dlq_arn}},
                # moto cannot run a function: EventBridge still accepts the event.
                {"Id": "fn", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:absent"},
            ],
        )

        put = events.put_events(
            Entries=[{"Source": "gatewarden.test", "DetailType": "t", "Detail": json.dumps({"n": 1})}]
        )

        self.assertEqual(put["FailedEntryCount"], 0)
        self.assertEqual([json.loads(b)["detail"] for b in self.bodies(allowed_url)], [{"n": 1}])
        self.assertEqual(self.bodies(refused_url), [])
        dead = client("sqs").receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
        self.assertEqual(dead[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"], "NO_PERMISSIONS")
        self.assertEqual(
            {(a["service"], a["targetArn"]) for a in _Gate.asked},
            {("events.amazonaws.com", allowed_arn), ("events.amazonaws.com", refused_arn), ("events.amazonaws.com", dlq_arn)},
        )

    def test_a_topic_delivers_only_to_subscriptions_the_gate_allows(self) -> None:
        sns = client("sns")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        allowed_url, allowed_arn = self.queue("subscriber-allowed")
        refused_url, refused_arn = self.queue("subscriber-refused")
        _Gate.allowed = {allowed_arn}
        for arn in (allowed_arn, refused_arn):
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})

        sns.publish(TopicArn=topic, Message="alert")

        self.assertEqual(self.bodies(allowed_url), ["alert"])
        self.assertEqual(self.bodies(refused_url), [])
        self.assertTrue(all(a["service"] == "sns.amazonaws.com" and a["sourceArn"] == topic for a in _Gate.asked))

    def test_a_gate_that_cannot_be_asked_allows_nothing(self) -> None:
        # A port nothing listens on: fail closed.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with open(self.state.name, "w", encoding="utf-8") as state:
            json.dump({"endpoint": f"http://127.0.0.1:{port}"}, state)

        allowed, reason = motoDeliveries.delivery_allowed(
            "sns.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:t", "arn:aws:sqs:us-east-1:123456789012:q"
        )

        self.assertEqual((allowed, reason), (False, "the local IAM gate could not be asked"))


if __name__ == "__main__":
    unittest.main()
