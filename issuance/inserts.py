"""Inserting rows that a unique constraint may already hold, without a savepoint around each insert.

`Model.objects.create` inside a transaction needs a savepoint (SAVEPOINT, INSERT, RELEASE: three round
trips) so that a unique violation can be caught without aborting the caller's transaction on
PostgreSQL. `INSERT … ON CONFLICT DO NOTHING` asks the same question in one statement: the row is
either written or, when a unique constraint (including a partial unique index) already holds an equal
one, skipped, and the transaction goes on. Both databases read the clause the same way and, unlike
SQLite's `INSERT OR IGNORE`, it skips unique conflicts only: a NOT NULL or CHECK violation still raises.
"""

from django.db import connections, router
from django.db.models import Model
from django.db.models.sql import InsertQuery


def rows_insert_unless_taken(objs: list[Model]) -> bool:
    """Insert `objs` (one model) in one statement; True if every row was written, with its primary key set.

    False if a unique constraint held any of them: then the rows that were not in conflict may have been
    written (the caller looks them up, as after an IntegrityError, and its transaction is still usable).
    """
    model = type(objs[0])
    opts = model._meta
    db = router.db_for_write(model)
    connection = connections[db]
    pk_generated = opts.pk.db_returning and objs[0].pk is None  # an auto-increment id, known only after the insert
    fields = [f for f in opts.local_concrete_fields if not f.generated and not (pk_generated and f is opts.pk)]
    query = InsertQuery(model)
    query.insert_values(fields, objs, raw=False)
    [(sql, params)] = query.get_compiler(using=db).as_sql()
    sql += " ON CONFLICT DO NOTHING"
    returning, returning_params = connection.ops.return_insert_columns([opts.pk])
    sql += " " + returning
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *returning_params))
        rows = cursor.fetchall()
    if len(rows) != len(objs):
        return False
    for obj, (pk,) in zip(objs, rows):
        obj.pk = opts.pk.to_python(pk) if pk_generated else obj.pk
        obj._state.adding, obj._state.db = False, db
    return True


def row_get_or_insert(model: type[Model], *, lookup: dict, defaults: dict) -> tuple[Model, bool]:
    """`get_or_create` without its savepoint: one SELECT for a row that exists, SELECT + INSERT for a new one.

    A row another transaction inserted between the two is read afterwards, as `get_or_create` does.
    """
    found = list(model._default_manager.filter(**lookup).order_by()[:1])
    if found:
        return found[0], False
    obj = model(**lookup, **defaults)
    if rows_insert_unless_taken([obj]):
        return obj, True
    return model._default_manager.get(**lookup), False
