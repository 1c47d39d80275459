"""Reports' own data: HR's bulk exports of certificates; HR's assignments and the compliance
roll-up kept from them and from the events.

HR's assignments, and the compliance roll-up kept from them and from the events.

`ComplianceStatus` holds one row per person and course they are assigned (who is certified
until when, who has started, when they are due); `ComplianceCount` and `ExpiryCount` are its
per-unit totals. reports.services rewrites the rows of a unit when news about it arrives
(graded attempts, certificates issued or revoked, the registry's changes), so reports add up a
few thousand per-unit rows instead of scanning hundreds of thousands of people."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import Job
from courses.models import Course
from people.models import Person, Unit


class Export(Job):
    """HR's bulk export of certificates (a unit, a course, a date range): a ZIP of their PDFs and
    a CSV manifest, built by the worker with its progress, then downloaded."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The filters as given: course and unit ids, issued_after/issued_before as ISO 8601.
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class Assignment(models.Model):
    """A course required of personnel: of these functions (none: every function) in these units
    and their subtrees (none: the whole force), due by a date or a number of days after the
    person joined or moved to their unit."""

    class DueFrom(models.TextChoices):
        JOINING = "joining", "Joining"
        TRANSFER = "transfer", "Transfer to the unit"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    functions = models.JSONField(default=list, blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    due_days = models.PositiveIntegerField(null=True, blank=True)
    due_from = models.CharField(max_length=10, choices=DueFrom.choices, default=DueFrom.JOINING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_days__isnull=True), name="assignment_one_due_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course_id}: {self.functions or 'all'}"


class ComplianceStatus(models.Model):
    """One assigned person and course, as of `refreshed_at`. Whether they are overdue or their
    certificate runs out soon is read against today, so it is never stale."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    certified = models.BooleanField(default=False)
    certified_until = models.DateTimeField(null=True, blank=True)  # null and certified: no expiry
    started = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "course"], name="one_status_per_person_course")
        ]
        indexes = [
            models.Index(fields=["unit", "course", "person"], name="status_unit_course"),
            # The periodic pass looks for rows that time alone changes.
            models.Index(fields=["certified_until"], condition=Q(certified=True), name="status_expiry"),
            models.Index(fields=["due_on"], condition=Q(certified=False), name="status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.course_id}"


class ComplianceCount(models.Model):
    """The totals of one unit's own people (not its subtree) for one course."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    assigned = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "course"], name="one_count_per_unit_course")]

    def __str__(self) -> str:
        return f"unit {self.unit_id}, course {self.course_id}: {self.certified}/{self.assigned}"


class ExpiryCount(models.Model):
    """How many of one unit's certified people for one course are certified until this day."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "course", "expires_on"], name="one_expiry_count_per_day")
        ]
        indexes = [models.Index(fields=["course", "expires_on"], name="expiry_course_day")]

    def __str__(self) -> str:
        return f"unit {self.unit_id}, course {self.course_id}: {self.n} until {self.expires_on}"


class ComplianceRollup(models.Model):
    """ComplianceCount summed over a unit's whole subtree (the unit included), kept by deltas, so
    a report reads one row per unit it shows."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    assigned = models.IntegerField(default=0)
    certified = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "course"], name="one_rollup_per_unit_course")]

    def __str__(self) -> str:
        return f"subtree of unit {self.unit_id}, course {self.course_id}: {self.certified}/{self.assigned}"


class ExpiryRollup(models.Model):
    """ExpiryCount summed over a unit's whole subtree (the unit included)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "course", "expires_on"], name="one_expiry_rollup_per_day")
        ]

    def __str__(self) -> str:
        return f"subtree of unit {self.unit_id}, course {self.course_id}: {self.n} until {self.expires_on}"
