"""Celery task: triage one customer message. Safe to deliver twice."""

import logging
import threading

from celery import shared_task
from celery.signals import worker_process_init

from tickets.models import Message, Status
from tickets.triage.classifier import get_classifier
from tickets.triage.models import TriageDecision
from tickets.triage.services import triage_fail_safe, triage_message

logger = logging.getLogger(__name__)


@shared_task(name="triage")
def triage(message_id: int) -> None:
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or message.conversation.status != Status.BOT:
        return
    if TriageDecision.objects.filter(message_id=message_id).exists():
        return
    try:
        triage_message(message=message)
    except Exception:  # the customer must never be left with no one: hand over, then let it go
        logger.exception("Triage of message %s crashed; handing over to a person.", message_id)
        triage_fail_safe(message_id=message_id)


@worker_process_init.connect
def load_model_before_the_first_message(**kwargs) -> None:
    """Each worker process starts loading the model at once, so the first customer doesn't wait for it.

    In a thread: Celery kills a child whose start-up takes more than a few seconds, and a load (or a
    first build) can take longer. A task that arrives meanwhile waits for the same load.
    """
    threading.Thread(target=_load_model, name="triage-model-load", daemon=True).start()


def _load_model() -> None:
    try:
        get_classifier()
    except Exception:  # the first task will try again, and hand over if it still fails
        logger.exception("Could not load the triage model at worker start.")
