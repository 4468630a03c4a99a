"""The shared taxonomy listings are browsed by and students describe themselves with."""

from __future__ import annotations

from django.db import models


class Industry(models.Model):
    """A sector used to browse listings (software, non-profit, marketing...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A skill a project needs and a student can offer (one shared taxonomy)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # Declared here so that accounts need not know about skills: profile.skills.
    students = models.ManyToManyField("accounts.StudentProfile", blank=True, related_name="skills")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
