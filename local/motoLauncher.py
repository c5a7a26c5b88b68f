"""Runs moto's server for the gatewarden local stack and exits when its parent goes away.

The daemon (local/daemon.ts) holds our stdin open through a pipe. If the daemon dies for any
reason - even SIGKILL - the pipe closes, stdin reads EOF and this process exits, so moto is
never left behind as an orphan.
Usage: python motoLauncher.py <port>
"""

import os
import sys
import threading

import motoDeliveries


def _exit_when_parent_goes_away() -> None:
    try:
        while sys.stdin.buffer.read(1024):
            pass
    finally:
        os._exit(0)


def _accept_templates_aws_accepts() -> None:
    """moto refuses a template on any cfn-lint finding, warnings included; CloudFormation
    refuses errors only. The framework's own `DependsOn` beside a `GetAtt` (W3005) would
    otherwise stop every deploy of the packaged template."""
    from moto.cloudformation.models import CloudFormationBackend

    lint = CloudFormationBackend.validate_template

    def errors_only(self, template):  # type: ignore[no-untyped-def]
        return [m for m in lint(self, template) if str(m.rule.id).startswith("E")]

    CloudFormationBackend.validate_template = errors_only  # type: ignore[method-assign]


def _store_role_policies_as_iam_does() -> None:
    """moto's CloudFormation hands a role's inline policies to IAM as dicts (with a null where
    `!If [..., !Ref AWS::NoValue]` dropped a statement); IAM keeps JSON documents. As dicts they
    break GetAccountAuthorizationDetails and come back from GetRolePolicy as a Python repr."""
    import json

    from moto.iam.models import Role

    put_policy = Role.put_policy

    def as_json(self, policy_name, policy_json):  # type: ignore[no-untyped-def]
        if not isinstance(policy_json, str):
            document = dict(policy_json)
            statements = document.get("Statement")
            if isinstance(statements, list):
                document["Statement"] = [s for s in statements if s is not None]
            policy_json = json.dumps(document, default=str)
        put_policy(self, policy_name, policy_json)

    Role.put_policy = as_json  # type: ignore[method-assign]


def _store_key_policies_as_kms_does() -> None:
    """moto's CloudFormation hands a key's `KeyPolicy` to KMS as a dict; KMS keeps JSON text. As
    a dict it breaks moto's own key-policy check: DescribeKey on a CloudFormation-made key answers
    500, and with it every call the local IAM gate authorizes by that key (a secret encrypted
    with the stack's secrets key could not be created or read)."""
    import json

    from moto.kms.models import KmsBackend

    create_key = KmsBackend.create_key

    def with_json_policy(self, policy, *args, **kwargs):  # type: ignore[no-untyped-def]
        if policy is not None and not isinstance(policy, str):
            policy = json.dumps(policy, default=str)
        return create_key(self, policy, *args, **kwargs)

    KmsBackend.create_key = with_json_policy  # type: ignore[method-assign]


def _make_keys_as_cloudformation_says() -> None:
    """moto's CloudFormation makes every AWS::KMS::Key a symmetric encryption key, whatever its
    `KeySpec` and `KeyUsage` say: the stack's HMAC keys (HMAC_256, GENERATE_VERIFY_MAC) refused
    GenerateMac and VerifyMac as InvalidKeyUsage."""
    from moto.kms.models import Key, kms_backends

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        properties = cloudformation_json["Properties"]
        key = kms_backends[account_id][region_name].create_key(
            policy=properties["KeyPolicy"],
            key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=properties.get("Description"),
            tags=properties.get("Tags", []),
        )
        key.key_rotation_status = properties.get("EnableKeyRotation", False)
        key.enabled = properties.get("Enabled", True)
        return key

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _attach_table_policies_as_cloudformation_does() -> None:
    """moto's CloudFormation ignores an AWS::DynamoDB::Table's `ResourcePolicy`: the table came
    up with no policy, so nothing it denies was denied. Attached after the table is made, as
    CloudFormation does (PutResourcePolicy); a deleted table takes its policy with it."""
    import json

    from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
    from moto.dynamodb.models.table import Table

    create = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def with_policy(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        table = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        policy = (cloudformation_json.get("Properties") or {}).get("ResourcePolicy")
        document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
        if document:
            if not isinstance(document, str):
                document = json.dumps(document, default=str)
            dynamodb_backends[account_id][region_name].put_resource_policy(
                table.table_arn, document, None
            )
        return table

    Table.create_from_cloudformation_json = classmethod(with_policy)  # type: ignore[method-assign,assignment]

    delete_table = DynamoDBBackend.delete_table

    def without_policy(self, name):  # type: ignore[no-untyped-def]
        table = delete_table(self, name)
        self.resource_policies.pop(getattr(table, "table_arn", ""), None)
        return table

    DynamoDBBackend.delete_table = without_policy  # type: ignore[method-assign]


def _outputs_after_change_sets() -> None:
    """moto executes a change set without rebuilding the stack's outputs (UpdateStack does), so
    after `serverless deploy` (a change set) DescribeStacks answered no outputs at all."""
    from moto.cloudformation.models import ChangeSet
    from moto.cloudformation.parsing import OutputMap

    apply = ChangeSet.apply

    def apply_with_outputs(self):  # type: ignore[no-untyped-def]
        apply(self)
        stack = self.stack
        stack.output_map = OutputMap(stack.resource_map, self.template_dict, stack.stack_id)

    ChangeSet.apply = apply_with_outputs  # type: ignore[method-assign]


def _is_bus_with_role(target) -> bool:  # type: ignore[no-untyped-def]
    arn = str(target.get("Arn", ""))
    return ":event-bus/" in arn and bool(target.get("RoleArn"))


def _deliver_through_the_front(rule_arn, target, event) -> None:  # type: ignore[no-untyped-def]
    """An event-bus target with a role (cross-Region routing): EventBridge assumes the role and
    puts the event on that bus. moto would put it in-process with neither the role nor the bus
    policy; the front decides it as IAM does and puts it when allowed
    (local/standin/ruleDelivery.ts). A refusal is the gate's to list; the put never fails."""
    import json
    import urllib.error
    import urllib.request

    try:
        endpoint = motoDeliveries.front_endpoint()
        body = json.dumps(
            {
                "ruleArn": rule_arn,
                "roleArn": target["RoleArn"],
                "targetArn": target["Arn"],
                "event": event,
            },
            default=str,
        ).encode("utf-8")
        request = urllib.request.Request(
            f"{endpoint}/_gatewarden/eventbridge/rule-delivery",
            data=body,
            headers={"content-type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=60).read()
    except (OSError, KeyError, ValueError, urllib.error.URLError) as error:
        print(f"motoLauncher: rule delivery to {target.get('Arn')} not made: {error}", flush=True)


def _deliver_events_as_eventbridge_does() -> None:
    """moto fails the whole PutEvents when a matching rule has a target it cannot deliver to
    (a Lambda function: it runs none); EventBridge accepts the event and delivers to each target
    on its own, a failed delivery never failing the put. Targets moto cannot reach are skipped;
    event-bus targets with a role go through the front, as that role; queue and topic targets
    are delivered only when the front's IAM gate allows EventBridge to (motoDeliveries.py)."""
    import copy

    from moto.events.models import Rule

    send = Rule.send_to_targets

    def each_target(self, event, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self.event_pattern.matches_event(event):
            return
        for target in list(self.targets):
            if _is_bus_with_role(target):
                _deliver_through_the_front(self.arn, target, event)
                continue
            one = copy.copy(self)
            one.targets = [target]

            def send_one(one=one):  # type: ignore[no-untyped-def]
                try:
                    send(one, event, *args, **kwargs)
                except NotImplementedError:
                    pass

            if motoDeliveries.decides(target):
                motoDeliveries.deliver_rule_target(self, target, event, send_one)
            else:
                send_one()

    Rule.send_to_targets = each_target  # type: ignore[method-assign]


#: UpdateGateway / CreateGateway members moto's Gateway does not keep; kept and answered as sent.
_GATEWAY_EXTRAS = (
    "wafConfiguration",
    "customTransformConfiguration",
    "domainOverride",
    "workloadIdentityTemplateArn",
)


def _replace_gateways_as_agentcore_does() -> None:
    """AgentCore's UpdateGateway replaces the gateway: an optional block absent from the request
    (interceptors, policy engine, KMS key, exception level, WAF configuration, authorizer
    configuration, description) is removed. moto kept the old value of every absent block, and
    dropped `wafConfiguration`, `customTransformConfiguration`, `domainOverride` and
    `workloadIdentityTemplateArn` altogether. GetGateway also answers `webAclArn`, the WAF web
    ACL associated with the gateway's ARN: read from moto's WAFv2 associations, as AWS does."""
    from moto.bedrockagentcorecontrol.models import Gateway
    from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.wafv2.models import wafv2_backends

    def replace(self, **fields):  # type: ignore[no-untyped-def]
        self.name = fields["name"]
        self.role_arn = fields["role_arn"]
        self.protocol_type = fields["protocol_type"]
        self.authorizer_type = fields["authorizer_type"]
        self.description = fields["description"] or ""
        self.protocol_configuration = fields["protocol_configuration"]
        self.authorizer_configuration = fields["authorizer_configuration"]
        self.kms_key_arn = fields["kms_key_arn"]
        self.interceptor_configurations = fields["interceptor_configurations"]
        self.policy_engine_configuration = fields["policy_engine_configuration"]
        self.exception_level = fields["exception_level"]
        self.updated_at = utcnow()
        self.status = "UPDATING"

    Gateway.update = replace  # type: ignore[method-assign]

    to_dict = Gateway.to_dict

    def with_extras(self):  # type: ignore[no-untyped-def]
        result = to_dict(self)
        result.update(getattr(self, "gatewarden_extras", {}))
        acl = wafv2_backends[self.account_id][self.region_name].get_web_acl_for_resource(
            self.gateway_arn
        )
        if acl is not None:
            result["webAclArn"] = acl.arn
        return result

    Gateway.to_dict = with_extras  # type: ignore[method-assign]

    def fields_of(params, protocol_default):  # type: ignore[no-untyped-def]
        return dict(
            name=params["name"],
            role_arn=params["roleArn"],
            protocol_type=params.get("protocolType") or protocol_default,
            authorizer_type=params["authorizerType"],
            description=params.get("description"),
            protocol_configuration=params.get("protocolConfiguration"),
            authorizer_configuration=params.get("authorizerConfiguration"),
            kms_key_arn=params.get("kmsKeyArn"),
            interceptor_configurations=params.get("interceptorConfigurations"),
            policy_engine_configuration=params.get("policyEngineConfiguration"),
            exception_level=params.get("exceptionLevel"),
        )

    def extras_of(params):  # type: ignore[no-untyped-def]
        return {k: params[k] for k in _GATEWAY_EXTRAS if params.get(k) is not None}

    def create_gateway(self):  # type: ignore[no-untyped-def]
        params = self._get_params()
        gateway = self.backend.create_gateway(
            **fields_of(params, "MCP"), tags=params.get("tags")
        )
        gateway.gatewarden_extras = extras_of(params)
        result = gateway.to_dict()
        result["status"] = "CREATING"
        return ActionResult(result)

    def update_gateway(self):  # type: ignore[no-untyped-def]
        params = self._get_params()
        identifier = self._get_param("gatewayIdentifier")
        current = self.backend.get_gateway(identifier)
        gateway = self.backend.update_gateway(
            gateway_identifier=identifier, **fields_of(params, current.protocol_type)
        )
        gateway.gatewarden_extras = extras_of(params)
        result = gateway.to_dict()
        result["status"] = "UPDATING"
        return ActionResult(result)

    BedrockAgentCoreControlResponse.create_gateway = create_gateway  # type: ignore[method-assign]
    BedrockAgentCoreControlResponse.update_gateway = update_gateway  # type: ignore[method-assign]
def _name_bucket_owners() -> None:
    """S3 bucket names are global and a bucket may be another account's; AWS tells a caller
    only through `ExpectedBucketOwner` and `s3:ResourceAccount`, which the front's IAM gate
    decides. HeadBucket answers the gate (never a caller: the front drops `x-gatewarden-*`
    headers) the owning account."""
    from moto.s3.models import s3_backends
    from moto.s3.responses import S3Response

    head_bucket = S3Response.head_bucket

    def with_owner(self):  # type: ignore[no-untyped-def]
        status, headers, body = head_bucket(self)
        owner = s3_backends.bucket_accounts.get(self.bucket_name)
        if status == 200 and owner:
            headers = {**headers, "x-gatewarden-bucket-account": owner[1]}
        return status, headers, body

    S3Response.head_bucket = with_owner  # type: ignore[method-assign]
def _delegated_administrators_read_the_organization() -> None:
    """On AWS a delegated administrator (the security account a StackSet or GuardDuty is
    delegated to) reads the organization: ListAccounts, DescribeAccount, ListParents. moto
    answers these only in the management account (a member's backend holds no accounts and
    lists none). A registered delegated administrator's reads are answered from the management
    account's backend; any other member's stay as moto answers them. moto's list of services
    that take a delegated administrator lacks StackSets and CloudTrail, which AWS lists."""
    from moto.organizations.models import (
        FakeDelegatedAdministrator,
        FakeServiceAccess,
        OrganizationsBackend,
        organizations_backends,
    )

    for principal in ("member.org.stacksets.cloudformation.amazonaws.com", "cloudtrail.amazonaws.com"):
        for listed in (FakeDelegatedAdministrator.SUPPORTED_SERVICES, FakeServiceAccess.TRUSTED_SERVICES):
            if principal not in listed:
                listed.append(principal)

    def management_of(backend):  # type: ignore[no-untyped-def]
        if backend.org is not None:
            return None
        found = organizations_backends.master_accounts.get(backend.account_id)
        if found is None:
            return None
        management = organizations_backends[found[0]][found[1]]
        delegated = any(admin.account.id == backend.account_id for admin in management.admins)
        return management if delegated else None

    for name in ("list_accounts", "describe_account", "list_parents", "list_children"):
        original = getattr(OrganizationsBackend, name)

        def read(self, *args, __original=original, __name=name, **kwargs):  # type: ignore[no-untyped-def]
            management = management_of(self)
            if management is None:
                return __original(self, *args, **kwargs)
            return getattr(management, __name)(*args, **kwargs)

        setattr(OrganizationsBackend, name, read)


def _parse_event_paths_once() -> None:
    """moto's EventBridge builds a new jsonpath parser (PLY tables) for each input path of each
    target of each event, about 3 ms apiece: 25 ms an event with the default template, so a
    storm of 10,000 refused calls took minutes to put. A parsed path is immutable: parsed once."""
    import functools

    import jsonpath_ng.ext

    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)


def _queues_that_scale() -> None:
    """moto's SQS is quadratic in the queue's depth: every SendMessage builds all the queue's
    attributes (three scans of its messages, two clock reads per message) to read one flag,
    every ReceiveMessage lists the visible messages through two properties per message, every
    DeleteMessage scans the queue twice. A queue 10,000 deep took minutes to fill and drain.
    Same semantics, one clock read and one pass each."""
    from moto.core.utils import unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    def messages(self):  # type: ignore[no-untyped-def]
        now = unix_time_millis()
        # visible: now > visible_at; delayed: now < delayed_until
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed_count(self):  # type: ignore[no-untyped-def]
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible_count(self):  # type: ignore[no-untyped-def]
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(delayed_count)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(not_visible_count)  # type: ignore[method-assign,assignment]

    def delete_message(self, receipt_handle):  # type: ignore[no-untyped-def]
        if receipt_handle in self.deleted_messages:
            return  # already deleted: SQS accepts deleting it again
        kept = []
        found = False
        for message in self._messages:
            if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
                found = True
                self.pending_messages.discard(message)
                self.deleted_messages.update(message.all_receipt_handles)
                continue
            kept.append(message)
        if not found:
            raise ReceiptHandleIsInvalid()
        self._messages = kept

    Queue.delete_message = delete_message  # type: ignore[method-assign]

    # SendMessage reads `queue.attributes` only for ContentBasedDeduplication (a FIFO
    # attribute): while this thread sends, that queue's attributes are its FIFO flags only.
    send = SQSBackend.send_message
    all_attributes = Queue.attributes.fget
    sending = threading.local()

    def send_message(self, queue_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        sending.queue = self.get_queue(queue_name)
        try:
            return send(self, queue_name, *args, **kwargs)
        finally:
            sending.queue = None

    def attributes(self):  # type: ignore[no-untyped-def]
        if getattr(sending, "queue", None) is not self:
            return all_attributes(self)
        if not self.fifo_queue:
            return {}
        return {"ContentBasedDeduplication": str(bool(self.content_based_deduplication)).lower()}

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]


def _transactions_that_scale() -> None:
    """moto's TransactWriteItems deep-copies every table it touches before it starts, to roll
    back on a cancellation: a transaction on a table of 10,000 items copied all of them, so
    each cost more than the last. DynamoDB's transaction is all-or-nothing on its own items:
    the items it names are kept aside and put back on a cancellation, as moto's copy would."""
    import copy
    import types

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    real_copy = dynamodb_models.copy

    def deepcopy(value, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The whole-table backup of transact_write_items (the items are kept below instead).
        return value if isinstance(value, Table) else real_copy.deepcopy(value, *args, **kwargs)

    dynamodb_models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=real_copy.copy)
    transact = DynamoDBBackend.transact_write_items

    def kept_items(self, transact_items):  # type: ignore[no-untyped-def]
        kept = []
        for entry in transact_items:
            if not isinstance(entry, dict) or len(entry) != 1:
                continue
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            key = op.get("Key") or op.get("Item") or {}
            try:
                hash_key = DynamoType(key[table.hash_key_attr])
                range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            except (KeyError, TypeError):
                continue
            if range_key is None:
                old = table.items.get(hash_key)
            else:
                old = table.items[hash_key].get(range_key) if hash_key in table.items else None
            kept.append((table, hash_key, range_key, copy.deepcopy(old)))
        return kept

    def put_back(kept):  # type: ignore[no-untyped-def]
        for table, hash_key, range_key, old in reversed(kept):
            if range_key is None:
                if old is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = old
            elif old is None:
                if hash_key in table.items:
                    table.items[hash_key].pop(range_key, None)
                    if not table.items[hash_key]:
                        del table.items[hash_key]
            else:
                table.items[hash_key][range_key] = old

    def transact_write_items(self, transact_items):  # type: ignore[no-untyped-def]
        kept = kept_items(self, transact_items)
        try:
            return transact(self, transact_items)
        except Exception:
            put_back(kept)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _events_parsed_once_per_put() -> None:
    """moto's PutEvents deep-copies a message template and parses the event's detail again for
    every rule on the bus (20 detect rules: 20 parses an event), matching or not. Each event
    is parsed once and each rule gets its own message around that detail. Any entry moto would
    refuse or warn about goes through moto's own code, unchanged."""
    import json

    from moto.core.utils import unix_time
    from moto.events.models import EventsBackend
    from moto.moto_api._internal import mock_random as random

    import threading

    from moto.events.responses import EventsHandler

    put_events = EventsBackend.put_events
    # The account and region a rule-forwarded event comes from (`x-gatewarden-event-origin`, set
    # only by the front's rule-delivery hand-over, refused from any caller): AWS keeps them in
    # the envelope when a rule puts an event on another account's or region's bus; moto would
    # write the bus's own.
    origin = threading.local()
    handle = EventsHandler.put_events

    def put_events_with_origin(self):  # type: ignore[no-untyped-def]
        origin.value = str(self.headers.get("x-gatewarden-event-origin") or "")
        try:
            return handle(self)
        finally:
            origin.value = ""

    EventsHandler.put_events = put_events_with_origin  # type: ignore[method-assign]

    def plain(event):  # type: ignore[no-untyped-def]
        if not (event.get("Source") and event.get("DetailType") and event.get("Detail")):
            return None
        try:
            detail = json.loads(event["Detail"])
        except ValueError:
            return None
        return detail if isinstance(detail, dict) else None

    def each_parsed_once(self, events):  # type: ignore[no-untyped-def]
        details = [plain(event) for event in events]
        if len(events) > 10 or any(detail is None for detail in details):
            return put_events(self, events)
        entries = []
        account, _, region = str(getattr(origin, "value", "") or "").partition(":")
        account = account or self.account_id
        region = region or self.region_name
        for event, detail in zip(events, details):
            event_id = str(random.uuid4())
            entries.append({"EventId": event_id})
            bus = self.describe_event_bus(self._normalize_event_bus_arn(event.get("EventBusName")))
            # A snapshot: another thread's PutRule may add a rule meanwhile.
            for rule in list(bus.rules.values()):
                rule.send_to_targets(
                    {
                        "version": "0",
                        "id": event_id,
                        "detail-type": event["DetailType"],
                        "source": event["Source"],
                        "account": account,
                        "time": event.get("Time", unix_time()),
                        "region": region,
                        "resources": event.get("Resources", []),
                        "detail": detail,
                        "ingestion-time": unix_time(),
                    }
                )
        return entries

    EventsBackend.put_events = each_parsed_once  # type: ignore[method-assign]


def _secrets_store_safe_under_threads() -> None:
    """moto's server answers requests on threads, and its Secrets Manager store looks a secret
    up by iterating over the live dict: a CreateSecret arriving while another one adds its
    secret fails with "dictionary changed size during iteration" (seen when AgentCore Identity's
    stand-in created three managed provider secrets at once). AWS serves concurrent creates;
    here each lookup iterates over a snapshot of the values instead."""
    from moto.secretsmanager.models import SecretsStore
    from moto.secretsmanager.utils import get_secret_name_from_partial_arn

    def matching(store, key):  # type: ignore[no-untyped-def]
        for secret in list(dict.values(store)):
            if secret.arn == key or secret.name == key:
                return secret
        return None

    def getitem(self, key):  # type: ignore[no-untyped-def]
        found = matching(self, key)
        if found is not None:
            return found
        return dict.__getitem__(self, get_secret_name_from_partial_arn(key))

    def contains(self, key):  # type: ignore[no-untyped-def]
        if matching(self, key) is not None:
            return True
        return dict.__contains__(self, get_secret_name_from_partial_arn(key))

    def get(self, key):  # type: ignore[no-untyped-def]
        found = matching(self, key)
        if found is not None:
            return found
        return dict.get(self, get_secret_name_from_partial_arn(key))

    def pop(self, key):  # type: ignore[no-untyped-def]
        found = matching(self, key)
        name = get_secret_name_from_partial_arn(found.name if found is not None else key)
        return dict.pop(self, name, None)

    SecretsStore.__getitem__ = getitem  # type: ignore[method-assign]
    SecretsStore.__contains__ = contains  # type: ignore[method-assign]
    SecretsStore.get = get  # type: ignore[method-assign]
    SecretsStore.pop = pop  # type: ignore[method-assign]


def _events_delivered_with_their_account() -> None:
    """EventBridge delivers an event to a target with every envelope field, `account` included
    (the account it happened in, kept when a rule forwards it to another account's bus); moto's
    default target input leaves `account` out. Detect reads it: a record without
    `recipientAccountId` takes it, and the members' delivery times are keyed by it."""
    from moto.events.utils import EventTemplateParser

    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = (
        '{"id": "<id>", "time": <time>, "version": "0", "detail-type": "<detail-type>", '
        '"source": "<source>", "account": "<account>", "region": "<region>", '
        '"resources": <resources>, "detail": <detail>}'
    )


def main() -> None:
    port = sys.argv[1]
    threading.Thread(target=_exit_when_parent_goes_away, daemon=True).start()
    _accept_templates_aws_accepts()
    _store_role_policies_as_iam_does()
    _deliver_events_as_eventbridge_does()
    motoDeliveries.decide_subscriptions()
    _store_key_policies_as_kms_does()
    _make_keys_as_cloudformation_says()
    _attach_table_policies_as_cloudformation_does()
    _outputs_after_change_sets()
    _replace_gateways_as_agentcore_does()
    _name_bucket_owners()
    _delegated_administrators_read_the_organization()
    _parse_event_paths_once()
    _events_parsed_once_per_put()
    _events_delivered_with_their_account()
    _queues_that_scale()
    _transactions_that_scale()
    _secrets_store_safe_under_threads()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", port])


if __name__ == "__main__":
    main()
