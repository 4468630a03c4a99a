"""The objects the permission matrix and the header checks request pages about."""

import pytest

from tests.security.matrix import build_world


@pytest.fixture
def world(student, other_student, employer, other_employer, suspended_employer, staff):
    return build_world(
        student=student,
        other_student=other_student,
        employer=employer,
        other_employer=other_employer,
        suspended_employer=suspended_employer,
        staff=staff,
    )
