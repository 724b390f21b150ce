from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what to which object: one trail for the whole portal.

    Written by ``contactpoint.audit.log_action`` inside the transaction of the change it
    describes, so a rolled-back change leaves no entry and a committed one always has one.
    """

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class OutboxMessage(models.Model):
    """A Celery task due after a commit, recorded in the same transaction.

    Its life: *pending* (waiting for the broker) -> *published* (``sent_at``: handed to the
    broker) -> *done* (``done_at``: the task reported success). A published message whose
    task never reports done (broker lost it, worker killed) is published again after
    ``OUTBOX_REDELIVER_AFTER`` seconds; after ``OUTBOX_MAX_ATTEMPTS`` publications or a task
    that gave up retrying it is *dead* (``dead_at``) and waits for staff (admin: retry).
    ``last_error`` holds the latest failure, so a message with an error is *failing*.
    """

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # Optional: a second enqueue with the same key while the first is unfinished is a no-op.
    dedup_key = models.CharField(max_length=200, null=True, blank=True)
    sent_at = models.DateTimeField(_("published"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True, dead_at__isnull=True),
            ),
            models.Index(
                fields=["sent_at"],
                name="outbox_unfinished_idx",
                condition=models.Q(
                    sent_at__isnull=False, done_at__isnull=True, dead_at__isnull=True
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                name="outbox_unfinished_dedup_key",
                condition=models.Q(
                    done_at__isnull=True, dead_at__isnull=True, dedup_key__isnull=False
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"

    @property
    def celery_task_id(self) -> str:
        # Stable id: a message published twice carries the same task id, and the worker
        # finds the message again from it when the task ends (contactpoint.outbox).
        return f"{TASK_ID_PREFIX}{self.pk}"


TASK_ID_PREFIX = "outbox-"


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran the heartbeat task, shown by /health/."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RateLimitCounter(models.Model):
    """How many times a client (an IP, a hashed e-mail...) did something in one window.

    Counted in PostgreSQL with one atomic upsert per hit, so limits hold across every web
    process and keep working while Redis is down (``contactpoint.ratelimit``).
    """

    key = models.CharField(max_length=120)
    window = models.BigIntegerField()  # Unix time // window length
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate limit counter")
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratelimit_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.window}: {self.count}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token of a staff member (``Authorization: Bearer <token>``).

    Only a SHA-256 of the secret is stored: the secret is shown once, when the token is
    created (``contactpoint.api_tokens.create_token``). The token acts as its owner, with
    the owner's roles, and its scope narrows that further: a *read* token only reads.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    # The first characters of the secret, to tell tokens apart; not enough to guess it.
    prefix = models.CharField(_("prefix"), max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
