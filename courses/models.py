from django.db import models


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Function codes (people.models.Function) of the personnel who must take the course.
    required_functions = models.JSONField(default=list, blank=True)
    certificate_validity_days = models.PositiveIntegerField(null=True, blank=True, default=730)
    # Validity in calendar months; when set it decides, and the days above are not used (the
    # older setting, kept for courses authored with it). Neither: the certificate never expires.
    certificate_validity_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The person may take the course again (a new cycle) from this many days before expiry.
    recertification_window_days = models.PositiveIntegerField(default=60)
    # Assigned personnel without a valid certificate after this date are overdue.
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="Markdown, Bahasa Indonesia")
    body_en = models.TextField(blank=True, help_text="Markdown, English")

    class Meta:
        ordering = ["module", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="lesson_slug_unique_in_module")
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    """One person's cycle of a course. Attempts belong to a cycle and passes count only in the
    cycle they were made in; a certificate closes its cycle, and the next cycle may open from
    `next_cycle_at` (the certificate's expiry or, once revoked, at once)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="enrolments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    cycle = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    next_cycle_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person", "course", "cycle"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "cycle"], name="one_enrolment_per_cycle"),
            models.CheckConstraint(condition=models.Q(cycle__gte=1), name="enrolment_cycle_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.course_id}, cycle {self.cycle}"
