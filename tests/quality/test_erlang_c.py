"""Erlang C against textbook values and against an exact independent computation."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.quality.exceptions import ForecastInputInvalid
from tickets.quality.staffing import (
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    servers_needed,
    service_level,
)


def exact_erlang_c(traffic: int, servers: int) -> Fraction:
    """The closed form, in exact rational arithmetic: (A^N/N!·N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N!·N/(N−A))."""
    a = Fraction(traffic)
    top = a**servers / math.factorial(servers) * Fraction(servers) / (servers - a)
    return top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)


# The classic call-centre example (Call Centre Helper, "Erlang C formula – made simple"): 100 calls per
# 30 minutes with a 3-minute handling time is A = 10 erlangs; with 11 agents 68.21 % of calls wait.
# The other values were checked with the exact closed form above (rational arithmetic, no rounding).
@pytest.mark.parametrize(("servers", "p_wait"), [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741), (15, 0.1020)])
def test_probability_of_waiting_matches_the_textbook_example(servers, p_wait):
    assert erlang_c(10, servers) == pytest.approx(p_wait, abs=5e-5)


@pytest.mark.parametrize(("servers", "sl"), [(11, 0.3896), (12, 0.6402), (13, 0.7956), (14, 0.8884)])
def test_service_level_within_20_seconds_in_the_textbook_example(servers, sl):
    assert service_level(traffic=10, servers=servers, target_seconds=20, aht_seconds=180) == pytest.approx(sl, abs=5e-5)


def test_the_textbook_example_needs_14_agents_for_80_percent_in_20_seconds():
    assert servers_needed(traffic=10, aht_seconds=180, target_seconds=20, service_level_target=0.8) == 14


def test_average_speed_of_answer_in_the_textbook_example():
    # ASA = C·AHT/(N − A) = 0.1741 · 180 / 4 ≈ 7.8 s with 14 agents
    assert average_speed_of_answer(traffic=10, servers=14, aht_seconds=180) == pytest.approx(7.836, abs=1e-3)


def test_erlang_b_textbook_value():
    # Erlang B table: A = 10 erlangs on 10 servers blocks 21.46 % of calls.
    assert erlang_b(10, 10) == pytest.approx(0.2146, abs=5e-5)


@settings(max_examples=200, deadline=None)
@given(traffic=st.integers(min_value=1, max_value=60), extra=st.integers(min_value=1, max_value=25))
def test_the_stable_recursion_equals_the_exact_closed_form(traffic, extra):
    servers = traffic + extra
    assert erlang_c(traffic, servers) == pytest.approx(float(exact_erlang_c(traffic, servers)), rel=1e-9)


def test_large_traffic_does_not_overflow():
    # 1,500 erlangs (the fintech's peak) on 1,550 servers: factorials of this size overflow floats.
    p = erlang_c(1500.0, 1550)
    assert 0 < p < 1


def test_an_overloaded_queue_always_waits_and_never_meets_a_service_level():
    assert erlang_c(10, 10) == 1.0 and erlang_c(10, 3) == 1.0
    assert service_level(traffic=10, servers=9, target_seconds=60, aht_seconds=300) == 0.0


def test_more_servers_never_lower_the_service_level():
    levels = [service_level(traffic=7.5, servers=n, target_seconds=30, aht_seconds=240) for n in range(8, 20)]
    assert levels == sorted(levels)


def test_no_traffic_needs_no_servers_and_a_trickle_needs_one():
    assert servers_needed(traffic=0, aht_seconds=360, target_seconds=60, service_level_target=0.8) == 0
    assert servers_needed(traffic=0.01, aht_seconds=360, target_seconds=60, service_level_target=0.8) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"traffic": -1, "aht_seconds": 360, "target_seconds": 60, "service_level_target": 0.8},
        {"traffic": 1, "aht_seconds": 360, "target_seconds": 60, "service_level_target": 1.0},
        {"traffic": 1, "aht_seconds": 360, "target_seconds": 60, "service_level_target": 0},
        {"traffic": 1, "aht_seconds": 0, "target_seconds": 60, "service_level_target": 0.8},
    ],
)
def test_bad_forecast_input_is_refused(kwargs):
    with pytest.raises(ForecastInputInvalid):
        servers_needed(**kwargs)
