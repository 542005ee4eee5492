"""Triage runs the sentence encoder on one thread, in the calling thread (PERFORMANCE.md: one core per message).

How fast triage is — p99 ≤ 10 ms per message on one core — is measured by the benchmark
`python -m bench triage_latency`, not asserted here.
"""


def test_the_encoder_uses_one_thread(classifier):
    assert classifier.encoder.session.get_session_options().intra_op_num_threads == 1
