"""Deliveries moto makes inside its own process, decided first by the front's IAM gate.

On AWS, SNS sends to a subscribed queue (or invokes a subscribed function) as
`sns.amazonaws.com` with the topic as `aws:SourceArn`, and EventBridge sends to a rule's queue or
topic target (or, when that is refused, to the target's dead-letter queue) as
`events.amazonaws.com` with the rule as `aws:SourceArn`: each only if the target's own policy
lets that service do it. moto delivers all of them unconditionally and never through the front.
Here each delivery is first put to the front (`POST /_gatewarden/iam/service-delivery`,
local/standin/serviceDelivery.ts), which decides it as IAM would and lists a refusal with its
other denials; only what it allows is delivered. A front that cannot be asked delivers nothing
(fail closed; the reason goes to moto's log).
"""

import copy
import http.client
import json
import os
import threading
import urllib.parse

_DECISION_PATH = "/_gatewarden/iam/service-delivery"
_connections = threading.local()
_endpoint: list = []


def _gate_is_off() -> bool:
    return os.environ.get("GATEWARDEN_LOCAL_IAM") == "off"


def front_endpoint() -> str:
    """The front's URL, from the state file its daemon writes once the front runs (it never
    changes while this moto runs: both belong to that daemon)."""
    if not _endpoint:
        with open(os.environ["GATEWARDEN_LOCAL_STATE_FILE"], encoding="utf-8") as state:
            _endpoint.append(json.load(state)["endpoint"])
    return _endpoint[0]


def _connection() -> http.client.HTTPConnection:
    # One kept-alive connection per moto thread: a delivery costs a request, not a handshake.
    connection = getattr(_connections, "front", None)
    if connection is None:
        url = urllib.parse.urlsplit(front_endpoint())
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        _connections.front = connection
    return connection


def delivery_allowed(service: str, source_arn: str, target_arn: str) -> tuple[bool, str]:
    """Whether `service`, acting for `source_arn`, may deliver to `target_arn`; the refusal's
    message when not."""
    if _gate_is_off():
        return True, ""
    body = json.dumps({"service": service, "sourceArn": source_arn, "targetArn": target_arn})
    for attempt in (1, 2):
        connection = _connection()
        try:
            connection.request(
                "POST", _DECISION_PATH, body, {"content-type": "application/json"}
            )
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}: {answer[:200]!r}")
            decision = json.loads(answer)
            return bool(decision.get("allowed")), str(decision.get("message", ""))
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            connection.close()
            _connections.front = None
            # A kept-alive connection the front closed while idle: once more on a new one.
            if attempt == 2:
                print(
                    f"motoDeliveries: delivery to {target_arn} not made (the IAM gate could not be asked: {error})",
                    flush=True,
                )
    return False, "the local IAM gate could not be asked"


def _service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 else ""


def _as_sent(event: dict) -> dict:
    """The event as EventBridge sends it (moto keeps `time` as epoch seconds)."""
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp

    sent = dict(event)
    if isinstance(sent.get("time"), (int, float)):
        sent["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(float(sent["time"])))
    return sent


def decides(target: dict) -> bool:
    """Whether a rule target is one this module delivers (a queue or a topic)."""
    return _service_of(str(target.get("Arn", ""))) in ("sqs", "sns")


def deliver_rule_target(rule, target: dict, event: dict, send_one) -> None:  # type: ignore[no-untyped-def]
    """A rule's queue or topic target: decided as EventBridge for the rule, then delivered by
    moto (`send_one`, a queue) or here (a topic: moto has no SNS target). Refused: the event
    goes to the target's dead-letter queue, as AWS sends a delivery it lacks permission for."""
    arn = str(target["Arn"])
    allowed, refusal = delivery_allowed("events.amazonaws.com", rule.arn, arn)
    if not allowed:
        _dead_letter(rule, target, event, refusal)
        return
    if _service_of(arn) == "sqs":
        send_one()
        return
    from moto.events.utils import EventTemplateParser
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    transformer = target.get("InputTransformer", {})
    message = EventTemplateParser.parse(
        input_template=transformer.get("InputTemplate"),
        input_paths_map=transformer.get("InputPathsMap", {}),
        event=copy.deepcopy(event),
    )
    topic = parse_arn(arn)
    sns_backends[topic.account][topic.region].publish(
        message=json.dumps(_as_sent(message) if isinstance(message, dict) else message),
        arn=arn,
    )


def _dead_letter(rule, target: dict, event: dict, refusal: str) -> None:  # type: ignore[no-untyped-def]
    """AWS sends an event it may not deliver straight to the target's dead-letter queue, with
    the rule, the target and the error as message attributes; the queue's policy must admit the
    rule too. No dead-letter queue, or one that does not admit the rule: the event is dropped."""
    dlq = str((target.get("DeadLetterConfig") or {}).get("Arn") or "")
    if not dlq:
        return
    allowed, _ = delivery_allowed("events.amazonaws.com", rule.arn, dlq)
    if not allowed:
        return
    from moto.sqs.models import sqs_backends
    from moto.utilities.arns import parse_arn

    queue = parse_arn(dlq)

    def attribute(value: str) -> dict:
        return {"DataType": "String", "StringValue": value}

    sqs_backends[queue.account][queue.region].send_message(
        queue_name=queue.resource_id,
        message_body=json.dumps(_as_sent(event)),
        message_attributes={
            "RULE_ARN": attribute(rule.arn),
            "TARGET_ARN": attribute(str(target["Arn"])),
            "ERROR_CODE": attribute("NO_PERMISSIONS"),
            "ERROR_MESSAGE": attribute(refusal or "not authorized"),
        },
    )


def decide_subscriptions() -> None:
    """SNS → SQS and SNS → Lambda subscriptions: each delivery is decided as
    `sns.amazonaws.com` for the topic against the queue or function policy. A refused one is not
    made; the other subscriptions of the topic still get theirs."""
    from moto.sns.models import Subscription

    publish = Subscription.publish

    def decided(self, message, message_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.protocol in ("sqs", "lambda"):
            matcher = self._filter_policy_matcher
            # A message the filter policy keeps out is no delivery: nothing to decide.
            if matcher is not None and not matcher.matches(kwargs.get("message_attributes"), message):
                return None
            allowed, _ = delivery_allowed("sns.amazonaws.com", self.topic.arn, self.endpoint)
            if not allowed:
                return None
        return publish(self, message, message_id, *args, **kwargs)

    Subscription.publish = decided  # type: ignore[method-assign]
