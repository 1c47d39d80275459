"""Each quiz's old `review` setting as the review policy's four fields (0009 added them), in a
transaction of its own: PostgreSQL will not alter a table whose rows the same transaction
updated, either way."""

from django.db import migrations

# Today's meaning of `review`, as the new policy (every part right after grading, or never):
# none = the score; correctness = the score and which were right; full = everything, the right
# answers (and the explanations) still only once the learner can take the quiz no more.
SHOWN = {
    "none": ("review_score",),
    "correctness": ("review_score", "review_correctness"),
    "full": ("review_score", "review_correctness", "review_feedback", "review_answers"),
}
PARTS = ("review_score", "review_correctness", "review_feedback", "review_answers")


def review_to_policy(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    for old, shown in SHOWN.items():
        Quiz.objects.filter(review=old).update(
            **{part: "immediately" if part in shown else "never" for part in PARTS}
        )


def policy_to_review(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    for old, shown in SHOWN.items():
        Quiz.objects.filter(**{part: "immediately" for part in shown}).update(review=old)



class Migration(migrations.Migration):
    dependencies = [("quizzes", "0011_version_revision")]

    operations = [migrations.RunPython(review_to_policy, policy_to_review)]
