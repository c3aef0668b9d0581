"""The embedded SQS (moto): its clock read once per question, not once per message. Applied by
moto_patches.apply().

moto's queue answers a receive, and every send (its attributes include the approximate counts), by
checking each message in the queue for visibility and delay, each check reading the clock through
`moto.core.utils.unix_time`, which imports `datetime.UTC` and builds the epoch again on every call: with
400 messages in flight (a 10,000-customer cohort) that clock was a fifth of the embedded server's time,
and a fan-out's sends grew with the square of its messages. Here the same arithmetic has the import and
the epoch done once, and each count or listing reads the clock once (tested against moto's own)."""

from datetime import UTC, datetime

from moto.sqs import models as sqs_models

_EPOCH = datetime(1970, 1, 1)  # naive UTC, as moto's `utcfromtimestamp(0)`


def unix_time(dt: datetime | None = None) -> float:
    """Seconds since the epoch of `dt` (naive UTC; now when None), as `moto.core.utils.unix_time`."""
    delta = (dt or datetime.now(UTC).replace(tzinfo=None)) - _EPOCH
    return (delta.days * 86400) + (delta.seconds + (delta.microseconds / 1e6))


def unix_time_millis(dt: datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


def _messages(queue: sqs_models.Queue) -> list[sqs_models.Message]:
    """Visible and not delayed, as `Message.visible` and `Message.delayed` decide, at one moment."""
    now = unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed(queue: sqs_models.Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _not_visible(queue: sqs_models.Queue) -> int:
    now = unix_time_millis()
    return sum(1 for m in queue._messages if not now > m.visible_at)


def apply() -> None:
    """SQS's models imported both clock functions by name: replace them there, and the queue's counts."""
    vars(sqs_models)["unix_time"] = unix_time
    vars(sqs_models)["unix_time_millis"] = unix_time_millis
    queue = sqs_models.Queue
    queue.messages = property(_messages)  # type: ignore[assignment,method-assign]
    queue.approximate_number_of_messages_delayed = property(_delayed)  # type: ignore[assignment,method-assign]
    queue.approximate_number_of_messages_not_visible = property(_not_visible)  # type: ignore[assignment,method-assign]
