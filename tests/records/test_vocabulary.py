"""The vocabulary is the chaincode's: every moving bizStep has a status rule, and nothing else."""

from __future__ import annotations

from chaincode import rules
from records import BIZ_STEPS, DISPOSITIONS, MOVING_BIZ_STEPS, OBSERVATION_BIZ_STEPS, Status


def test_every_moving_biz_step_has_its_status_rule() -> None:
    assert tuple(rules.STATUS_BY_BIZ_STEP) == MOVING_BIZ_STEPS
    assert set(rules.STATUS_BY_BIZ_STEP.values()) <= set(Status)


def test_biz_steps_are_moving_or_observing_never_both() -> None:
    assert not set(MOVING_BIZ_STEPS) & set(OBSERVATION_BIZ_STEPS)
    assert set(BIZ_STEPS) == set(MOVING_BIZ_STEPS) | set(OBSERVATION_BIZ_STEPS)
    assert len(set(DISPOSITIONS)) == len(DISPOSITIONS)


def test_the_chaincode_accepts_exactly_the_vocabulary() -> None:
    assert [rules.normalize_biz_step(step) for step in BIZ_STEPS] == list(BIZ_STEPS)
    assert [rules.normalize_disposition(d) for d in DISPOSITIONS] == list(DISPOSITIONS)
    assert set(rules.TRANSITIONS) == set(Status)
