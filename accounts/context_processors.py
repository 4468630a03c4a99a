from django.http import HttpRequest


def roles(request: HttpRequest) -> dict:
    """Which navigation to show: student, employer, staff (a person may be several)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_student": False, "is_employer": False, "is_career_staff": False}
    return {
        "is_student": user.is_student,
        "is_employer": user.is_employer,
        "is_career_staff": user.is_career_staff,
    }
