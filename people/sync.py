"""The HR registry's bulk sync: units and personnel upserted by their keys (unit code, NRP).

Each call is all or nothing: every row is checked first and any wrong row rejects the whole
call with a report per row; otherwise the changes are written in one transaction with one
`registry.changed` event naming the units whose people (or place in the tree) changed. Sending
the same rows again changes nothing (idempotent). A transfer between units is kept as a
`Transfer` row; a leaver is a row with `active` false, deactivated and never deleted."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import ServiceError
from events import outbox, types
from people.models import Function, Person, Rank, RegistrySync, Transfer, Unit
from people.tokens import forget_users

MAX_ROWS = 100_000
# A call of more rows is a long job (API.md: 202, followed at its own URL): the worker runs it.
INLINE_MAX_ROWS = 5_000
CHUNK = 2_000
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
NRP_RE = re.compile(r"^(\d{8}|\d{18})$")
UNIT_COLUMNS = ("code", "name", "level", "parent_code")
RANKS = frozenset(Rank.values)  # enum lookups per row cost more than the rest of a row's checks
FUNCTIONS = frozenset(Function.values)
PERSONNEL_COLUMNS = ("nrp", "name", "rank", "unit_code", "function", "active")


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based, in the order sent (a CSV's header is not a row)
    message: str


class SyncRejected(ServiceError):
    """Some rows are wrong; nothing was applied."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(f"{len(errors)} rows are wrong; nothing was applied.", code="sync_rejected")
        self.errors = list(errors)


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _active(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "1", "true", "yes", "y", "aktif"):
        return True
    if text in ("0", "false", "no", "n", "tidak"):
        return False
    return None


def _check_size(rows: Sequence[Any]) -> None:
    if len(rows) > MAX_ROWS:
        raise ServiceError(f"At most {MAX_ROWS} rows a call.", code="too_many_rows")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Units --------------------------------------------------------------------------------------


@transaction.atomic
def units_sync(*, rows: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Upsert units by `code` (`code`, `name`, `level`, `parent_code`: empty for a root). A new
    parent may come in the same call, in any order. Moving a unit moves its subtree."""
    _check_size(rows)
    existing = {u.code: u for u in Unit.objects.select_for_update().all()}
    code_of_id = {u.pk: u.code for u in existing.values()}
    errors: list[RowError] = []
    wanted: dict[str, tuple[str, str, str, int]] = {}  # code -> name, level, parent code, row
    for number, row in enumerate(rows, start=1):
        code, name, level = _text(row, "code"), _text(row, "name"), _text(row, "level")
        parent_code = _text(row, "parent_code")
        problems = []
        if not CODE_RE.match(code):
            problems.append("code: 1 to 32 letters, digits, '.', '_' or '-'")
        elif code in wanted:
            problems.append(f"code {code} is given twice (row {wanted[code][3]})")
        if not name or len(name) > 200:
            problems.append("name: 1 to 200 characters")
        if level not in Unit.Level.values:
            problems.append(f"level: one of {', '.join(Unit.Level.values)}")
        if parent_code == code and code:
            problems.append("a unit cannot be its own parent")
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
        elif code:
            wanted[code] = (name, level, parent_code, number)
    # The tree as it would be after the call: check parents, cycles and sibling names in it.
    final: dict[str, tuple[str, str]] = {
        code: (u.name, code_of_id.get(u.parent_id, "") if u.parent_id else "") for code, u in existing.items()
    }
    final.update({code: (name, parent) for code, (name, _, parent, _) in wanted.items()})
    for code, (_, _, parent_code, number) in wanted.items():
        if parent_code and parent_code not in final:
            errors.append(RowError(number, f"parent_code {parent_code} is no unit"))
            continue
        seen, cursor = set(), parent_code
        while cursor and cursor not in seen:  # a cycle above this unit is another row's error
            if cursor == code:
                errors.append(RowError(number, "the parents would form a cycle"))
                break
            seen.add(cursor)
            cursor = final.get(cursor, ("", ""))[1]
    siblings: dict[tuple[str, str], list[str]] = {}
    for code, (name, parent_code) in final.items():
        siblings.setdefault((parent_code, name.casefold()), []).append(code)
    for codes in siblings.values():
        if len(codes) > 1:
            errors += [
                RowError(wanted[code][3], "another unit of this parent has this name")
                for code in codes
                if code in wanted
            ]
    if errors:
        raise SyncRejected(sorted(set(errors), key=lambda e: e.row))

    # Parents first, so a new unit's parent has its id.
    def depth(code: str) -> int:
        n, cursor = 0, final[code][1]
        while cursor:
            n, cursor = n + 1, final[cursor][1]
        return n

    created = updated = 0
    changed_ids: set[int] = set()
    moved: list[Unit] = []
    by_code = dict(existing)
    for code in sorted(wanted, key=depth):
        name, level, parent_code, _ = wanted[code]
        parent_id = by_code[parent_code].pk if parent_code else None
        unit = by_code.get(code)
        if unit is None:
            unit = Unit.objects.create(
                code=code, name=name, level=level, parent_id=parent_id, path=f"new:{code}"
            )
            by_code[code] = unit
            created += 1
            changed_ids.add(unit.pk)
            continue
        if (unit.name, unit.level, unit.parent_id) == (name, level, parent_id):
            continue
        if unit.parent_id != parent_id:
            moved.append(unit)
        unit.name, unit.level, unit.parent_id = name, level, parent_id
        try:
            with transaction.atomic():
                unit.save(update_fields=["name", "level", "parent"])
        except IntegrityError as exc:  # two siblings swapping names within one call
            raise ServiceError(f"unit {code}: {exc}", code="sync_conflict") from exc
        updated += 1
        changed_ids.add(unit.pk)
    if created or moved:
        changed_ids |= _paths_rebuild(moved)
    if changed_ids:
        outbox.record(types.REGISTRY_CHANGED, unit_ids=sorted(changed_ids), moved=bool(moved))
    return SyncResult(created=created, updated=updated, unchanged=len(wanted) - created - updated)


def _paths_rebuild(moved: Sequence[Unit]) -> set[int]:
    """Give every unit the path its parents now make; returns the ids in moved subtrees."""
    rows = list(Unit.objects.values_list("pk", "parent_id", "path"))
    parent_of = {pk: parent for pk, parent, _ in rows}
    paths: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in paths:
            parent = parent_of[pk]
            paths[pk] = f"{path_of(parent) if parent else ''}{pk}/"
        return paths[pk]

    old_moved = [u.path for u in moved]
    stale = [Unit(pk=pk, path=path_of(pk)) for pk, _, path in rows if path != path_of(pk)]
    Unit.objects.bulk_update(stale, ["path"], batch_size=500)
    return {pk for pk, _, path in rows if any(path.startswith(old) for old in old_moved)}


# --- Personnel ----------------------------------------------------------------------------------


@transaction.atomic
def personnel_sync(*, rows: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Upsert personnel by NRP (`nrp`, `name`, `rank`, `unit_code`, `function`, `active`).
    Up to 100,000 rows a call, in chunks of 2,000 reads and writes."""
    _check_size(rows)
    unit_ids = dict(Unit.objects.values_list("code", "pk"))
    errors: list[RowError] = []
    wanted: dict[str, tuple[str, str, int, str, bool]] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        nrp, name, rank = _text(row, "nrp"), _text(row, "name"), _text(row, "rank")
        unit_code, function = _text(row, "unit_code"), _text(row, "function")
        active = _active(row.get("active"))
        problems = []
        if not NRP_RE.match(nrp):
            problems.append("nrp: 8 digits (an NIP 18)")
        elif nrp in first_row:
            problems.append(f"nrp {nrp} is given twice (row {first_row[nrp]})")
        if not name or len(name) > 200:
            problems.append("name: 1 to 200 characters")
        if rank not in RANKS:
            problems.append(f"rank {rank!r} is not a rank")
        if unit_code not in unit_ids:
            problems.append(f"unit_code {unit_code!r} is no unit")
        if function not in FUNCTIONS:
            problems.append(f"function: one of {', '.join(Function.values)}")
        if active is None:
            problems.append("active: true or false")
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
        else:
            first_row[nrp] = number
            wanted[nrp] = (name, rank, unit_ids[unit_code], function, bool(active))
    if errors:
        raise SyncRejected(errors)

    now, today = timezone.now(), timezone.localdate()
    fields = ["name", "rank", "unit_id", "function", "active"]
    created: list[Person] = []
    changed: list[Person] = []
    transfers: list[Transfer] = []
    touched_units: set[int] = set()
    left: list[int] = []  # people deactivated now: their accounts' tokens end at once
    nrps = list(wanted)
    columns = ["pk", "nrp", *fields, "unit_since", "left_at"]
    for chunk in _chunks(nrps):
        # Plain tuples: only the rows that change become model instances.
        current: dict[str, tuple[Any, ...]] = {
            values[1]: values
            for values in Person.objects.select_for_update().filter(nrp__in=chunk).values_list(*columns)
        }
        for nrp in chunk:
            name, rank, unit_id, function, active = wanted[nrp]
            existing = current.get(nrp)
            if existing is None:
                created.append(
                    Person(
                        nrp=nrp, name=name, rank=rank, unit_id=unit_id, function=function, active=active,
                        joined_on=today, unit_since=today, left_at=None if active else now,
                    )
                )  # fmt: skip
                touched_units.add(unit_id)
                continue
            pk, _, *before = existing[:-2]
            unit_since: date = existing[-2]
            left_at: datetime | None = existing[-1]
            if before == [name, rank, unit_id, function, active]:
                continue
            old_unit, was_active = before[2], before[4]
            if old_unit != unit_id:
                transfers.append(Transfer(person_id=pk, from_unit_id=old_unit, to_unit_id=unit_id, at=now))
                unit_since = today
            if was_active != active:
                left_at = None if active else now
                if not active:
                    left.append(pk)
            touched_units |= {old_unit, unit_id}
            changed.append(
                Person(
                    pk=pk, nrp=nrp, name=name, rank=rank, unit_id=unit_id, function=function, active=active,
                    unit_since=unit_since, left_at=left_at,
                )
            )  # fmt: skip
    for batch in _chunks(created):
        Person.objects.bulk_create(batch)
    transfers += [Transfer(person=p, from_unit=None, to_unit_id=p.unit_id, at=now) for p in created]
    Transfer.objects.bulk_create(transfers, batch_size=CHUNK)
    _update_all(changed)
    for batch in _chunks(left):
        forget_users(
            Person.objects.filter(pk__in=batch, user__isnull=False).values_list("user_id", flat=True)
        )
    if touched_units:
        outbox.record(types.REGISTRY_CHANGED, unit_ids=sorted(touched_units))
    return SyncResult(
        created=len(created), updated=len(changed), unchanged=len(wanted) - len(created) - len(changed)
    )


def _update_all(people: Sequence[Person]) -> None:
    """One parametrised UPDATE for all changed rows (executemany: PostgreSQL pipelines them).
    bulk_update's CASE expressions cost far more to build, in Python, than these cost to run."""
    if not people:
        return
    ops, quote = connection.ops, connection.ops.quote_name
    columns = ["name", "rank", "unit_id", "function", "active", "unit_since", "left_at"]
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    sql = f"UPDATE {quote(Person._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    params = [
        (p.name, p.rank, p.unit_id, p.function, p.active, ops.adapt_datefield_value(p.unit_since),
         ops.adapt_datetimefield_value(p.left_at), p.pk)
        for p in people
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- Big syncs, run by the worker ---------------------------------------------------------------


def registry_sync_request(*, kind: str, rows: Sequence[Mapping[str, Any]], user: Any) -> RegistrySync:
    """Keep the rows of a big sync and queue it: the worker runs it after the commit
    (`registry.sync_requested`). More than MAX_ROWS is refused at once, as a call inline."""
    _check_size(rows)
    with transaction.atomic():
        job = RegistrySync.objects.create(kind=kind, requested_by=user, rows=list(rows), total=len(rows))
        outbox.record(types.REGISTRY_SYNC_REQUESTED, sync_id=job.pk)
    return job


SYNC_OF_KIND = {RegistrySync.Kind.UNITS: units_sync, RegistrySync.Kind.PERSONNEL: personnel_sync}


def registry_sync_run(*, sync_id: int) -> None:
    """Run a queued sync (all or nothing, as a call inline) and keep its result or its wrong rows;
    the rows sent are dropped then. A sync already finished is left as it is (the event may come
    again); one cut short (`running`) runs again, its transaction having been rolled back."""
    job = RegistrySync.objects.filter(pk=sync_id).first()
    if job is None or job.status in (RegistrySync.Status.DONE, RegistrySync.Status.REJECTED):
        return
    job.status, job.started_at = RegistrySync.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        result = SYNC_OF_KIND[RegistrySync.Kind(job.kind)](rows=job.rows)
    except SyncRejected as exc:
        job.status, job.detail = RegistrySync.Status.REJECTED, exc.message
        job.errors = [asdict(e) for e in exc.errors]
    else:
        job.status, job.result = RegistrySync.Status.DONE, result.as_dict()
    job.rows, job.finished_at = [], timezone.now()
    job.save(update_fields=["status", "detail", "errors", "result", "rows", "finished_at"])
