from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what to which object, and when: authoring, publishing, grading overrides and
    revocations. Rows are only ever added; the username is kept as it was, so an entry still
    says who even after the user is renamed or deleted."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150)
    action = models.CharField(
        max_length=100, db_index=True, help_text="e.g. quiz.publish, certificate.revoke"
    )
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.target_id}"
