"""Writes of courses: authoring courses, modules and lessons, and the cycles of a person's
enrolment. (Importing a course with its quizzes is `quizzes.course_import`.)"""

from calendar import monthrange
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import model_assign, save_slugged
from courses import selectors
from courses.models import Course, Enrolment, Lesson, Module
from people.models import Person


class CourseData(TypedDict, total=False):
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    status: str
    required_functions: list[str]
    certificate_validity_days: int | None
    certificate_validity_months: int | None
    recertification_window_days: int
    due_date: date | None


class ModuleData(TypedDict, total=False):
    course: Course
    slug: str
    order: int
    title: str
    title_en: str


class LessonData(TypedDict, total=False):
    module: Module
    slug: str
    order: int
    title: str
    title_en: str
    body: str
    body_en: str


def _course_save(course: Course) -> Course:
    return save_slugged(
        course, among=Course.objects.all(), message=f"Another course has the slug '{course.slug}'."
    )


@transaction.atomic
def course_create(
    *,
    slug: str,
    title: str,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    status: str = Course.Status.DRAFT,
    required_functions: Sequence[str] = (),
    certificate_validity_days: int | None = 730,
    certificate_validity_months: int | None = None,
    recertification_window_days: int = 60,
    due_date: date | None = None,
) -> Course:
    return _course_save(
        Course(
            slug=slug,
            title=title,
            title_en=title_en,
            description=description,
            description_en=description_en,
            status=status,
            required_functions=list(required_functions),
            certificate_validity_days=certificate_validity_days,
            certificate_validity_months=certificate_validity_months,
            recertification_window_days=recertification_window_days,
            due_date=due_date,
        )
    )


@transaction.atomic
def course_update(*, course: Course, data: CourseData) -> Course:
    """Change the fields given in `data`; the others keep their values."""
    model_assign(course, data=data, fields=CourseData.__annotations__)
    return _course_save(course)


def course_delete(*, course: Course) -> None:
    """Delete the course with its modules, lessons and quizzes."""
    course.delete()


def _module_save(module: Module) -> Module:
    return save_slugged(
        module,
        among=Module.objects.filter(course=module.course_id),
        parent="course",
        message=f"Another module of this course has the slug '{module.slug}'.",
    )


@transaction.atomic
def module_create(*, course: Course, slug: str, title: str, title_en: str = "", order: int = 0) -> Module:
    return _module_save(Module(course=course, slug=slug, title=title, title_en=title_en, order=order))


@transaction.atomic
def module_update(*, module: Module, data: ModuleData) -> Module:
    """Change the fields given in `data` (a `course` moves the module there)."""
    model_assign(module, data=data, fields=ModuleData.__annotations__)
    return _module_save(module)


def module_delete(*, module: Module) -> None:
    """Delete the module with its lessons and quizzes."""
    module.delete()


def _lesson_save(lesson: Lesson) -> Lesson:
    return save_slugged(
        lesson,
        among=Lesson.objects.filter(module=lesson.module_id),
        parent="module",
        message=f"Another lesson of this module has the slug '{lesson.slug}'.",
    )


@transaction.atomic
def lesson_create(
    *,
    module: Module,
    slug: str,
    title: str,
    body: str,
    title_en: str = "",
    body_en: str = "",
    order: int = 0,
) -> Lesson:
    return _lesson_save(
        Lesson(
            module=module, slug=slug, title=title, title_en=title_en, body=body, body_en=body_en, order=order
        )
    )


@transaction.atomic
def lesson_update(*, lesson: Lesson, data: LessonData) -> Lesson:
    """Change the fields given in `data` (a `module` moves the lesson there)."""
    model_assign(lesson, data=data, fields=LessonData.__annotations__)
    return _lesson_save(lesson)


def lesson_delete(*, lesson: Lesson) -> None:
    lesson.delete()


def enrolment_current(*, person: Person, course: Course, now: datetime | None = None) -> Enrolment:
    """The cycle the person's attempts now count in, opening the first one or the next one
    when its time has come. Callers serialise a person's starts (a lock on the person); a
    concurrent opener of the same cycle is still answered with the row it made."""
    now = now or timezone.now()
    latest = selectors.enrolment_latest(person_id=person.pk, course_id=course.pk)
    if latest is not None and selectors.enrolment_is_current(enrolment=latest, now=now):
        return latest
    cycle = latest.cycle + 1 if latest else 1
    try:
        with transaction.atomic():
            return Enrolment.objects.create(person=person, course=course, cycle=cycle, opened_at=now)
    except IntegrityError:
        return Enrolment.objects.get(person=person, course=course, cycle=cycle)


def enrolments_lock(*, enrolment_ids: Iterable[int]) -> list[Enrolment]:
    """The enrolment rows (those that exist), locked for the rest of the transaction (their own
    rows only), in id order so that two transactions locking overlapping sets never deadlock.
    Their courses are read once each and shared (a flood's hundreds of enrolments are of a few
    courses: no course row built per enrolment)."""
    enrolments = list(
        Enrolment.objects.select_for_update().filter(pk__in=sorted(set(enrolment_ids))).order_by("pk")
    )
    courses = Course.objects.in_bulk({e.course_id for e in enrolments})
    for enrolment in enrolments:
        enrolment.course = courses[enrolment.course_id]
    return enrolments


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def certificate_expiry(*, course: Course, issued_at: datetime) -> datetime | None:
    """When a certificate of the course issued at `issued_at` expires (None: never). Months are
    calendar months (31 January + 1 month = 28/29 February)."""
    if course.certificate_validity_months:
        return _add_months(issued_at, course.certificate_validity_months)
    if course.certificate_validity_days:
        return issued_at + timedelta(days=course.certificate_validity_days)
    return None


def recertification_opens(
    *, course: Course, issued_at: datetime, expires_at: datetime | None
) -> datetime | None:
    """When the next cycle may open: the recertification window's first day, `window` days
    before expiry (never before issue); None for a certificate that never expires."""
    if expires_at is None:
        return None
    return max(issued_at, expires_at - timedelta(days=course.recertification_window_days))


def enrolment_complete(*, enrolment: Enrolment, at: datetime, next_cycle_at: datetime | None) -> None:
    """A certificate closed the cycle; the next one may open from `next_cycle_at` (never: None)."""
    enrolments_complete(next_cycle_at={enrolment.pk: next_cycle_at}, at=at)


def enrolments_complete(*, next_cycle_at: dict[int, datetime | None], at: datetime) -> None:
    """`enrolment_complete` of many enrolments (by id: when each one's next cycle may open), one
    update per distinct date."""
    by_date: dict[datetime | None, list[int]] = {}
    for enrolment_id, opens in next_cycle_at.items():
        by_date.setdefault(opens, []).append(enrolment_id)
    for opens, ids in by_date.items():
        Enrolment.objects.filter(pk__in=ids).update(completed_at=at, next_cycle_at=opens)


def enrolment_reopen(*, enrolment: Enrolment, at: datetime) -> None:
    """The cycle's certificate no longer stands (revoked): the person may start the next cycle
    from `at`. Its passes stay in their own cycle and never earn another certificate."""
    Enrolment.objects.filter(pk=enrolment.pk).update(next_cycle_at=at)
