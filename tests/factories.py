"""factory_boy factories for every model, with role and status traits."""

from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership, Organization, StudentProfile, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Every factory user has a verified primary email unless verified_email=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)
        if create:
            self.save()


class StudentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentProfile

    user = factory.SubFactory(UserFactory)
    school = "State University"
    program = "Computer Science"
    graduation_year = 2027


class StudentFactory(UserFactory):
    """A user with a student profile."""

    profile = factory.RelatedFactory(StudentProfileFactory, factory_related_name="user")


class EstablishedStudentFactory(StudentFactory):
    """A student with a confirmed address and a months-old account (whose reports weigh most)."""

    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=90))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    website = factory.LazyAttribute(lambda o: f"https://{o.email_domain or 'example.com'}")
    email_domain = factory.Sequence(lambda n: f"org{n}.example")
    verification = Organization.Verification.PENDING

    class Params:
        verified = factory.Trait(verification=Organization.Verification.VERIFIED)
        suspended = factory.Trait(verification=Organization.Verification.SUSPENDED)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory, verified=True)
    role = Membership.Role.OWNER
    status = Membership.Status.ACTIVE


class EmployerFactory(UserFactory):
    """A user who owns (active membership) a verified organization, unless told otherwise."""

    membership = factory.RelatedFactory(MembershipFactory, factory_related_name="user")


class StaffFactory(UserFactory):
    """Career-center staff: is_staff and in the Career center group."""

    is_staff = True

    @factory.post_generation
    def career_center(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=settings.CAREER_CENTER_GROUP)
            self.groups.add(group)


# --- Listings ----------------------------------------------------------------------------


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "listings.Industry"
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Industry {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "listings.Skill"
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Skill {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ListingFactory(factory.django.DjangoModelFactory):
    """A listing; status traits: submitted, published, closed (all consistent timestamps)."""

    class Meta:
        model = "listings.Listing"
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory, verified=True)
    title = factory.Sequence(lambda n: f"Project number {n}")
    summary = "Help us ship a small, well-defined project."
    description = "We need a student to **analyse** our data and write a short report."
    deliverables = "A cleaned dataset\nA two-page report"
    industry = factory.SubFactory(IndustryFactory)
    estimated_hours = 20
    fee = Decimal("600.00")
    currency = "USD"
    location_type = "remote"
    openings = 1
    application_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    due_date = factory.LazyAttribute(lambda o: o.application_deadline + timedelta(days=21))
    contact_email = factory.LazyAttribute(
        lambda o: f"jobs@{o.organization.email_domain or 'example.com'}"
    )
    status = "draft"

    class Params:
        submitted = factory.Trait(
            status="submitted", submitted_at=factory.LazyFunction(timezone.now)
        )
        published = factory.Trait(
            status="published",
            submitted_at=factory.LazyFunction(timezone.now),
            published_at=factory.LazyFunction(timezone.now),
        )
        closed = factory.Trait(
            status="closed",
            published_at=factory.LazyFunction(timezone.now),
            closed_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)
            self.refresh_search_vector()


# --- Applications ------------------------------------------------------------------------

# The smallest well-formed PDF that pypdf reads: one empty page.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def pdf_upload(name="resume.pdf", content=MINIMAL_PDF, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; pass status= for any state (timestamps follow where they matter)."""

    class Meta:
        model = "applications.Application"

    listing = factory.SubFactory(ListingFactory, published=True)
    student = factory.SubFactory(StudentFactory)
    pitch = "I have done two similar projects and would start with a short plan."
    availability_confirmed = True
    resume = factory.django.FileField(filename="resume.pdf", data=MINIMAL_PDF)
    status = "submitted"
    offer_expires_at = factory.LazyAttribute(
        lambda o: timezone.now() + timedelta(days=3) if o.status == "offered" else None
    )
    completed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == "completed" else None
    )
