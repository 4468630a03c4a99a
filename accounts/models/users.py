"""People: the account everyone signs in with, and what a student tells employers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.files import File
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone

from accounts.uploads import private_storage, resume_path, validate_resume

if TYPE_CHECKING:
    from accounts.models.organizations import OrganizationQuerySet


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address: student, employer or staff."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            # Emails are stored in lower case so that uniqueness ignores case on every path.
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="user_email_lowercase",
                violation_error_message="Enter the email address in lower case.",
            ),
        ]
        # The back office searches people by name and email (icontains: UPPER(column) LIKE
        # '%WORD%'): trigram indexes answer it without reading every person.
        indexes = [
            GinIndex(OpClass(Upper(name), name="gin_trgm_ops"), name=f"user_{name}_trgm")
            for name in ("email", "first_name", "last_name")
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def normalize(email: str | None) -> str:
        """The stored form of an email address: trimmed and lower case."""
        return (email or "").strip().lower()

    def clean(self) -> None:
        super().clean()
        self.email = self.normalize(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = self.normalize(self.email)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name to greet the person by: full name, else the email's local part."""
        return self.get_full_name() or self.email.split("@")[0]

    @property
    def is_student(self) -> bool:
        """True for a person with a student profile."""
        return hasattr(self, "student_profile")

    @property
    def is_career_staff(self) -> bool:
        """True for career-center staff (staff flag plus the group) and superusers."""
        if not self.is_active or not self.is_staff:
            return False
        if self.is_superuser:
            return True
        return self.groups.filter(name=settings.CAREER_CENTER_GROUP).exists()

    def employer_organizations(self) -> OrganizationQuerySet:
        """Organizations this person may act for in the employer site."""
        from accounts.models.organizations import Organization

        return Organization.objects.employable_by(self)

    @property
    def is_employer(self) -> bool:
        """True for an active member of an organization that is not suspended."""
        return self.is_authenticated and self.employer_organizations().exists()


class StudentProfile(models.Model):
    """What a student tells employers about themselves."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    school = models.CharField(max_length=200, blank=True)
    program = models.CharField("program or major", max_length=200, blank=True)
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bio = models.TextField("short bio", max_length=1000, blank=True)
    portfolio_url = models.URLField("portfolio website", blank=True)
    github_url = models.URLField("GitHub profile", blank=True)
    linkedin_url = models.URLField("LinkedIn profile", blank=True)
    weekly_hours = models.PositiveSmallIntegerField(
        "hours a week you can work",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    resume = models.FileField(
        "résumé (PDF)",
        upload_to=resume_path,
        storage=private_storage,
        blank=True,
        validators=[validate_resume],
        help_text="A PDF of at most 5 MB. Only employers you apply to and the career center see it.",
    )
    resume_uploaded_at = models.DateTimeField(null=True, blank=True)
    handle = models.SlugField(
        "portfolio address",
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text="Your public portfolio lives at /students/your-address/. Letters, numbers and hyphens.",
    )
    portfolio_public = models.BooleanField(
        "show my portfolio publicly",
        default=False,
        help_text="Shows your name, school, skills and verified projects. Never your contact details.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(graduation_year__isnull=True)
                | Q(graduation_year__gte=1950, graduation_year__lte=2100),
                name="student_graduation_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(portfolio_public=False) | Q(handle__isnull=False),
                name="public_portfolio_has_handle",
            ),
        ]

    def __str__(self) -> str:
        return f"Student profile of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    def replace_resume(self, upload: File) -> None:
        """Store a new résumé under a fresh random name; the old file goes once this commits."""
        replaced = self.resume.name if self.resume else ""
        storage = self.resume.storage
        with transaction.atomic():
            # Stored on save under upload_to's random name; the student's file name is dropped.
            self.resume = upload
            self.resume_uploaded_at = timezone.now()
            self.save(update_fields=["resume", "resume_uploaded_at", "updated_at"])
            if replaced:
                # Only once the new name is committed: a rollback keeps the old file.
                transaction.on_commit(lambda: storage.delete(replaced))
