"""Messages written at the same moment by many threads get a gap-free sequence, and racing resends of one client id
store it exactly once — raced for real on PostgreSQL."""

import threading

import pytest
from django.db import connection

from tests.factories import ConversationFactory
from tickets.models import Message, SenderKind, Status

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 12


def race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results, errors = [], []

    def run(*args):
        try:
            barrier.wait()
            results.append(target(*args))
        except Exception as exc:  # noqa: BLE001 - every failure in a thread is reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def post(conversation, n, client_msg_id):
    from tickets.services.messages import post_message

    message, created = post_message(
        conversation=conversation, sender_kind=SenderKind.SYSTEM, body=f"message {n}", client_msg_id=client_msg_id
    )
    return message.seq, created


def test_concurrent_messages_get_a_gap_free_sequence():
    conversation = ConversationFactory(status=Status.QUEUED)
    results = race(post, [(conversation, n, f"id-{n}") for n in range(WRITERS)])
    assert sorted(seq for seq, _ in results) == list(range(1, WRITERS + 1))
    conversation.refresh_from_db()
    assert conversation.last_seq == WRITERS
    assert list(Message.objects.filter(conversation=conversation).values_list("seq", flat=True)) == list(
        range(1, WRITERS + 1)
    )


def test_racing_resends_of_one_client_id_store_one_message():
    conversation = ConversationFactory(status=Status.QUEUED)
    results = race(post, [(conversation, 0, "the-same-id") for _ in range(WRITERS)])
    assert {seq for seq, _ in results} == {1}
    assert sum(created for _, created in results) == 1
    assert Message.objects.filter(conversation=conversation).count() == 1
