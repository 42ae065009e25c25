"""The whole flow of the Python client generated from the OpenAPI document
(openapi-python-client): sign up and in, a team, tasks, a filtered list read
in two pages, an If-Match update, a comment, a timer, and the time report as
JSON and CSV. Every call goes through the generated client; no hand-written
HTTP.

Usage: BASE_URL=http://127.0.0.1:PORT python3 flow.py (with the generated
package on PYTHONPATH; run.sh does both).
"""
import datetime
import os
import secrets
import time

from taskflow_client import AuthenticatedClient, Client
from taskflow_client.api.auth import login, register
from taskflow_client.api.comments import create_comment, get_comment
from taskflow_client.api.tasks import create_task, get_task, list_tasks, update_task
from taskflow_client.api.teams import create_team
from taskflow_client.api.time import (
    create_entry,
    start_timer,
    stop_timer,
    time_report,
    time_report_csv,
    time_report_xlsx,
)
from taskflow_client.models import (
    CommentRequest,
    CreateEntryRequest,
    CreateTaskRequest,
    LoginRequest,
    PatchTaskRequest,
    Priority,
    Problem,
    RegisterRequest,
    ReportGrouping,
    ReportResponse,
    TaskResponse,
    TaskSort,
    TaskStatus,
    TeamRequest,
    TimeZoneName,
    TokenPair,
)


def ok(response, status):
    assert response.status_code == status, f"{response.status_code}: {response.content[:300]!r}"
    return response.parsed


base = os.environ["BASE_URL"]
anonymous = Client(base_url=base, raise_on_unexpected_status=True)
email = f"py-client-{secrets.token_hex(4)}@example.test"
password = "py-client-" + secrets.token_hex(8)

user = ok(register.sync_detailed(client=anonymous, body=RegisterRequest(email=email, password=password, display_name="Python Client")), 201)
assert user.email == email
tokens = ok(login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=password)), 200)
assert isinstance(tokens, TokenPair), "no MFA on a new account: tokens"
client = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

team = ok(create_team.sync_detailed(client=client, body=TeamRequest(name="Generated in Python"), idempotency_key=f"py-{time.time()}"), 201)
created = []
for title, status in [("First", TaskStatus.TODO), ("Second", TaskStatus.TODO), ("Third", TaskStatus.TODO), ("Done already", TaskStatus.DONE)]:
    body = CreateTaskRequest(title=title, team_id=team.team_id, status=status, priority=Priority.HIGH)
    created.append(ok(create_task.sync_detailed(client=client, body=body), 201))

# Filtered (team, status), sorted, two pages of two.
query = dict(team_id=team.team_id, status=[TaskStatus.TODO], sort=TaskSort.CREATED_AT_DESC, limit=2)
first = list_tasks.sync_detailed(client=client, **query)
page = ok(first, 200)
assert len(page.items) == 2 and isinstance(page.next_cursor, str), page
assert 'rel="next"' in first.headers["link"]
rest = ok(list_tasks.sync_detailed(client=client, cursor=page.next_cursor, **query), 200)
assert len(rest.items) == 1 and rest.next_cursor is None
titles = [t.title for t in page.items + rest.items]
assert titles == ["Third", "Second", "First"], titles

# If-Match: a stale version is refused, the current one goes through.
target = created[0]
read = get_task.sync_detailed(target.task_id, client=client)
ok(read, 200)
etag = read.headers["etag"]
stale = update_task.sync_detailed(target.task_id, client=client, body=PatchTaskRequest(status=TaskStatus.IN_PROGRESS), if_match='"v999"')
problem = ok(stale, 412)
assert isinstance(problem, Problem) and problem.status == 412
updated = update_task.sync_detailed(target.task_id, client=client, body=PatchTaskRequest(status=TaskStatus.IN_PROGRESS), if_match=etag)
task = ok(updated, 200)
assert isinstance(task, TaskResponse) and task.status == TaskStatus.IN_PROGRESS
assert updated.headers["etag"] != etag

comment = ok(create_comment.sync_detailed(target.task_id, client=client, body=CommentRequest(body="Generated, typed, and sent")), 201)
again = ok(get_comment.sync_detailed(target.task_id, comment.comment_id, client=client), 200)
assert again.body == "Generated, typed, and sent"

running = ok(start_timer.sync_detailed(target.task_id, client=client), 201)
assert running.running
stopped = ok(stop_timer.sync_detailed(client=client), 200)
assert not stopped.running
an_hour_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
entry = CreateEntryRequest(started_at=an_hour_ago, duration_seconds=1800, billable=True)
ok(create_entry.sync_detailed(target.task_id, client=client, body=entry), 201)

report = ok(
    time_report.sync_detailed(
        client=client, team_id=team.team_id, group_by=[ReportGrouping.TASK, ReportGrouping.WEEK], tz=TimeZoneName.UTC
    ),
    200,
)
assert isinstance(report, ReportResponse) and report.group_by == ReportGrouping.TASK
assert report.then_by == ReportGrouping.WEEK and report.time_zone == TimeZoneName.UTC
assert all(isinstance(week.start, datetime.datetime) for week in report.groups[0].groups), report.groups[0]
assert report.total_seconds >= 1800 and report.billable_seconds >= 1800
csv = ok(time_report_csv.sync_detailed(client=client, team_id=team.team_id, group_by=[ReportGrouping.TASK]), 200)
rows = csv.strip().split("\r\n")
assert rows[0] == "key,label,seconds,billable_seconds", rows
assert any('"First"' in r for r in rows), rows
workbook = time_report_xlsx.sync_detailed(client=client, team_id=team.team_id, group_by=[ReportGrouping.TASK])
assert workbook.status_code == 200 and workbook.content[:2] == b"PK", workbook.content[:20]

print(f"[contract] Python client: {len(created)} tasks, 2 pages, If-Match, comment, timer, JSON, CSV and XLSX report")
