import secrets

from django.db import models
from django.utils import timezone

from courses.models import Course, Enrolment
from people.models import Person
from quizzes.models import Attempt

# Crockford-like alphabet: no 0/O or 1/I/L to misread from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_verification_code() -> str:
    """LNC- and 16 characters from a 31-letter alphabet: about 79 bits, not guessable."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "LNC-" + "-".join(body[i : i + 4] for i in range(0, 16, 4))


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    code = models.CharField(max_length=32, unique=True, default=new_verification_code, editable=False)
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    # Exactly one certificate per person, course and cycle, whatever becomes of it: a revoked
    # or expired certificate still closes its cycle, so its passes never earn another.
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    # The passing attempts that earned it (one per quiz), so a regrade finds what it affects.
    evidence = models.ManyToManyField(Attempt, related_name="certificates", blank=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)
    # Rendered once by the worker after the row is committed; kept in the database so every
    # web process on every machine serves the same bytes.
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    credential = models.JSONField(null=True, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["course", "status", "issued_at"])]

    def __str__(self) -> str:
        return self.code

    @property
    def current_status(self) -> str:
        """The status as of now: a valid certificate past its expiry date reads as expired."""
        if self.status == self.Status.VALID and self.expires_at and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status
