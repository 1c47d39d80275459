import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quizzes.course_import import course_import, course_update_from_data

CONTENT = Path(__file__).resolve().parents[2] / "content" / "briefing_course.json"


class Command(BaseCommand):
    help = (
        "Create the briefing course (Pelayanan Humanis Lantas dan SPKT); safe to run again. "
        "With --update, bring an existing copy in line with the content file: changed questions "
        "are updated, retired ones leave the draft bank, new questions, quizzes and random slots "
        "are added, new quiz versions are published; attempts and certificates keep the versions "
        "they were made on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Update texts and questions of an existing course and publish new quiz versions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads(CONTENT.read_text(encoding="utf-8"))
        if options["update"]:
            course, report = course_update_from_data(data=data)
            self.stdout.write(f"Updated course {course.pk} '{course.title}': {report.summary()}.")
            return
        course = course_import(data=data)
        quizzes = sum(m.quizzes.count() for m in course.modules.all())
        self.stdout.write(
            f"Course {course.pk} '{course.title}': {course.modules.count()} modules, {quizzes} quizzes."
        )
