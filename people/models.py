from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


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
    """A unit in the tree Mabes > Polda > Polres > Polsek.

    `path` is the materialised path of ids ("1/4/9/"), so a whole subtree is one
    `path__startswith` filter.
    """

    class Level(models.TextChoices):
        MABES = "mabes", "Mabes Polri"
        POLDA = "polda", "Polda"
        POLRES = "polres", "Polres"
        POLSEK = "polsek", "Polsek"

    name = models.CharField(max_length=200, unique=True)
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
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.parent is not None and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": "A unit cannot be placed under itself or one of its own units."})


nrp_validator = RegexValidator(r"^(\d{8}|\d{18})$", "An NRP has 8 digits (a civil servant's NIP has 18).")


class Person(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    nrp = models.CharField("NRP/NIP", max_length=18, unique=True, validators=[nrp_validator])
    name = models.CharField(max_length=200)
    rank = models.CharField(max_length=20, choices=Rank.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    function = models.CharField(max_length=20, choices=Function.choices, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.rank} {self.name} ({self.nrp})"
