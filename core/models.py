"""What several apps' models share; abstract only (core has no tables)."""

from django.db import models


class Job(models.Model):
    """A long job the worker runs and a client follows at its own URL (API.md: 202 with
    `{"id", "status", "progress"}`): how much there is to do, and when it was asked, started and
    finished. Each job adds its own status choices, who asked and what it holds."""

    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
