"""Applicants at /employer/ (review, decide, complete, feedback) and applications at /staff/.

Every decision goes through the Application's transition methods and Feedback.give; the
admin only collects who decided and the words that go with it, and reports what was done
or refused, naming the student. Importing this package registers both sites' admins; the
names other code uses are re-exported here.
"""

from applications.admin.common import (
    ApplicationEventInline,
    resume_link,
    skills_match_text,
    work_links_html,
)
from applications.admin.employer import (
    EMPLOYER_STEPS,
    EmployerApplicationAdmin,
    EmployerApplicationEventInline,
    OwnListingFilter,
)
from applications.admin.staff import ApplicationAdmin, FeedbackAdmin

__all__ = [
    "EMPLOYER_STEPS",
    "ApplicationAdmin",
    "ApplicationEventInline",
    "EmployerApplicationAdmin",
    "EmployerApplicationEventInline",
    "FeedbackAdmin",
    "OwnListingFilter",
    "resume_link",
    "skills_match_text",
    "work_links_html",
]

from applications.admin import todo  # noqa: E402,F401  (registers what waits on each site)
