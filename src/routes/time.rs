//! Time tracking: entries, the timer, and reports (JSON or CSV).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::me::TimeZoneName;
use super::params::{self, double_option, non_null, Created, Idempotent};
use crate::db::time_entries::{EntryFilter, EntryRow};
use crate::domain::report::{Group, Grouping, Report, ReportGrouping, ReportRange, Totals};
use crate::domain::task::Limit;
use crate::domain::time_entry::{Interval, Note};
use crate::domain::timesheet::EntryState;
use crate::domain::user::{Caller, TimeZone};
use crate::domain::{field, AllFields};
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::time::{self, EntryPatch, ManualEntry, TimerStart};
use crate::state::AppState;

const ORDERING: &str = "time_entries";

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"entry_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f80", "task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "user_id": "0194f2a8-0000-7000-8000-000000000001", "started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T10:30:00Z", "duration_seconds": 5400, "running": false, "note": "pairing", "billable": true, "created_at": "2026-01-05T10:30:00Z", "updated_at": "2026-01-05T10:30:00Z", "state": "approved", "reviewed_by": "0194f2a8-0000-7000-8000-000000000002", "reviewed_at": "2026-01-09T16:00:00Z", "rejection_reason": null}))]
pub struct EntryResponse {
    pub entry_id: Uuid,
    pub task_id: Uuid,
    pub user_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Whole seconds; for a running timer, so far.
    pub duration_seconds: i64,
    pub running: bool,
    pub note: Option<String>,
    pub billable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `draft` until submitted with its week; `submitted` and `approved`
    /// entries do not change until a team admin rejects or reopens them.
    pub state: EntryState,
    /// Who last approved, rejected or reopened it, and when.
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Why it was rejected; kept after a correction until it is submitted again.
    pub rejection_reason: Option<String>,
}

impl From<EntryRow> for EntryResponse {
    fn from(r: EntryRow) -> Self {
        let end = r.ended_at.unwrap_or_else(Utc::now);
        Self {
            duration_seconds: (end - r.started_at).num_seconds().max(0),
            running: r.ended_at.is_none(),
            entry_id: r.entry_id,
            task_id: r.task_id,
            user_id: r.user_id,
            started_at: r.started_at,
            ended_at: r.ended_at,
            note: r.note,
            billable: r.billable,
            created_at: r.created_at,
            updated_at: r.updated_at,
            state: r.state,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            rejection_reason: r.rejection_reason,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct EntryPage {
    items: Vec<EntryResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"started_at": "2026-01-05T09:00:00Z", "duration_seconds": 5400, "note": "pairing", "billable": true}))]
#[serde(deny_unknown_fields)]
pub struct CreateEntryRequest {
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    #[schema(minimum = 1, maximum = 86400)]
    duration_seconds: Option<i64>,
    #[schema(max_length = 2000, pattern = r"^[^\x00]*$")]
    note: Option<String>,
    #[serde(default)]
    billable: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEntryRequest {
    #[schema(nullable = false, format = DateTime)]
    #[serde(default, deserialize_with = "non_null")]
    started_at: Option<String>,
    #[schema(nullable = false, format = DateTime)]
    #[serde(default, deserialize_with = "non_null")]
    ended_at: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 2000, pattern = r"^[^\x00]*$")]
    note: Option<Option<String>>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    billable: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[param(format = DateTime)]
    from: Option<String>,
    #[param(format = DateTime)]
    to: Option<String>,
    team_id: Option<Uuid>,
    /// A user id, or `me`.
    #[param(
        pattern = r"^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        max_length = 36
    )]
    user_id: Option<String>,
    task_id: Option<Uuid>,
    billable: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    team_id: Option<Uuid>,
    /// A date (`2026-11-01`: from the start of that day in `tz`) or an RFC
    /// 3339 instant. Default: the start of the day 29 days before `to`'s.
    #[param(value_type = Option<RangeBound>, inline)]
    from: Option<String>,
    /// A date (`2026-11-30`: that whole day included) or an RFC 3339 instant
    /// (excluded). Default: now.
    #[param(value_type = Option<RangeBound>, inline)]
    to: Option<String>,
    /// The zone dates and buckets are read in. Default: the caller's
    /// `time_zone`.
    #[param(value_type = Option<TimeZoneName>)]
    tz: Option<String>,
    /// One level, or two: `group_by=user&group_by=day` (how generated
    /// clients send a list) or `group_by=user,day`. Each group then holds
    /// its own `groups`. Day, week and month list every bucket of the range
    /// in order (zero where nothing was tracked); the others go largest
    /// first. At most one of day, week and month. Default: `user`.
    #[param(value_type = Option<Vec<ReportGrouping>>, min_items = 1, max_items = 2)]
    #[serde(default)]
    group_by: Vec<String>,
    /// With `Accept: text/csv`: start the file with a UTF-8 byte order mark,
    /// so Excel reads names like "Über" as UTF-8.
    bom: Option<bool>,
    /// The rendering, instead of `Accept` (for links and spreadsheets'
    /// "from web" imports, which cannot send headers).
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The report's three renderings of the same query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

/// An .xlsx file, as the document names binary bodies.
struct XlsxFile;

impl utoipa::PartialSchema for XlsxFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("An Office Open XML workbook."))
            .into()
    }
}

impl utoipa::ToSchema for XlsxFile {}

/// A range end: a date or an RFC 3339 instant.
struct RangeBound;

impl utoipa::PartialSchema for RangeBound {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
        let of = |format, example: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
                .examples([serde_json::json!(example)])
        };
        OneOfBuilder::new()
            .item(of(KnownFormat::Date, "2026-11-01"))
            .item(of(KnownFormat::DateTime, "2026-11-01T00:00:00Z"))
            .description(Some("A date (a whole day in the report's zone) or an RFC 3339 instant."))
            .into()
    }
}

impl utoipa::ToSchema for RangeBound {}

/// A group's totals; calendar buckets also say when they start and end.
#[derive(Serialize, utoipa::ToSchema)]
struct ReportSubgroup {
    /// A user or task id, a label, or a bucket: `2026-11-01`, `2026-W48`, `2026-11`.
    key: String,
    label: Option<String>,
    seconds: i64,
    billable_seconds: i64,
    /// With `currency`: billable time at each entry's saved rate, in the
    /// currency's minor units (each entry rounded to the nearest unit).
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    billable_amount: Option<i64>,
    /// Day, week and month buckets: the instant the bucket starts in the
    /// report's zone (a DST day is 23 or 25 hours long).
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<DateTime<Utc>>,
    /// Day, week and month buckets: the instant the next bucket starts.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ReportGroup {
    #[serde(flatten)]
    sums: ReportSubgroup,
    /// With a second level (`then_by`): this group's time by it.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<ReportSubgroup>>,
}

impl ReportSubgroup {
    fn from(g: &Group, money: bool) -> Self {
        Self {
            key: g.key.clone(),
            label: g.label.clone(),
            seconds: g.totals.seconds,
            billable_seconds: g.totals.billable_seconds,
            billable_amount: money.then_some(g.totals.billable_amount),
            start: g.start,
            end: g.end,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ReportResponse {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The zone the range's dates and the buckets were read in.
    #[schema(value_type = TimeZoneName)]
    time_zone: &'static str,
    /// The first level.
    group_by: ReportGrouping,
    /// The second level, when `group_by` named two.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    then_by: Option<ReportGrouping>,
    total_seconds: i64,
    billable_seconds: i64,
    /// Of `total_seconds`, the time on tasks now in the trash: it still
    /// counts (it was real work) until the task is deleted for good.
    trashed_seconds: i64,
    /// On a team report, for its members and above once the team has rates:
    /// the ISO 4217 currency of every `billable_amount` (owners and admins
    /// see everyone's amounts, members their own, viewers none).
    #[schema(nullable = false, example = "EUR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    /// With `currency`: the total billable amount in its minor units.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    billable_amount: Option<i64>,
    groups: Vec<ReportGroup>,
}

fn note(raw: &str) -> Result<Note, ApiError> {
    Note::parse(raw).map_err(|m| ApiError::validation("note", m))
}

#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/time-entries", tag = "time", summary = "Record time on a task", params(("task_id" = Uuid, Path, description = "Task id"), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[\x21-\x7e]{1,255}$", max_length = 255, description = "Makes a retried create safe: same key and body replay the first response (24 h)")), request_body = CreateEntryRequest, responses((status = 201, description = "The entry", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.create", skip_all)]
pub async fn create_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    request: Idempotent<CreateEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let Idempotent { body: b, key } = request;
    let started_at = params::timestamp("started_at", &b.started_at)?;
    let now = Utc::now();
    let interval = match (b.ended_at.as_deref(), b.duration_seconds) {
        (Some(end), None) => Interval::new(started_at, params::timestamp("ended_at", end)?, now)
            .map_err(|m| ApiError::validation("ended_at", m))?,
        (None, Some(secs)) => {
            Interval::from_duration(started_at, secs, now).map_err(|m| ApiError::validation("duration_seconds", m))?
        }
        _ => return Err(ApiError::validation("ended_at", "give exactly one of ended_at or duration_seconds")),
    };
    let entry = ManualEntry { interval, note: b.note.as_deref().map(note).transpose()?, billable: b.billable };
    let created = Created {
        location: |e: &EntryRow| format!("/api/v1/time-entries/{}", e.entry_id),
        body: |e: &EntryRow| EntryResponse::from(e.clone()),
    };
    let render = |e: &EntryRow| created.stored(e);
    Ok(created.respond(time::create(state.store(), &user, path.into_inner(), entry, key.as_ref(), render).await?))
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/time-entries", tag = "time", summary = "A task's entries the caller may see, newest first", params(("task_id" = Uuid, Path, description = "Task id"), PageQuery), responses((status = 200, description = "A page of entries (`Link` to the next)", body = EntryPage), Errors))]
#[tracing::instrument(name = "time_entries.list_for_task", skip_all)]
pub async fn list_task_entries(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = time::list_for_task(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    Ok(entry_page(&req, rows, limit))
}

/// A page of entries, trimmed to `limit`, with its cursor and `Link`.
fn entry_page(req: &HttpRequest, rows: Vec<EntryRow>, limit: i64) -> HttpResponse {
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.started_at, r.entry_id));
    let page = EntryPage { items: rows.into_iter().map(EntryResponse::from).collect(), next_cursor };
    cursor::respond(req, page.next_cursor.as_deref(), &page)
}

#[utoipa::path(get, path = "/api/v1/time-entries/{entry_id}", tag = "time", summary = "One time entry", params(("entry_id" = Uuid, Path, description = "Time entry id")), responses((status = 200, description = "The entry", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.get", skip_all)]
pub async fn get_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = time::get(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/time-entries", tag = "time", summary = "Time entries, newest first", params(ListQuery), responses((status = 200, description = "A page of entries (`Link` to the next)", body = EntryPage), Errors))]
#[tracing::instrument(name = "time_entries.list", skip_all)]
pub async fn list_entries(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: ListQuery = params::query(&req)?;
    let limit = Limit::parse(q.limit).map_err(|m| ApiError::validation("limit", m))?;
    let user_id = match q.user_id.as_deref() {
        None => None,
        Some("me") => Some(user.user_id.0),
        Some(raw) => Some(raw.parse().map_err(|_| ApiError::validation("user_id", "must be a UUID or `me`"))?),
    };
    let filter = EntryFilter {
        from: q.from.as_deref().map(|s| params::timestamp("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| params::timestamp("to", s)).transpose()?,
        team_id: q.team_id,
        user_id,
        task_id: q.task_id,
        billable: q.billable,
    };
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = time::list(state.store(), &user, &filter, after, limit.0 + 1).await?;
    Ok(entry_page(&req, rows, limit.0))
}

#[utoipa::path(patch, path = "/api/v1/time-entries/{entry_id}", tag = "time", summary = "Change your entry", params(("entry_id" = Uuid, Path, description = "Time entry id")), request_body = PatchEntryRequest, responses((status = 200, description = "The entry", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.update", skip_all)]
pub async fn update_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<PatchEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if b.started_at.is_none() && b.ended_at.is_none() && b.note.is_none() && b.billable.is_none() {
        return Err(ApiError::validation("body", "name at least one field to change"));
    }
    let patch = EntryPatch {
        started_at: b.started_at.as_deref().map(|s| params::timestamp("started_at", s)).transpose()?,
        ended_at: b.ended_at.as_deref().map(|s| params::timestamp("ended_at", s)).transpose()?,
        note: b.note.map(|n| n.as_deref().map(note).transpose()).transpose()?,
        billable: b.billable,
    };
    let row = time::update(state.store(), &user, path.into_inner(), patch).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/time-entries/{entry_id}", tag = "time", summary = "Delete an entry", params(("entry_id" = Uuid, Path, description = "Time entry id")), responses((status = 204, description = "Deleted"), Errors))]
#[tracing::instrument(name = "time_entries.delete", skip_all)]
pub async fn delete_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    time::delete(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/timer", tag = "time", summary = "Start a timer on a task", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 201, description = "The running entry (`Location`)", body = EntryResponse), Errors))]
#[tracing::instrument(name = "timer.start", skip_all)]
pub async fn start_timer(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    match time::start_timer(state.store(), &user, path.into_inner()).await? {
        TimerStart::Started(row) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/time-entries/{}", row.entry_id)))
            .json(EntryResponse::from(row))),
        TimerStart::AlreadyRunning(row) => Err(ApiError::Conflict(format!(
            "a timer is already running: entry {} on task {}; stop it first",
            row.entry_id, row.task_id
        ))),
    }
}

#[utoipa::path(post, path = "/api/v1/timer/stop", tag = "time", summary = "Stop the running timer", responses((status = 200, description = "The finished entry", body = EntryResponse), Errors))]
#[tracing::instrument(name = "timer.stop", skip_all)]
pub async fn stop_timer(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let row = time::stop_timer(state.store(), &user).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/timer", tag = "time", summary = "The running timer, if any", responses((status = 200, description = "`timer` is null when none runs", body = TimerResponse), Errors))]
#[tracing::instrument(name = "timer.get", skip_all)]
pub async fn get_timer(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let running = time::running(state.store(), &user).await?;
    let long_running = running.as_ref().is_some_and(|t| Utc::now() - t.started_at > state.max_timer);
    Ok(HttpResponse::Ok().json(TimerResponse {
        timer: running.map(EntryResponse::from),
        long_running,
        max_timer_hours: state.max_timer.num_hours(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TimerResponse {
    /// Null when no timer runs.
    timer: Option<EntryResponse>,
    /// The timer has run longer than `max_timer_hours`: probably forgotten,
    /// so a client asks before saving it (stopping caps it at 24 hours).
    long_running: bool,
    /// The server's `time.max_timer_hours`.
    max_timer_hours: i64,
}

/// The report's media types, JSON first (what no `Accept` gets).
const REPORT_TYPES: &[&str] = &["application/json", "text/csv", super::xlsx::MEDIA_TYPE];

/// `format=` if given, else the best `Accept` match.
fn rendering(req: &HttpRequest, format: Option<ReportFormat>) -> ReportFormat {
    format.unwrap_or_else(|| {
        let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
        match super::negotiate::choose(accept, REPORT_TYPES) {
            Some("text/csv") => ReportFormat::Csv,
            Some(super::xlsx::MEDIA_TYPE) => ReportFormat::Xlsx,
            _ => ReportFormat::Json,
        }
    })
}

/// RFC 4180 quoting of an identifier (a UUID, a date): written as it is, so
/// a spreadsheet or a join sees the same key the JSON has.
fn csv_id(raw: &str) -> String {
    format!("\"{}\"", raw.replace('"', "\"\""))
}

/// RFC 4180 quoting of text people typed (names, labels), and a leading
/// quote for a cell a spreadsheet would otherwise run as a formula.
fn csv_cell(raw: &str) -> String {
    if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_id(&format!("'{raw}"))
    } else {
        csv_id(raw)
    }
}

/// The report as CSV: a header row, then one row per group, or with two
/// levels one row per inner group (so a column sums to the total). Keys are
/// identifiers except for labels (text someone typed); numbers are bare.
fn report_csv(report: &Report, grouping: Grouping, bom: bool) -> String {
    let key = |level: ReportGrouping, g: &Group| {
        if level == ReportGrouping::Label {
            csv_cell(&g.key)
        } else {
            csv_id(&g.key)
        }
    };
    let label = |g: &Group| csv_cell(g.label.as_deref().unwrap_or_default());
    // Amounts, where the caller may see them: the same two columns on every row.
    let money = |t: Totals| match &report.currency {
        Some(code) => format!(",{},{}", t.billable_amount, csv_id(code)),
        None => String::new(),
    };
    let money_header = if report.currency.is_some() { ",billable_amount,currency" } else { "" };
    let mut out = String::from(if bom { "\u{feff}" } else { "" });
    match grouping.then() {
        None => {
            out.push_str(&format!("key,label,seconds,billable_seconds{money_header}\r\n"));
            for g in &report.groups {
                let (k, l, t) = (key(grouping.first(), g), label(g), g.totals);
                out.push_str(&format!("{k},{l},{},{}{}\r\n", t.seconds, t.billable_seconds, money(t)));
            }
        }
        Some(then) => {
            out.push_str(&format!("key,label,key2,label2,seconds,billable_seconds{money_header}\r\n"));
            for g in &report.groups {
                let (k, l) = (key(grouping.first(), g), label(g));
                for inner in &g.groups {
                    let (k2, l2, t) = (key(then, inner), label(inner), inner.totals);
                    out.push_str(&format!("{k},{l},{k2},{l2},{},{}{}\r\n", t.seconds, t.billable_seconds, money(t)));
                }
            }
        }
    }
    out
}

#[utoipa::path(get, path = "/api/v1/reports/time", tag = "time", summary = "Tracked time grouped by user, task, day or label", params(ReportQuery), responses((status = 200, description = "The report (JSON, or CSV with `Accept: text/csv`)", content((ReportResponse = "application/json"), (String = "text/csv"), (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), Errors))]
#[tracing::instrument(name = "reports.time", skip_all)]
pub async fn time_report(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (q, range, grouping, report) = run_report(&state, &user, &req).await?;
    match rendering(&req, q.format) {
        ReportFormat::Csv => return Ok(csv_response(&report, &range, grouping, q.bom.unwrap_or(false))),
        ReportFormat::Xlsx => return xlsx_response(&report, &range, grouping),
        ReportFormat::Json => {}
    }
    let money = report.currency.is_some();
    Ok(HttpResponse::Ok().json(ReportResponse {
        from: range.from,
        to: range.to,
        time_zone: range.zone.name(),
        group_by: grouping.first(),
        then_by: grouping.then(),
        total_seconds: report.totals.seconds,
        billable_seconds: report.totals.billable_seconds,
        trashed_seconds: report.trashed_seconds,
        currency: report.currency.clone(),
        billable_amount: money.then_some(report.totals.billable_amount),
        groups: report
            .groups
            .iter()
            .map(|g| ReportGroup {
                sums: ReportSubgroup::from(g, money),
                groups: grouping.then().map(|_| g.groups.iter().map(|s| ReportSubgroup::from(s, money)).collect()),
            })
            .collect(),
    }))
}

/// The same report as a file, for clients (and generators) that model one
/// media type per response and so cannot ask `/reports/time` for CSV.
#[utoipa::path(get, path = "/api/v1/reports/time.csv", tag = "time", summary = "The time report as a CSV file", params(ReportQuery), responses((status = 200, description = "`key,label,seconds,billable_seconds` rows, or `key,label,key2,label2,seconds,billable_seconds` with two levels (`Content-Disposition: attachment`)", content((String = "text/csv"))), Errors))]
#[tracing::instrument(name = "reports.time_csv", skip_all)]
pub async fn time_report_csv(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (q, range, grouping, report) = run_report(&state, &user, &req).await?;
    Ok(csv_response(&report, &range, grouping, q.bom.unwrap_or(false)))
}

/// Parses the report's query and runs it.
async fn run_report(
    state: &AppState,
    user: &Caller,
    req: &HttpRequest,
) -> Result<(ReportQuery, ReportRange, Grouping, Report), ApiError> {
    let q: ReportQuery = params::query(req)?;
    let (from, to, zone, grouping) = (
        field("from", q.from.as_deref().map(params::bound).transpose()),
        field("to", q.to.as_deref().map(params::bound).transpose()),
        field("tz", q.tz.as_deref().map(TimeZone::parse).transpose()),
        field("group_by", (!q.group_by.is_empty()).then(|| Grouping::parse(&q.group_by.join(","))).transpose()),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let grouping = grouping.unwrap_or(Grouping::one(ReportGrouping::User));
    let ask = time::ReportRequest { team_id: q.team_id, from, to, zone, grouping };
    let (range, report) = time::report(state.store(), user, ask).await?;
    Ok((q, range, grouping, report))
}

/// The file is named for what it holds: the team, the grouping and the
/// range's days. `filename` is ASCII (the team's letters and digits, other
/// characters as `-`); `filename*` (RFC 6266, RFC 8187) carries the team's
/// name as typed, for clients that read it.
fn disposition(report: &Report, range: &ReportRange, grouping: Grouping, extension: &str) -> String {
    let day = |t: DateTime<Utc>| t.with_timezone(&range.zone.tz()).format("%Y-%m-%d").to_string();
    // `to` is excluded: the last day in the file is the one before it ends.
    let last = day(range.to - chrono::Duration::microseconds(1));
    let what = format!("{}-{}-{last}.{extension}", grouping.name().replace(',', "-"), day(range.from));
    let Some(team) = report.team.as_deref() else {
        return format!("attachment; filename=\"time-report-{what}\"");
    };
    let ascii: String =
        team.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let ascii = ascii.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let ascii = if ascii.is_empty() { "team".to_owned() } else { ascii.chars().take(40).collect() };
    let encoded: String = format!("time-report-{team}-{what}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"time-report-{ascii}-{what}\"; filename*=UTF-8''{encoded}")
}

fn csv_response(report: &Report, range: &ReportRange, grouping: Grouping, bom: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, disposition(report, range, grouping, "csv")))
        .body(report_csv(report, grouping, bom))
}

fn xlsx_response(report: &Report, range: &ReportRange, grouping: Grouping) -> Result<HttpResponse, ApiError> {
    let bytes = super::xlsx::report(report, grouping, range).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(super::xlsx::MEDIA_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, disposition(report, range, grouping, "xlsx")))
        .body(bytes))
}

/// The report as a workbook, for clients that model one media type per
/// response.
#[utoipa::path(get, path = "/api/v1/reports/time.xlsx", tag = "time", summary = "The time report as an Excel workbook", params(ReportQuery), responses((status = 200, description = "The rows of the CSV with typed cells: hours and seconds as numbers, bucket days as dates, amounts in major units (`Content-Disposition: attachment`)", content((XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), Errors))]
#[tracing::instrument(name = "reports.time_xlsx", skip_all)]
pub async fn time_report_xlsx(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (_, range, grouping, report) = run_report(&state, &user, &req).await?;
    xlsx_response(&report, &range, grouping)
}

#[cfg(test)]
mod tests {
    use super::csv_cell;
    use crate::domain::report::{Group, Grouping, Report, ReportGrouping, Totals};

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(csv_cell("plain"), "\"plain\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=cmd()"), "\"'=cmd()\"");
    }

    /// CSV injection (OWASP): a cell a spreadsheet would run as a formula is
    /// prefixed with a quote; quotes are doubled; every cell is quoted.
    #[rstest::rstest]
    #[case::equals("=1+1", "\"'=1+1\"")]
    #[case::plus("+1", "\"'+1\"")]
    #[case::minus("-1", "\"'-1\"")]
    #[case::at("@SUM(A1)", "\"'@SUM(A1)\"")]
    #[case::tab("\tx", "\"'\tx\"")]
    #[case::carriage_return("\rx", "\"'\rx\"")]
    #[case::inner_equals("a=b", "\"a=b\"")]
    #[case::empty("", "\"\"")]
    #[case::comma("a,b", "\"a,b\"")]
    #[case::newline("a\nb", "\"a\nb\"")]
    #[case::quote_and_formula("=\"x\"", "\"'=\"\"x\"\"\"")]
    fn csv_cells(#[case] raw: &str, #[case] cell: &str) {
        assert_eq!(super::csv_cell(raw), cell);
    }

    fn row(key: &str, label: Option<&str>) -> Group {
        Group {
            key: key.into(),
            label: label.map(Into::into),
            totals: Totals { seconds: 3600, billable_seconds: 1800, billable_amount: 2500 },
            start: None,
            end: None,
            groups: Vec::new(),
        }
    }

    fn report(groups: Vec<Group>) -> Report {
        Report { totals: Totals::default(), groups, currency: None, team: None, trashed_seconds: 0 }
    }

    #[rstest::rstest]
    #[case::personal(None, "attachment; filename=\"time-report-user-2026-11-01-2026-11-30.csv\"")]
    #[case::ascii_team(
        Some("Platform"),
        "attachment; filename=\"time-report-platform-user-2026-11-01-2026-11-30.csv\"; \
         filename*=UTF-8''time-report-Platform-user-2026-11-01-2026-11-30.csv"
    )]
    #[case::typed_name(
        Some("Über \"Ops\"/2"),
        "attachment; filename=\"time-report-ber-ops-2-user-2026-11-01-2026-11-30.csv\"; \
         filename*=UTF-8''time-report-%C3%9Cber%20%22Ops%22%2F2-user-2026-11-01-2026-11-30.csv"
    )]
    #[case::no_ascii_at_all(
        Some("Ü"),
        "attachment; filename=\"time-report-team-user-2026-11-01-2026-11-30.csv\"; \
         filename*=UTF-8''time-report-%C3%9C-user-2026-11-01-2026-11-30.csv"
    )]
    fn the_file_is_named_for_team_grouping_and_days(#[case] team: Option<&str>, #[case] header: &str) {
        let at = |raw: &str| {
            chrono::DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&chrono::Utc)).unwrap_or_default()
        };
        let (from, to) = (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));
        let range =
            crate::domain::report::ReportRange { from, to, zone: crate::domain::user::TimeZone::UTC, fixed: true };
        let mut r = report(Vec::new());
        r.team = team.map(Into::into);
        assert_eq!(super::disposition(&r, &range, Grouping::one(ReportGrouping::User), "csv"), header);
    }

    #[test]
    fn the_csv_has_a_header_and_bare_numbers() {
        let csv = super::report_csv(&report(vec![row("2026-11-01", None)]), Grouping::one(ReportGrouping::Day), false);
        assert_eq!(csv, "key,label,seconds,billable_seconds\r\n\"2026-11-01\",\"\",3600,1800\r\n");
    }

    /// Two levels: a row per inner group, so the seconds column sums to the
    /// report's total (outer rows would count everything twice).
    #[test]
    fn two_levels_are_one_row_per_inner_group() {
        let mut ann = row("ann-id", Some("=Ann"));
        ann.groups = vec![row("2026-11-01", Some("2026-11-01")), row("2026-11-02", Some("2026-11-02"))];
        let grouping = Grouping::parse("user,day").unwrap_or(Grouping::one(ReportGrouping::User));
        let csv = super::report_csv(&report(vec![ann, row("bob-id", Some("Bob"))]), grouping, false);
        assert_eq!(
            csv,
            "key,label,key2,label2,seconds,billable_seconds\r\n\
             \"ann-id\",\"'=Ann\",\"2026-11-01\",\"2026-11-01\",3600,1800\r\n\
             \"ann-id\",\"'=Ann\",\"2026-11-02\",\"2026-11-02\",3600,1800\r\n"
        );
    }

    #[test]
    fn a_bom_is_offered_for_excel_and_only_on_request() {
        let rows = report(vec![row("u", Some("Über"))]);
        let user = Grouping::one(ReportGrouping::User);
        let with = super::report_csv(&rows, user, true);
        assert!(with.starts_with("\u{feff}key,"), "{with:?}");
        assert_eq!(with.as_bytes()[..3], [0xef, 0xbb, 0xbf], "the UTF-8 encoding of U+FEFF");
        assert!(with.contains("\"Über\""));
        assert!(!super::report_csv(&rows, user, false).starts_with('\u{feff}'));
    }

    /// Formula escapes apply to text people typed (names, titles, labels),
    /// never to identifiers, which must match the JSON's keys.
    #[rstest::rstest]
    #[case::user_key_is_an_id(ReportGrouping::User, "-1", Some("=Eve"), "\"-1\",\"'=Eve\"")]
    #[case::task_key_is_an_id(ReportGrouping::Task, "+x", Some("@task"), "\"+x\",\"'@task\"")]
    #[case::day_key_is_a_date(ReportGrouping::Day, "2026-11-01", None, "\"2026-11-01\",\"\"")]
    #[case::label_key_is_text(ReportGrouping::Label, "=cmd()", Some("=cmd()"), "\"'=cmd()\",\"'=cmd()\"")]
    #[case::plain_label(ReportGrouping::Label, "release", Some("release"), "\"release\",\"release\"")]
    fn which_cells_are_escaped(
        #[case] group: ReportGrouping,
        #[case] key: &str,
        #[case] label: Option<&str>,
        #[case] cells: &str,
    ) {
        let csv = super::report_csv(&report(vec![row(key, label)]), Grouping::one(group), false);
        let line = csv.lines().nth(1).unwrap_or_default();
        assert_eq!(line, format!("{cells},3600,1800"));
    }
}
