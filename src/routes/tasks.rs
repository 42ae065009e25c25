//! `/api/v1/tasks`: create, list, read, patch, delete, with ETags.

use actix_web::http::header::ETAG;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor;
use super::mentions::MentionResponse;
use super::params::{self, double_option, etag, non_null, Created, Idempotent};
use crate::db::tasks::{SortKey, TaskRow};
use crate::domain::task::{
    Assignee, Assignees, Description, InProject, Labels, Limit, NewTask, Priority, TaskFilter, TaskPatch, TaskSort,
    TaskStatus, TaskTitle, Under,
};
use crate::domain::user::Caller;
use crate::domain::{field, AllFields};
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::{tasks, Outcome, Stored};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "team_id": null, "project_id": null, "title": "Ship v1", "description": "Cut the release branch", "status": "todo", "priority": "high", "due_at": "2026-12-01T17:00:00Z", "completed_at": null, "labels": ["release"], "assignee_ids": ["0194f2a8-0000-7000-8000-000000000001"], "assignee_id": "0194f2a8-0000-7000-8000-000000000001", "created_by": "0194f2a8-0000-7000-8000-000000000001", "version": 1, "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "parent_task_id": null, "subtasks": {"total": 3, "done": 1}, "mentions": []}))]
pub struct TaskResponse {
    pub task_id: Uuid,
    pub team_id: Option<Uuid>,
    /// The team's project it is in, if any.
    pub project_id: Option<Uuid>,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub labels: Vec<String>,
    /// Everyone the task is assigned to, in the order they were given.
    pub assignee_ids: Vec<Uuid>,
    /// Deprecated (one release): the first of `assignee_ids`, or null.
    #[schema(deprecated)]
    pub assignee_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The task this is a subtask of, or null at the top level.
    pub parent_task_id: Option<Uuid>,
    pub subtasks: SubtaskCounts,
    /// Who the description names: in the answers about this one task
    /// (create, read, change), not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<MentionResponse>>,
}

/// Progress over the direct subtasks you can read: a cancelled one counts
/// in neither number.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SubtaskCounts {
    pub total: i64,
    pub done: i64,
}

impl From<TaskRow> for TaskResponse {
    fn from(r: TaskRow) -> Self {
        Self {
            task_id: r.task_id,
            team_id: r.team_id,
            project_id: r.project_id,
            title: r.title,
            description: r.description,
            status: r.status,
            priority: r.priority,
            due_at: r.due_at,
            completed_at: r.completed_at,
            labels: r.labels,
            assignee_id: r.assignee_ids.first().copied(),
            assignee_ids: r.assignee_ids,
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            parent_task_id: r.parent_task_id,
            subtasks: SubtaskCounts { total: r.subtasks_total, done: r.subtasks_done },
            mentions: r.mentions.map(|m| super::mentions::responses(m.0)),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskPage {
    pub items: Vec<TaskResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": "Ship v1", "description": "Cut the release branch", "status": "todo", "priority": "high", "due_at": "2026-12-01T17:00:00Z", "labels": ["release"]}))]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    #[schema(schema_with = super::openapi::one_line_200)]
    title: String,
    #[schema(max_length = 20000, pattern = r"^[^\x00]*$")]
    description: Option<String>,
    #[schema(value_type = Option<TaskStatus>)]
    status: Option<String>,
    #[schema(value_type = Option<Priority>)]
    priority: Option<String>,
    #[schema(format = DateTime)]
    due_at: Option<String>,
    team_id: Option<Uuid>,
    /// A project of `team_id` that is not archived.
    project_id: Option<Uuid>,
    /// Up to 20 people (repeats fold): members (not viewers) of `team_id`;
    /// for a personal task yourself or people who share a team with you.
    #[schema(max_items = 20)]
    assignee_ids: Option<Vec<Uuid>>,
    /// Deprecated (one release): one assignee; give `assignee_ids` instead.
    #[schema(deprecated)]
    assignee_id: Option<Uuid>,
    #[schema(max_items = 20, value_type = Option<Vec<Label>>)]
    labels: Option<Vec<String>>,
    /// Makes this a subtask of a task you can see: of the same team (left
    /// out, `team_id` and `project_id` are the parent's), or of your own
    /// personal task; at most 5 levels below a top-level task.
    parent_task_id: Option<Uuid>,
}

/// A label in the document: 1 to 50 characters, no control characters.
pub struct Label;

impl utoipa::PartialSchema for Label {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(Labels::MAX_CHARS))
            .pattern(Some(crate::domain::ONE_LINE_PATTERN))
            .into()
    }
}

impl utoipa::ToSchema for Label {}

/// `assignee_ids`, or the deprecated `assignee_id` standing for a list of
/// one; both at once is a contradiction the client must resolve.
fn assignees<T>(
    ids: Option<Vec<Uuid>>,
    alias: Option<T>,
    one: impl FnOnce(T) -> Assignees,
) -> Result<Option<Assignees>, String> {
    match (ids, alias) {
        (Some(_), Some(_)) => Err("give assignee_ids or the deprecated assignee_id, not both".into()),
        (Some(ids), None) => Assignees::parse(&ids).map(Some),
        (None, Some(a)) => Ok(Some(one(a))),
        (None, None) => Ok(None),
    }
}

/// Whether a request used the deprecated `assignee_id`: its errors (of
/// parsing and of the database's rules alike) name that field, not the one
/// it stands for.
fn alias_named(uses_alias: bool) -> impl Fn(ApiError) -> ApiError {
    move |e| if uses_alias { e.renaming("assignee_ids", "assignee_id") } else { e }
}

impl CreateTaskRequest {
    fn uses_alias(&self) -> bool {
        self.assignee_id.is_some()
    }

    fn parse(self) -> Result<NewTask, ApiError> {
        let (title, description, status, priority, due_at, labels, assignees) = (
            field("title", TaskTitle::parse(&self.title)),
            field("description", self.description.as_deref().map(Description::parse).transpose()),
            field("status", self.status.as_deref().map(str::parse).transpose()),
            field("priority", self.priority.as_deref().map(str::parse).transpose()),
            field("due_at", self.due_at.as_deref().map(params::instant).transpose()),
            field("labels", Labels::parse(self.labels.as_deref().unwrap_or_default())),
            field("assignee_ids", assignees(self.assignee_ids, self.assignee_id, |a| Assignees::one(Some(a)))),
        )
            .all()
            .map_err(ApiError::Validation)?;
        Ok(NewTask {
            title,
            description,
            status: status.unwrap_or(TaskStatus::Todo),
            priority: priority.unwrap_or(Priority::Medium),
            due_at,
            team_id: self.team_id,
            project_id: self.project_id,
            assignees: assignees.unwrap_or_default(),
            labels,
            parent_task_id: self.parent_task_id,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "in_progress", "labels": ["release", "backend"]}))]
#[serde(deny_unknown_fields)]
pub struct PatchTaskRequest {
    #[schema(schema_with = super::openapi::one_line_200)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 20000, pattern = r"^[^\x00]*$")]
    description: Option<Option<String>>,
    #[schema(nullable = false, value_type = Option<TaskStatus>)]
    #[serde(default, deserialize_with = "non_null")]
    status: Option<String>,
    #[schema(nullable = false, value_type = Option<Priority>)]
    #[serde(default, deserialize_with = "non_null")]
    priority: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(format = DateTime)]
    due_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    team_id: Option<Option<Uuid>>,
    /// A project of the task's team (null: none). Changing `team_id`
    /// without it takes the task out of its project.
    #[serde(default, deserialize_with = "double_option")]
    project_id: Option<Option<Uuid>>,
    /// The whole new list (`[]` unassigns everyone); rules as on create.
    #[schema(nullable = false, max_items = 20)]
    #[serde(default, deserialize_with = "non_null")]
    assignee_ids: Option<Vec<Uuid>>,
    /// Deprecated (one release): sets the list to this one person (`null`:
    /// nobody); give `assignee_ids` instead.
    #[schema(deprecated)]
    #[serde(default, deserialize_with = "double_option")]
    assignee_id: Option<Option<Uuid>>,
    #[schema(nullable = false, max_items = 20, value_type = Option<Vec<Label>>)]
    #[serde(default, deserialize_with = "non_null")]
    labels: Option<Vec<String>>,
    /// Moves it under another task of its team (`null`: to the top level).
    /// Changing `team_id` without it takes the task from under its parent;
    /// a task that has subtasks stays in its team.
    #[serde(default, deserialize_with = "double_option")]
    parent_task_id: Option<Option<Uuid>>,
}

impl PatchTaskRequest {
    fn uses_alias(&self) -> bool {
        self.assignee_id.is_some()
    }

    fn parse(self) -> Result<TaskPatch, ApiError> {
        let (title, description, status, priority, due_at, labels, assignees) = (
            field("title", self.title.as_deref().map(TaskTitle::parse).transpose()),
            field(
                "description",
                self.description.map(|d| d.as_deref().map(Description::parse).transpose()).transpose(),
            ),
            field("status", self.status.as_deref().map(str::parse::<TaskStatus>).transpose()),
            field("priority", self.priority.as_deref().map(str::parse::<Priority>).transpose()),
            field("due_at", self.due_at.map(|d| d.as_deref().map(params::instant).transpose()).transpose()),
            field("labels", self.labels.as_deref().map(Labels::parse).transpose()),
            field("assignee_ids", assignees(self.assignee_ids, self.assignee_id, Assignees::one)),
        )
            .all()
            .map_err(ApiError::Validation)?;
        let patch = TaskPatch {
            title,
            description,
            status,
            priority,
            due_at,
            team_id: self.team_id,
            project_id: self.project_id,
            assignees,
            labels,
            parent_task_id: self.parent_task_id,
        };
        if patch.is_empty() {
            return Err(ApiError::validation("body", "name at least one field to change"));
        }
        Ok(patch)
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListTasksQuery {
    team_id: Option<Uuid>,
    /// A project id (its tasks, archived or not), or `none`: tasks in no project.
    #[param(
        pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        max_length = 36
    )]
    project_id: Option<String>,
    /// Also list tasks of archived projects (default false: they are hidden).
    include_archived: Option<bool>,
    /// Repeatable: `status=todo&status=done`.
    #[serde(default)]
    #[param(value_type = Option<Vec<TaskStatus>>, max_items = 4)]
    status: Vec<String>,
    #[param(value_type = Option<Priority>)]
    priority: Option<String>,
    /// Tasks with this person among their assignees: a user id, `me`, or
    /// `none` (tasks nobody is assigned to).
    #[param(
        pattern = r"^(me|none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        max_length = 36
    )]
    assignee_id: Option<String>,
    #[param(schema_with = super::openapi::one_line_50)]
    label: Option<String>,
    #[param(format = DateTime)]
    due_before: Option<String>,
    #[param(format = DateTime)]
    due_after: Option<String>,
    /// Full-text search over title and description.
    #[param(max_length = 200, pattern = r"^[^\x00]*$")]
    q: Option<String>,
    /// A task id (its direct subtasks), or `none`: top-level tasks only.
    #[param(
        pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        max_length = 36
    )]
    parent_task_id: Option<String>,
    /// `true`: only tasks with an open blocker (a task that blocks them
    /// and is neither done nor cancelled); `false`: only tasks without.
    blocked: Option<bool>,
    #[param(value_type = Option<TaskSort>)]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

/// The `sort` parameter's schema, listed from the orderings `TaskSort::parse` accepts.
impl utoipa::PartialSchema for TaskSort {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // Generated clients name enum members after their values, and
        // `-created_at` would become `_CREATED_AT` or worse.
        let members: Vec<String> = TaskSort::all().map(|s| member_name(&s.as_param())).collect();
        let mut extensions = utoipa::openapi::extensions::Extensions::default();
        extensions.insert("x-enum-varnames".into(), serde_json::json!(members));
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("`created_at`, `updated_at`, `due_at`, `priority`; a leading `-` sorts descending."))
            .enum_values(Some(TaskSort::all().map(TaskSort::as_param)))
            .extensions(Some(extensions))
            .into()
    }
}

/// `-created_at` → `CREATED_AT_DESC`, `priority` → `PRIORITY_ASC`.
fn member_name(param: &str) -> String {
    match param.strip_prefix('-') {
        Some(field) => format!("{}_DESC", field.to_ascii_uppercase()),
        None => format!("{}_ASC", param.to_ascii_uppercase()),
    }
}

impl utoipa::ToSchema for TaskSort {}

pub(super) fn with_etag(mut resp: HttpResponse, version: i64) -> HttpResponse {
    if let Ok(v) = etag(version).parse() {
        resp.headers_mut().insert(ETAG, v);
    }
    resp
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", summary = "Create a task", params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[\x21-\x7e]{1,255}$", max_length = 255, description = "Makes a retried create safe: same key and body replay the first response (24 h)")), request_body = CreateTaskRequest, responses((status = 201, description = "The task (`Location`, `ETag`)", body = TaskResponse, headers(("Location" = String, description = "The task's URL"), ("ETag" = String, description = "The task's version"), ("Deprecation" = String, description = "Only when the request used the deprecated `assignee_id` (RFC 9745)"), ("Sunset" = String, description = "Only when the request used the deprecated `assignee_id`: when it stops being accepted (RFC 8594)"))), Errors))]
#[tracing::instrument(name = "tasks.create", skip_all)]
pub async fn create_task(
    state: web::Data<AppState>,
    user: Caller,
    request: Idempotent<CreateTaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = Created {
        location: |t: &TaskRow| format!("/api/v1/tasks/{}", t.task_id),
        body: |t: &TaskRow| TaskResponse::from(t.clone()),
    };
    // A replay carries the ETag too, so a retried create can go on to a PATCH.
    let render = |t: &TaskRow| Stored { etag: Some(etag(t.version)), ..created.stored(t) };
    let alias = request.body.uses_alias();
    let named = alias_named(alias);
    let task = request.body.parse().map_err(&named)?;
    let outcome =
        tasks::create(state.store(), &user, task, request.key.as_ref(), render).await.map_err(|e| named(e.into()))?;
    // A new task's version is its ETag; a replay sends what was stored.
    let version = match &outcome {
        Outcome::Created(task) => Some(task.version),
        Outcome::Replayed(_) => None,
    };
    let resp = created.respond(outcome);
    let resp = match version {
        Some(v) => with_etag(resp, v),
        None => resp,
    };
    Ok(if alias { params::deprecated_field(resp) } else { resp })
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", summary = "Tasks the caller can see, filtered and sorted", params(ListTasksQuery), responses((status = 200, description = "A page of tasks (`Link` to the next)", body = TaskPage), Errors))]
#[tracing::instrument(name = "tasks.list", skip_all)]
pub async fn list_tasks(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let l = TaskListing::try_from(params::query::<ListTasksQuery>(&req)?)?;
    let (rows, next) = tasks::list(state.store(), &user, &l.filter, l.sort, l.after, l.limit.0).await?;
    Ok(respond_page(&req, &l.ordering, rows, next))
}

/// A page of tasks with its cursor (made for `ordering`) and `Link`.
fn respond_page(req: &HttpRequest, ordering: &str, rows: Vec<TaskRow>, next: Option<(SortKey, Uuid)>) -> HttpResponse {
    let page = TaskPage {
        items: rows.into_iter().map(TaskResponse::from).collect(),
        next_cursor: next.map(|(key, id)| cursor::encode_sort_key(ordering, &key, id)),
    };
    cursor::respond(req, page.next_cursor.as_deref(), &page)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubtasksQuery {
    #[param(value_type = Option<TaskSort>)]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/subtasks", tag = "tasks", summary = "A task's direct subtasks", description = "Those you can read, archived projects' included; newest first unless `sort` says otherwise. Each has its own `subtasks` counts.", params(("task_id" = Uuid, Path, description = "Task id"), SubtasksQuery), responses((status = 200, description = "A page of subtasks (`Link` to the next)", body = TaskPage), Errors))]
#[tracing::instrument(name = "tasks.subtasks", skip_all)]
pub async fn list_subtasks(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let q = params::query::<SubtasksQuery>(&req)?;
    let ordering = q.sort.unwrap_or_else(|| "-created_at".into());
    let (sort, limit) = (field("sort", TaskSort::parse(&ordering)), field("limit", Limit::parse(q.limit)))
        .all()
        .map_err(ApiError::Validation)?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_sort_key(c, &ordering)).transpose()?;
    let (rows, next) = tasks::subtasks(state.store(), &user, path.into_inner(), sort, after, limit.0).await?;
    Ok(respond_page(&req, &ordering, rows, next))
}

/// A task list request, parsed: what to show, in which order, from where.
struct TaskListing {
    filter: TaskFilter,
    sort: TaskSort,
    /// The `sort` parameter as given; a cursor is only valid for the ordering it was made in.
    ordering: String,
    after: Option<(SortKey, Uuid)>,
    limit: Limit,
}

/// Up to four statuses (there are four; more is a repeat or a probe).
fn statuses(raw: &[String]) -> Result<Vec<TaskStatus>, String> {
    if raw.len() > 4 {
        return Err("at most 4 values".into());
    }
    raw.iter().map(|s| s.parse::<TaskStatus>()).collect()
}

impl TryFrom<ListTasksQuery> for TaskListing {
    type Error = ApiError;

    fn try_from(q: ListTasksQuery) -> Result<Self, ApiError> {
        let ordering = q.sort.unwrap_or_else(|| "-created_at".into());
        let (project, parent, statuses, priority, assignee, label, due_before, due_after, sort, limit) = (
            field("project_id", q.project_id.as_deref().map(str::parse::<InProject>).transpose()),
            field("parent_task_id", q.parent_task_id.as_deref().map(str::parse::<Under>).transpose()),
            field("status", statuses(&q.status)),
            field("priority", q.priority.as_deref().map(str::parse::<Priority>).transpose()),
            field("assignee_id", q.assignee_id.as_deref().map(str::parse::<Assignee>).transpose()),
            field("label", q.label.as_deref().map(Labels::parse_one).transpose()),
            field("due_before", q.due_before.as_deref().map(params::instant).transpose()),
            field("due_after", q.due_after.as_deref().map(params::instant).transpose()),
            field("sort", TaskSort::parse(&ordering)),
            field("limit", Limit::parse(q.limit)),
        )
            .all()
            .map_err(ApiError::Validation)?;
        let after = q.cursor.as_deref().map(|c| cursor::decode_sort_key(c, &ordering)).transpose()?;
        let text = q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if text.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(ApiError::validation("q", "must be at most 200 characters"));
        }
        let filter = TaskFilter {
            team_id: q.team_id,
            project,
            include_archived: q.include_archived.unwrap_or(false),
            statuses,
            priority,
            assignee,
            label,
            due_before,
            due_after,
            q: text,
            parent,
            blocked: q.blocked,
        };
        Ok(TaskListing { filter, sort, ordering, after, limit })
    }
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}", tag = "tasks", summary = "One task (`ETag`)", params(("task_id" = Uuid, Path, description = "Task id"), ("If-None-Match" = Option<String>, Header, nullable = false, max_length = 1024, pattern = r#"^(\*|(W/)?"v[0-9]{1,18}"( *, *(W/)?"v[0-9]{1,18}")*)$"#, description = "304 when the task still has this version")), responses((status = 200, description = "The task", body = TaskResponse), (status = 304, description = "Not modified"), Errors))]
#[tracing::instrument(name = "tasks.get", skip_all)]
pub async fn get_task(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = tasks::get(state.store(), &user, path.into_inner()).await?;
    if params::if_none_match(req.headers(), task.version)? {
        return Ok(with_etag(HttpResponse::NotModified().finish(), task.version));
    }
    let version = task.version;
    Ok(with_etag(HttpResponse::Ok().json(TaskResponse::from(task)), version))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PatchTaskQuery {
    /// Move the task to `done` even though open tasks block it (409
    /// otherwise); the history records past which blockers.
    force: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/tasks/{task_id}", tag = "tasks", summary = "Change a task; `null` clears a field", params(("task_id" = Uuid, Path, description = "Task id"), PatchTaskQuery, ("If-Match" = Option<String>, Header, nullable = false, max_length = 1024, pattern = r#"^(\*|(W/)?"v[0-9]{1,18}"( *, *(W/)?"v[0-9]{1,18}")*)$"#, description = "Only if the task still has this version, e.g. \"v3\"")), request_body = PatchTaskRequest, responses((status = 200, description = "The task", body = TaskResponse, headers(("ETag" = String, description = "The task's version"), ("Deprecation" = String, description = "Only when the request used the deprecated `assignee_id` (RFC 9745)"), ("Sunset" = String, description = "Only when the request used the deprecated `assignee_id`: when it stops being accepted (RFC 8594)"))), Errors))]
#[tracing::instrument(name = "tasks.update", skip_all)]
pub async fn update_task(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Json<PatchTaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = params::if_match(req.headers())?;
    let force = params::query::<PatchTaskQuery>(&req)?.force.unwrap_or(false);
    let body = body.into_inner();
    let alias = body.uses_alias();
    let named = alias_named(alias);
    let patch = body.parse().map_err(&named)?;
    let task = tasks::update(state.store(), &user, path.into_inner(), patch, expected, force)
        .await
        .map_err(|e| named(e.into()))?;
    let version = task.version;
    let resp = with_etag(HttpResponse::Ok().json(TaskResponse::from(task)), version);
    Ok(if alias { params::deprecated_field(resp) } else { resp })
}

#[utoipa::path(delete, path = "/api/v1/tasks/{task_id}", tag = "tasks", summary = "Move a task (and its subtasks) to the trash", params(("task_id" = Uuid, Path, description = "Task id"), ("If-Match" = Option<String>, Header, nullable = false, max_length = 1024, pattern = r#"^(\*|(W/)?"v[0-9]{1,18}"( *, *(W/)?"v[0-9]{1,18}")*)$"#, description = "Only if the task still has this version, e.g. \"v3\"")), responses((status = 204, description = "In the trash: `GET /api/v1/trash` lists it, `POST /api/v1/trash/{task_id}/restore` brings it back"), Errors))]
#[tracing::instrument(name = "tasks.delete", skip_all)]
pub async fn delete_task(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let expected = params::if_match(req.headers())?;
    tasks::delete(state.store(), &user, path.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
