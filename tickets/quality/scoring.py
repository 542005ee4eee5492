"""The agent quality score: a weighted blend of CSAT, QA and (1 − reopen rate), each a Bayesian average.

Few data points pull a component towards its prior, so one bad rating neither sinks a new agent
nor one good rating crowns them. All components are on a 0–1 scale.
"""

from dataclasses import dataclass

WINDOW_DAYS = 30

# Weights of the three components; they sum to 1.
CSAT_WEIGHT = 0.4
QA_WEIGHT = 0.4
REOPEN_WEIGHT = 0.2

# Priors: a typical agent rates 4 of 5 (0.75 normalised) and 1 in 10 resolutions is reopened.
CSAT_PRIOR, CSAT_PRIOR_COUNT = 0.75, 5
QA_PRIOR, QA_PRIOR_COUNT = 0.75, 3
REOPEN_PRIOR_RATE, REOPEN_PRIOR_COUNT = 0.10, 10


def normalise_stars(stars: float) -> float:
    """1–5 stars (or a 1–5 scorecard average) onto 0–1."""
    return (stars - 1) / 4


def bayesian_average(*, total: float, count: int, prior: float, prior_count: int) -> float:
    """(prior_count · prior + Σ values) / (prior_count + n)."""
    return (prior_count * prior + total) / (prior_count + count)


@dataclass(frozen=True)
class QualityInputs:
    """What an agent did in the window, as counts and sums."""

    csat_count: int = 0
    csat_stars_sum: int = 0
    qa_count: int = 0
    qa_average_sum: float = 0.0  # Σ of each review's (correctness + tone + policy) / 3
    resolutions: int = 0
    reopens: int = 0


@dataclass(frozen=True)
class QualityScore:
    csat: float
    qa: float
    reopen_rate: float
    score: float


def quality_score(inputs: QualityInputs) -> QualityScore:
    csat_normalised_sum = inputs.csat_stars_sum - inputs.csat_count  # Σ (stars − 1)
    csat = bayesian_average(
        total=csat_normalised_sum / 4, count=inputs.csat_count, prior=CSAT_PRIOR, prior_count=CSAT_PRIOR_COUNT
    )
    qa = bayesian_average(
        total=(inputs.qa_average_sum - inputs.qa_count) / 4,
        count=inputs.qa_count,
        prior=QA_PRIOR,
        prior_count=QA_PRIOR_COUNT,
    )
    reopen_rate = bayesian_average(
        total=min(inputs.reopens, inputs.resolutions),
        count=inputs.resolutions,
        prior=REOPEN_PRIOR_RATE,
        prior_count=REOPEN_PRIOR_COUNT,
    )
    score = CSAT_WEIGHT * csat + QA_WEIGHT * qa + REOPEN_WEIGHT * (1 - reopen_rate)
    return QualityScore(csat=csat, qa=qa, reopen_rate=reopen_rate, score=round(min(max(score, 0.0), 1.0), 4))
