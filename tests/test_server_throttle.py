"""The database-held throttles and the per-code join limit, on SQLite and PostgreSQL, with
a clock the test moves (nothing here waits): the backoff doubles after the free failures
up to its ceiling, a success forgives, a quiet day forgets, one key never slows another;
a cohort takes `JOINS_PER_CODE` joins a minute and more once the minute has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from grader.server import auth, enrolment, migrate
from grader.server.database import connect, writing
from grader.server.throttle import GUESSES, SIGN_INS, Backoff, Throttle, sign_in_key
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import PASSWORD, server_database_fixture  # noqa: F401

pytestmark = pytest.mark.xdist_group("server")
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def engine(server_database: str) -> Iterator[Engine]:
    made = connect(server_database)
    migrate.upgrade(made)
    yield made
    made.dispose()


def _try(engine: Engine, throttle: Throttle, key: str, backoff: Backoff = SIGN_INS) -> float:
    with writing(engine) as connection:
        return throttle.check_and_count(connection, key, backoff)


def test_the_backoff_doubles_after_the_free_failures_up_to_its_ceiling() -> None:
    waits = [SIGN_INS.wait_after(n) for n in range(16)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:9] == [30.0, 60.0, 120.0, 240.0]
    assert waits[-1] == SIGN_INS.longest == 900.0
    assert [GUESSES.wait_after(n) for n in (9, 10, 11)] == [0.0, 30.0, 60.0]


def test_wrong_tries_wait_longer_and_longer_and_only_for_their_key(engine: Engine) -> None:
    clock = Clock()
    throttle = Throttle(clock)
    attacker = sign_in_key("203.0.113.9", "teacher@example.com")
    assert [_try(engine, throttle, attacker) for _ in range(5)] == [0.0] * 5
    assert _try(engine, throttle, attacker) == 30.0  # refused, and not counted
    assert _try(engine, throttle, attacker) == 30.0
    clock.advance(29.5)
    assert _try(engine, throttle, attacker) == pytest.approx(0.5)
    clock.advance(0.5)
    assert _try(engine, throttle, attacker) == 0.0  # the 6th try; now a minute
    assert _try(engine, throttle, attacker) == 60.0
    clock.advance(60)
    assert _try(engine, throttle, attacker) == 0.0  # the 7th; now 2 minutes
    assert _try(engine, throttle, attacker) == 120.0
    # The instructor, from their own address, is not slowed at all.
    teacher = sign_in_key("198.51.100.7", "teacher@example.com")
    assert _try(engine, throttle, teacher) == 0.0


def test_a_success_forgives_and_a_quiet_day_forgets(engine: Engine) -> None:
    clock = Clock()
    throttle = Throttle(clock)
    key = sign_in_key("192.0.2.1", "forgetful@example.com")
    for _ in range(5):
        _try(engine, throttle, key)
    assert _try(engine, throttle, key) > 0
    clock.advance(SIGN_INS.first)
    assert _try(engine, throttle, key) == 0.0  # the right password this time:
    with writing(engine) as connection:
        throttle.forgive(connection, key, everything=True)
    assert [_try(engine, throttle, key) for _ in range(5)] == [0.0] * 5
    assert _try(engine, throttle, key) > 0
    clock.advance(SIGN_INS.forget)
    assert [_try(engine, throttle, key) for _ in range(5)] == [0.0] * 5


def test_forgiving_one_takes_back_only_the_success(engine: Engine) -> None:
    clock = Clock()
    throttle = Throttle(clock)
    key = "learner-token|192.0.2.2"
    for _ in range(9):
        assert _try(engine, throttle, key, GUESSES) == 0.0
    assert _try(engine, throttle, key, GUESSES) == 0.0  # the 10th: a right token
    with writing(engine) as connection:
        throttle.forgive(connection, key)
    assert _try(engine, throttle, key, GUESSES) == 0.0  # still one free: 9 wrong so far
    assert _try(engine, throttle, key, GUESSES) == 30.0


def test_a_cohort_takes_its_joins_per_minute_then_more_a_minute_later(engine: Engine) -> None:
    with writing(engine) as connection:
        teacher = auth.create_instructor(connection, "joins@example.com", PASSWORD)
        _, code = enrolment.create_cohort(connection, teacher, "Busy")
        _, other = enrolment.create_cohort(connection, teacher, "Quiet")
    moment = START
    for n in range(enrolment.JOINS_PER_CODE):
        with writing(engine) as connection:
            enrolment.join(connection, code, f"Learner {n}", moment, limited=True)
        moment += dt.timedelta(seconds=0.1)
    with writing(engine) as connection, pytest.raises(enrolment.BadEnrolment) as refused:
        enrolment.join(connection, code, "One too many", moment, limited=True)
    assert refused.value.status == 429 and refused.value.retry_after is not None
    assert refused.value.retry_after == pytest.approx(60 - (moment - START).total_seconds())
    with writing(engine) as connection:
        enrolment.join(connection, other, "Another cohort", moment, limited=True)  # its own limit
    with writing(engine) as connection:
        enrolment.join(connection, code, "A minute later",
                        START + dt.timedelta(seconds=60.01), limited=True)
