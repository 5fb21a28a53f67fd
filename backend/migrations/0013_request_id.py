# Issue 16: a sync log entry keeps the X-Request-ID of the request it was made in, so a log line, an answer's header
# and the entry can be matched up.
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0012_mapping_version")]

    initial = False

    operations = [
        ops.AddField(
            model_name="SyncLogEntry",
            name="request_id",
            field=fields.CharField(max_length=64, null=True),
        ),
    ]
