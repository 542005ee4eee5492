"""The auto-answer threshold holds the target precision at itself and at every higher confidence."""

from tickets.triage.evaluation import MIN_SUPPORT, choose_threshold, coverage_and_precision, evaluate


def test_threshold_keeps_precision_at_every_higher_confidence():
    # 100 right answers at high confidence, one mistake among them early on, then a run of mistakes lower down.
    confidence = [1.0 - i / 1000 for i in range(300)]
    correct = [True] * 300
    correct[150] = False
    for i in range(200, 300, 3):
        correct[i] = False
    threshold = choose_threshold(confidence, correct, target_precision=0.99)
    for cut in sorted({c for c in confidence if c >= threshold}):
        _, precision = coverage_and_precision(confidence, correct, cut)
        assert precision >= 0.99
    coverage, _ = coverage_and_precision(confidence, correct, threshold)
    assert 0.5 < coverage < 0.7


def test_the_first_answers_alone_do_not_decide_the_threshold():
    confidence = [0.99] + [0.98 - i / 10_000 for i in range(200)]
    correct = [False] + [True] * 200
    threshold = choose_threshold(confidence, correct, target_precision=0.99)
    assert threshold < 0.98  # one early mistake among fewer than MIN_SUPPORT answers does not stop everything
    assert MIN_SUPPORT > 1


def test_when_no_threshold_reaches_the_target_the_bot_never_answers():
    threshold = choose_threshold([0.9] * 50, [False] * 50)
    coverage, _ = coverage_and_precision([0.9] * 50, [False] * 50, threshold)
    assert coverage <= MIN_SUPPORT / 50


def test_evaluate_reports_accuracy_macro_f1_coverage_and_precision():
    result = evaluate(
        truth=["a", "a", "b", "b"],
        predicted=["a", "b", "b", "b"],
        confidence=[0.9, 0.4, 0.8, 0.95],
        threshold=0.5,
        level="intent",
    )
    assert result.accuracy == 0.75
    assert result.coverage == 0.75
    assert result.precision == 1.0
    assert result.n == 4
    assert 0.7 < result.macro_f1 < 0.8
