"""The move tally counts a registration's moves under its campaign and installation country as
they are now (as the plain join of the history with the registrations does): when a
registration changes campaign or country (registered again with corrected data), its moves
go with it. PostgreSQL only; on SQLite the tally is a view of that join."""

from django.conf import settings
from django.db import migrations

KEY = "campaign_id, day, country, from_status, to_status, reason"


def _moved(tz, side, sign):
    return (
        f"SELECT {side}.campaign_id, (s.created_at AT TIME ZONE '{tz}')::date, {side}.country, s.from_status, "
        f"s.to_status, s.reason, {sign} FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id "
        f"JOIN registrations_statuschange AS s ON s.registration_id = n.id "
        f"WHERE s.from_status <> '' AND (o.campaign_id, o.country) IS DISTINCT FROM (n.campaign_id, n.country)"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    tz = settings.TIME_ZONE
    rows = f"{_moved(tz, 'n', 1)} UNION ALL {_moved(tz, 'o', -1)}"
    upsert = (f"INSERT INTO registrations_movetally AS t ({KEY}, moves) "
              f"SELECT {KEY}, sum(n) FROM ({rows}) AS change ({KEY}, n) GROUP BY {KEY} HAVING sum(n) <> 0 "
              f"ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE SET moves = t.moves + excluded.moves")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION registrations_movetally_follow() RETURNS trigger LANGUAGE plpgsql AS "
                       f"$$ BEGIN {upsert}; RETURN NULL; END $$")
        cursor.execute("CREATE TRIGGER registrations_movetally_follow AFTER UPDATE ON registrations_registration "
                       "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                       "FOR EACH STATEMENT EXECUTE FUNCTION registrations_movetally_follow()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER registrations_movetally_follow ON registrations_registration")
        cursor.execute("DROP FUNCTION registrations_movetally_follow()")


class Migration(migrations.Migration):
    dependencies = [("registrations", "0015_campaign_events_and_notices")]
    operations = [migrations.RunPython(forwards, backwards)]
