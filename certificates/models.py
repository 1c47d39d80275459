import secrets
from datetime import datetime

from django.db import models
from django.utils import timezone

from certificates import status_lists
from courses.models import Course, Enrolment
from people.models import Person
from quizzes.models import Attempt


def _random_offset() -> int:
    return secrets.randbelow(status_lists.SIZE)


# Crockford-like alphabet: no 0/O or 1/I/L to misread from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_verification_code() -> str:
    """LNC- and 16 characters from a 31-letter alphabet: about 79 bits, not guessable."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "LNC-" + "-".join(body[i : i + 4] for i in range(0, 16, 4))


class StatusList(models.Model):
    """A W3C Bitstring Status List of SIZE entries (purpose revocation). Entries are handed out
    once, by a counter that only grows, so an index is never reused; a full list is left as it is
    and the next certificate opens a new one. Every change of a bit bumps `version`; the signed
    list credential is made again only when `signed_version` is behind (once per change)."""

    SIZE = status_lists.SIZE

    purpose = models.CharField(max_length=20, default=status_lists.PURPOSE_REVOCATION)
    bits = models.BinaryField(default=status_lists.empty, editable=False)
    allocated = models.PositiveIntegerField(default=0)
    # Start of the scattered order in which this list hands out its indexes.
    offset = models.PositiveIntegerField(default=_random_offset)
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    credential = models.JSONField(null=True, blank=True, editable=False)
    signed_version = models.PositiveIntegerField(default=0)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allocated__lte=status_lists.SIZE), name="status_list_allocated_in_size"
            )
        ]

    def __str__(self) -> str:
        return f"status list {self.pk} ({self.purpose}, {self.allocated}/{self.SIZE})"


class IssuerKey(models.Model):
    """A signing key added by rotation: it signs what is dated from `active_from` on, and its
    public half stays published for ever (the bootstrap `key-1` comes from the settings)."""

    kid = models.SlugField(max_length=40, unique=True)
    public_key_multibase = models.CharField(max_length=64, unique=True)
    # The secret, encrypted with a key derived from DJANGO_SECRET_KEY (certificates.keys.seal).
    private_key_sealed = models.TextField(editable=False)
    active_from = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["active_from", "pk"]

    def __str__(self) -> str:
        return f"{self.kid} (from {self.active_from:%Y-%m-%d %H:%M})"


def new_identity_salt() -> str:
    return secrets.token_hex(16)


class RevocationCategory(models.TextChoices):
    """What a verifier is told about why a certificate was revoked (the free text stays inside)."""

    ISSUED_IN_ERROR = "issued_in_error", "Diterbitkan keliru / Issued in error"
    MISCONDUCT = "misconduct", "Pelanggaran / Misconduct"
    EXAM_IRREGULARITY = "exam_irregularity", "Kecurangan ujian / Exam irregularity"
    SUPERSEDED = "superseded", "Digantikan / Superseded"
    OTHER = "other", "Lainnya / Other"


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
    # Salt of the holder's identityHash in the credential (OB 3.0: sha256 of NRP + salt).
    identity_salt = models.CharField(max_length=64, default=new_identity_salt, editable=False)
    revocation_category = models.CharField(max_length=20, choices=RevocationCategory.choices, blank=True)
    # Its entry in a Bitstring Status List, given once at issue and never reused.
    status_list = models.ForeignKey(
        StatusList, on_delete=models.PROTECT, related_name="certificates", null=True, blank=True
    )
    status_index = models.PositiveIntegerField(null=True, blank=True)
    # Rendered once by the worker after the row is committed; kept in the database so every
    # web process on every machine serves the same bytes.
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    credential = models.JSONField(null=True, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["course", "status", "issued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_certificate_per_status_entry"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def current_status(self) -> str:
        """The status as of now: a valid certificate past its expiry date reads as expired."""
        return self.status_as_of(self.status, self.expires_at, timezone.now())

    @classmethod
    def status_as_of(cls, status: str, expires_at: datetime | None, now: datetime) -> str:
        """`current_status` of a row read as values (status and expiry)."""
        if status == cls.Status.VALID and expires_at and expires_at <= now:
            return cls.Status.EXPIRED
        return status


class ExpiryReminder(models.Model):
    """A reminder N days before expiry was sent (or passed over for a nearer one): once each."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="expiry_reminders")
    days = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days"], name="one_expiry_reminder_per_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.days} days"
