import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Separate from the data migration before it: PostgreSQL cannot alter a table with pending
    # trigger events in the same transaction.
    dependencies = [
        ('certificates', '0003_certificate_enrolment_certificate_evidence'),
    ]

    operations = [
        migrations.AlterField(
            model_name='certificate',
            name='enrolment',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='certificate', to='courses.enrolment'),
        ),
    ]
