"""EventBridge rules with an SNS topic as target, and scheduled rules kept out of event matching, as in AWS. moto 5.2.1
(Rule.send_to_targets) raises NotImplementedError for an SNS target; here the (transformed) event is published to the
topic through moto's SNS backend, so SNS subscriptions (SQS queues) receive it. moto also offers every event to
scheduled rules (no pattern matches everything) and then fails on their Lambda target; in AWS a scheduled rule never
matches an event, so those are skipped. The stack's RotationFailed rule notifies its SNS topic; the tests read the
topic through an SQS queue."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from moto.events.models import Rule as EventRule
from moto.events.utils import EventTemplateParser
from moto.sns.models import sns_backends

from moto_ext.aliases import JsonDict

_event_targets_lock = threading.Lock()


def publish_event_to_topic(target: JsonDict, original_event: JsonDict) -> None:
    """Publishes the event, transformed as the target says, as EventBridge does: `time` as ISO 8601 text, a template
    that makes a JSON string sends that text, anything else its JSON."""
    event = copy_event(original_event)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(event["time"])))
    if "Input" in target:
        message: Any = json.loads(target["Input"])
    elif "InputTransformer" in target:
        transformer = target["InputTransformer"]
        message = EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                            input_paths_map=transformer.get("InputPathsMap", {}), event=event)
    else:
        message = event
    text = message if isinstance(message, str) else json.dumps(message)
    topic_arn = str(target["Arn"])
    _, _, _, region, account, _ = topic_arn.split(":", 5)
    sns_backends[account][region].publish(message=text, arn=topic_arn)


def copy_event(event: JsonDict) -> JsonDict:
    return json.loads(json.dumps(event, default=str))


def install_event_targets() -> None:
    original_send = EventRule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if getattr(self, "scheduled_expression", None):
            return
        topics = [t for t in self.targets if str(t.get("Arn", "")).split(":")[2:3] == ["sns"]]
        if not topics:
            original_send(self, original_event, transform_input)
            return
        if not self.event_pattern.matches_event(original_event):
            return
        for target in topics:
            publish_event_to_topic(target, original_event)
        others = [t for t in self.targets if t not in topics]
        if others:
            with _event_targets_lock:  # moto reads self.targets; hand it the other targets for this one call
                all_targets = self.targets
                self.targets = others
                try:
                    original_send(self, original_event, transform_input)
                finally:
                    self.targets = all_targets

    EventRule.send_to_targets = send_to_targets  # type: ignore[method-assign]
