def test_home_page_answers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"micro" in response.content.lower()


def test_fixtures_have_roles(student, employer, suspended_employer, staff):
    assert student.is_student and not student.is_employer
    assert employer.is_employer and not employer.is_student
    assert not suspended_employer.is_employer
    assert staff.is_career_staff and not student.is_career_staff
