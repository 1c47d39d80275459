"""A learner's course page (`/api/v1/courses/<id>/`) as served, kept in the cache.

The page is the same for every learner (the course, its modules, lessons and published quizzes;
no one's progress), so its JSON is built once per course and language and read back with one
cache round trip instead of four queries and a nested serializer. Any write of a course, module,
lesson, quiz or quiz version (the admin, authoring, an import, a publish) drops every course's
entry at once and again at the commit (a module may move between courses); the time-out bounds
a change made around the ORM, or a read that raced a commit."""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation

from courses.models import Course, Lesson, Module
from quizzes.models import Quiz, QuizVersion

logger = logging.getLogger(__name__)

COURSE_PAGE_SECONDS = 60


def _key(course_id: int, language: str) -> str:
    return f"course-page:{language}:{course_id}"


def course_page(course_id: int, build: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The course page's data in the current language: the cached copy, else `build()` (None:
    no such published course, not cached)."""
    key = _key(course_id, translation.get_language() or settings.LANGUAGE_CODE)
    try:
        data = cache.get(key)
    except Exception:  # the cache is away: build it as before
        logger.warning("could not read the cached course page %s", course_id)
        return build()
    if data is None:
        data = build()
        if data is not None:
            data = dict(data)
            try:
                cache.set(key, data, COURSE_PAGE_SECONDS)
            except Exception:
                logger.warning("could not cache the course page %s", course_id)
    return data


def _keys(course_ids: Iterable[int]) -> list[str]:
    return [_key(pk, lang) for pk in course_ids for lang, _ in settings.LANGUAGES]


def _forget(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:  # the cache is away: its entries time out by themselves
        logger.warning("could not drop the cached course pages")


@receiver(post_save, sender=Course)
@receiver(post_delete, sender=Course)
@receiver(post_save, sender=Module)
@receiver(post_delete, sender=Module)
@receiver(post_save, sender=Lesson)
@receiver(post_delete, sender=Lesson)
@receiver(post_save, sender=Quiz)
@receiver(post_delete, sender=Quiz)
@receiver(post_save, sender=QuizVersion)
@receiver(post_delete, sender=QuizVersion)
def _course_content_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    # The keys are taken now, while a course being deleted is still known by its instance, and
    # the same keys are dropped again at the commit (a request in between may cache the old page).
    deleted = [kwargs["instance"].pk] if sender is Course else []
    keys = _keys({*Course.objects.values_list("pk", flat=True), *deleted})
    _forget(keys)
    transaction.on_commit(lambda: _forget(keys))
