from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from core.models import Job


def _today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


class Role(models.TextChoices):
    """Roles are Django groups of these names; staff is `User.is_staff`."""

    LEARNER = "learner", "Learner"
    INSTRUCTOR = "instructor", "Instructor"
    HR = "hr", "HR"
    STAFF = "staff", "Staff"


class Function(models.TextChoices):
    LANTAS = "lantas", "Lalu Lintas (Lantas)"
    SPKT = "spkt", "Sentra Pelayanan Kepolisian Terpadu (SPKT)"
    RESKRIM = "reskrim", "Reserse Kriminal"
    SAMAPTA = "samapta", "Samapta"
    INTELKAM = "intelkam", "Intelijen Keamanan"
    BINMAS = "binmas", "Pembinaan Masyarakat"
    OTHER = "other", "Other"


class Rank(models.TextChoices):
    """Pangkat, lowest to highest."""

    BHARADA = "Bharada"
    BHARATU = "Bharatu"
    BHARAKA = "Bharaka"
    ABRIPDA = "Abripda"
    ABRIPTU = "Abriptu"
    ABRIPPOL = "Abrippol"
    BRIPDA = "Bripda"
    BRIPTU = "Briptu"
    BRIGPOL = "Brigpol"
    BRIPKA = "Bripka"
    AIPDA = "Aipda"
    AIPTU = "Aiptu"
    IPDA = "Ipda"
    IPTU = "Iptu"
    AKP = "AKP"
    KOMPOL = "Kompol"
    AKBP = "AKBP"
    KOMBES_POL = "Kombes Pol"
    BRIGJEN_POL = "Brigjen Pol"
    IRJEN_POL = "Irjen Pol"
    KOMJEN_POL = "Komjen Pol"
    JENDERAL_POL = "Jenderal Pol"
    PNS = "PNS", "Pegawai Negeri Sipil"


class Unit(models.Model):
    """A unit in the tree Mabes > Polda > Polres > Polsek, with Satuan (Sat Lantas, SPKT ...)
    within any of them. `code` is the registry's key; names are unique among siblings only
    (every Polres has its Sat Lantas).

    `path` is the materialised path of ids ("1/4/9/"), so a whole subtree is one
    `path__startswith` filter.
    """

    class Level(models.TextChoices):
        MABES = "mabes", "Mabes Polri"
        POLDA = "polda", "Polda"
        POLRES = "polres", "Polres"
        POLSEK = "polsek", "Polsek"
        SATUAN = "satuan", "Satuan"

    # Written by people.services; blank in a form means "make one" (U<id>).
    code = models.CharField(max_length=32, unique=True, blank=True)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Written only by people.services (unit_create, unit_update), which know the row's id.
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        constraints = [
            # An empty path would make `path__startswith` match every unit.
            models.CheckConstraint(condition=~models.Q(path=""), name="unit_path_not_empty"),
            models.UniqueConstraint(fields=["parent", "name"], name="unit_name_unique_among_siblings"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="unit_root_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.parent is not None and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": "A unit cannot be placed under itself or one of its own units."})


class PathWithin(models.Lookup):
    """`path__within=<a path, or a subquery of one>`: the units of that path's subtree. A path is
    ids and slashes only, so the subtree is the byte range [path, path + "~"). On PostgreSQL it is
    written with the operators of the path's `varchar_pattern_ops` index (byte order, whatever the
    database's collation), which the planner uses even when the path comes from a subquery, where
    `path__startswith` scans every unit (a pattern it cannot know when it plans)."""

    lookup_name = "within"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        ge, lt = ("~>=~", "~<~") if connection.vendor == "postgresql" else (">=", "<")
        params = (*lhs_params, *rhs_params, *lhs_params, *rhs_params)
        return f"({lhs} {ge} {rhs} AND {lhs} {lt} ({rhs} || '~'))", params


Unit._meta.get_field("path").register_lookup(PathWithin)


nrp_validator = RegexValidator(r"^(\d{8}|\d{18})$", "An NRP has 8 digits (a civil servant's NIP has 18).")


class Person(models.Model):
    """One member of the force, as the HR registry knows them. A person needs no account to
    exist (the registry sync creates thousands); `user` is set when they first sign in.
    Leavers are deactivated, never deleted: their certificates and attempts stay theirs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    nrp = models.CharField("NRP/NIP", max_length=18, unique=True, validators=[nrp_validator])
    name = models.CharField(max_length=200)
    rank = models.CharField(max_length=20, choices=Rank.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    function = models.CharField(max_length=20, choices=Function.choices, db_index=True)
    active = models.BooleanField(default=True)
    # Due dates relative to joining or transfer count from these days (Asia/Jakarta dates).
    joined_on = models.DateField(default=_today)
    unit_since = models.DateField(default=_today)
    left_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["unit", "function"], name="person_unit_function")]

    def __str__(self) -> str:
        return f"{self.rank} {self.name} ({self.nrp})"


class Transfer(models.Model):
    """A person's placements, oldest first: the registry's history of moves between units
    (the first row, with no `from_unit`, is where they started)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["person", "at", "id"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.from_unit_id} -> {self.to_unit_id}"


class RegistrySync(Job):
    """A big registry sync (more rows than a request answers for at once), run by the worker:
    the rows as sent until it ran, then its result, or the wrong rows and nothing applied."""

    class Kind(models.TextChoices):
        UNITS = "units", "Units"
        PERSONNEL = "personnel", "Personnel"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REJECTED = "rejected", "Rejected"  # some rows were wrong: nothing was applied

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows = models.JSONField(default=list, blank=True)  # emptied once the sync ran
    result = models.JSONField(null=True, blank=True)  # {"created", "updated", "unchanged"}
    errors = models.JSONField(default=list, blank=True)  # [{"row", "message"}]
    detail = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} sync {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        """All or nothing in one transaction: 0 until it has run, then 100."""
        return 100 if self.status in (self.Status.DONE, self.Status.REJECTED) else 0
