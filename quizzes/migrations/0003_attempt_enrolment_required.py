import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Separate from the data migration before it: PostgreSQL cannot alter a table with pending
    # trigger events in the same transaction.
    dependencies = [
        ('quizzes', '0002_remove_attempt_quizzes_att_status_d178b3_idx_and_more'),
    ]

    operations = [
        migrations.AlterField(
            model_name='attempt',
            name='enrolment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='courses.enrolment'),
        ),
    ]
