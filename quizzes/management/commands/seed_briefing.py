import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from quizzes.course_import import course_import

CONTENT = Path(__file__).resolve().parents[2] / "content" / "briefing_course.json"


class Command(BaseCommand):
    help = "Create the briefing course (Pelayanan Humanis Lantas dan SPKT); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        course = course_import(data=json.loads(CONTENT.read_text(encoding="utf-8")))
        quizzes = sum(m.quizzes.count() for m in course.modules.all())
        self.stdout.write(
            f"Course {course.pk} '{course.title}': {course.modules.count()} modules, {quizzes} quizzes."
        )
