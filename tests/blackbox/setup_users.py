"""Creates the two users the black-box run acts as, each with a team, a task,
a comment and a time entry of their own, so the fuzzer has objects to probe
across users. Writes the WFC auth file schemathesis reads and the list of
secrets that must never appear in the server's log.

Usage: setup_users.py BASE_URL OUT_DIR
"""
import json
import secrets
import sys
import urllib.request

base, out = sys.argv[1], sys.argv[2]


def call(method, path, body=None, token=None, ip="10.9.0.1"):
    req = urllib.request.Request(base + path, method=method)
    req.add_header("x-forwarded-for", ip)
    if body is not None:
        req.add_header("content-type", "application/json")
        req.data = json.dumps(body).encode()
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


auth, secret_values = [], []
for n, name in enumerate(["alice", "bob"]):
    email = f"{name}-{secrets.token_hex(4)}@blackbox.taskflow.test"
    password = "bb-" + secrets.token_urlsafe(18)
    ip = f"10.9.0.{n + 1}"
    call("POST", "/api/v1/auth/register", {"email": email, "password": password, "display_name": name}, ip=ip)
    tokens = call("POST", "/api/v1/auth/login", {"email": email, "password": password}, ip=ip)
    access = tokens["access_token"]
    team = call("POST", "/api/v1/teams", {"name": f"{name}'s team"}, access)
    task = call("POST", "/api/v1/tasks", {"title": f"{name}'s task", "team_id": team["team_id"]}, access)
    call("POST", f"/api/v1/tasks/{task['task_id']}/comments", {"body": f"{name} was here"}, access)
    call(
        "POST",
        f"/api/v1/tasks/{task['task_id']}/time-entries",
        {"started_at": "2026-01-05T09:00:00Z", "duration_seconds": 1800},
        access,
    )
    personal = call("POST", "/api/v1/tasks", {"title": f"{name}'s own task"}, access)
    if name == "alice":
        with open(f"{out}/alice-login.json", "w") as f:
            json.dump({"email": email, "password": password}, f)
    auth.append({"name": name, "fixedHeaders": [{"name": "Authorization", "value": "Bearer " + access}]})
    secret_values += [password, access, tokens["refresh_token"]]

with open(f"{out}/wfc-auth.json", "w") as f:
    json.dump({"schemaVersion": "0.1.0", "auth": auth}, f)
with open(f"{out}/secrets.txt", "w") as f:
    f.write("\n".join(secret_values) + "\n")
print(f"[blackbox] users alice and bob ready, each with a team, tasks, a comment and a time entry")
