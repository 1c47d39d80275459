"""The old `Quiz.review`, turned into the review policy's four fields by 0012, is dropped in a
transaction of its own (PostgreSQL refuses to alter a table whose rows the same transaction
updated)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0012_review_policy_data")]

    operations = [migrations.RemoveField(model_name="quiz", name="review")]
