//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the request/response types, served at
//! `/api/v1/openapi.json`; Swagger UI at `/docs`, from assets compiled into
//! the binary (no CDN).

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

use super::{
    admin, audit, auth, budgets, calendar, checklists, comments, health, history, invitations, jobs, me, mentions,
    oauth, projects, rates, relations, tasks, teams, time, time_locks, timesheets, tokens, trash, watchers,
};
use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskFlow API",
        description = "Tasks, teams, comments and time tracking. Errors are RFC 9457 problem documents \
                       (`application/problem+json`). Lists are keyset-paginated: pass `next_cursor` back as `cursor`.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
    ),
    servers((url = "/", description = "The server that serves this document: production, staging or local, as deployed")),
    modifiers(&BearerAuth, &PatchBodiesNameAField),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Registration, sign-in, tokens, MFA challenge, OIDC"),
        (name = "me", description = "The signed-in account: profile, password, MFA, privacy"),
        (name = "teams", description = "Teams, their members and invitations"),
        (name = "tasks", description = "Tasks, with ETags and idempotent creation"),
        (name = "comments", description = "Comments on tasks"),
        (name = "time", description = "Time entries, timers and reports"),
        (name = "admin", description = "Global administration"),
        (name = "operations", description = "Health probes and metrics"),
    ),
    paths(
        health::live, health::ready, health::metrics,
        auth::register, auth::login, auth::refresh, auth::logout, auth::verify_mfa,
        oauth::providers, oauth::authorize, oauth::callback, oauth::link, oauth::identities, oauth::unlink,
        me::get_me, me::patch_me, me::erase, me::erase_with_delete, me::export, me::get_consents, me::put_consents, me::change_password,
        me::enroll_totp, me::disable_totp, me::disable_totp_with_delete, me::confirm_totp, me::regenerate_recovery_codes,
        audit::my_events, audit::all_events, mentions::my_mentions,
        calendar::get_feed, calendar::create_feed, calendar::revoke_feed, calendar::feed,
        tokens::create_my_token, tokens::list_my_tokens, tokens::revoke_my_token,
        tokens::create_team_token, tokens::list_team_tokens, tokens::revoke_team_token,
        teams::list_teams, teams::create_team, teams::get_team, teams::update_team, teams::delete_team,
        teams::team_summary, teams::list_members, teams::get_member, teams::add_member, teams::update_member, teams::remove_member,
        rates::create_rate, rates::list_rates, rates::get_rate, rates::delete_rate, rates::reprice,
        projects::create_project, projects::list_projects, projects::get_project, projects::update_project, projects::delete_project,
        budgets::create_budget, budgets::list_budgets, budgets::get_budget, budgets::update_budget, budgets::delete_budget,
        time_locks::create_lock, time_locks::list_locks, time_locks::get_lock, time_locks::delete_lock,
        invitations::create_invitation, invitations::list_invitations, invitations::revoke_invitation,
        invitations::my_invitations, invitations::accept_invitation, invitations::decline_invitation,
        tasks::list_tasks, tasks::create_task, tasks::get_task, tasks::update_task, tasks::delete_task, tasks::list_subtasks, history::task_activity,
        relations::list_relations, relations::create_relation, relations::delete_relation,
        trash::list_trash, trash::restore_task, trash::purge_task,
        checklists::get_checklist, checklists::add_item, checklists::update_item, checklists::delete_item,
        watchers::list_watchers, watchers::watch, watchers::unwatch,
        comments::list_comments, comments::get_comment, comments::create_comment, comments::update_comment, comments::delete_comment,
        time::list_task_entries, time::create_entry, time::start_timer, time::get_timer, time::stop_timer,
        time::list_entries, time::get_entry, time::update_entry, time::delete_entry, time::time_report, time::time_report_csv, time::time_report_xlsx,
        timesheets::get_timesheet, timesheets::submit_week, timesheets::approve_week, timesheets::reject_week,
        timesheets::approve_entry, timesheets::reject_entry, timesheets::reopen_entry, timesheets::list_approvals,
        admin::list_users, admin::update_user,
        jobs::list_jobs, jobs::get_job, jobs::retry_job, jobs::ping,
        openapi_json,
    ),
    components(schemas(Problem, crate::domain::task::TaskSort, crate::domain::report::ReportGrouping, crate::domain::calendar::FeedForm))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` from sign-in: a signed JWT (JWS) valid for 15 minutes, verified as \
                         RFC8725 (JWT best current practices) asks: one pinned algorithm (`alg` is never taken \
                         from the token, `none` is refused), issuer, audience, expiry and not-before required \
                         and checked, and the session behind it checked on every request.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tfp_")
                    .description(Some(
                        "A personal or team service API token (`tfp_` and 43 base62 characters) from \
                         `POST /api/v1/me/tokens` or `POST /api/v1/teams/{team_id}/tokens`. Each operation lists \
                         the one scope it needs under this scheme (and in `x-required-scope`); operations \
                         without it take a signed-in session only. A token without the scope gets 403 with \
                         `WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"...\"` (RFC 6750).",
                    ))
                    .build(),
            ),
        );
    }
}

/// A PATCH body must name at least one field (`minProperties: 1`). Set here
/// because utoipa-gen 5.5.0 renders `#[schema(min_properties = ..)]` as
/// `maxProperties` (features.rs, `Feature::MinProperties`).
struct PatchBodiesNameAField;

impl Modify for PatchBodiesNameAField {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for name in [
            "PatchTaskRequest",
            "PatchUserRequest",
            "PatchEntryRequest",
            "PatchMeRequest",
            "PatchBudgetRequest",
            "PatchProjectRequest",
            "PatchItemRequest",
        ] {
            if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(object))) = components.schemas.get_mut(name) {
                object.min_properties = Some(1);
            }
        }
    }
}

/// The document, built once (it is the same for the life of the process)
/// and shaped for generated clients (`routes::contract`).
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        super::contract::shape(&mut doc);
        doc
    })
}

/// What the document says of one operation, for the middleware that holds
/// every request to it.
pub struct Declared {
    /// The query parameters it takes.
    pub query: Vec<String>,
    /// Their declared `maxLength`s, which the middleware enforces.
    pub query_max: HashMap<String, usize>,
    /// The media types its successful responses come in (none: no body).
    pub produces: Vec<String>,
}

/// The document's facts about an operation (`method` upper-case, `path` the
/// route template), or `None` when it is not an operation (pages, assets).
pub fn declared(method: &str, path: &str) -> Option<&'static Declared> {
    // path → method → facts: a lookup per request borrows, never allocates.
    type Table = HashMap<&'static str, HashMap<&'static str, Declared>>;
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table: Table = HashMap::new();
        for (path, item) in document()["paths"].as_object().into_iter().flatten() {
            for (method, name) in
                [("GET", "get"), ("PUT", "put"), ("POST", "post"), ("DELETE", "delete"), ("PATCH", "patch")]
            {
                let Some(op) = item.get(name) else { continue };
                let in_query: Vec<&serde_json::Value> =
                    op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query").collect();
                let query = in_query.iter().filter_map(|p| p["name"].as_str().map(str::to_owned)).collect();
                let query_max = in_query
                    .iter()
                    .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["schema"]["maxLength"].as_u64()? as usize)))
                    .collect();
                let mut produces: Vec<String> = vec![];
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    if !status.starts_with('2') {
                        continue;
                    }
                    for media in response["content"].as_object().into_iter().flat_map(|c| c.keys()) {
                        if !produces.contains(media) {
                            produces.push(media.clone());
                        }
                    }
                }
                table.entry(path.as_str()).or_default().insert(method, Declared { query, query_max, produces });
            }
        }
        table
    });
    table.get(path)?.get(method)
}

/// The machine-readable contract of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().insert_header((CACHE_CONTROL, "no-cache")).json(document())
}

const DOCS_HTML: &str = include_str!("../../static/docs/index.html");
const DOCS_INIT: &str = include_str!("../../static/docs/init.js");
const SWAGGER_JS: &str = include_str!("../../static/docs/swagger-ui-bundle.js");
const SWAGGER_CSS: &str = include_str!("../../static/docs/swagger-ui.css");

/// Swagger UI injects style attributes; scripts come only from this origin.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Unhashed names (the page refers to them literally): cached for a day.
fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    super::site::embedded(content_type, "public, max-age=86400", body)
}

pub async fn docs_page() -> HttpResponse {
    super::site::page(DOCS_CSP, DOCS_HTML)
}

pub async fn docs_asset(name: web::Path<String>) -> Result<HttpResponse, crate::error::ApiError> {
    Ok(match name.as_str() {
        "init.js" => asset("text/javascript; charset=utf-8", DOCS_INIT),
        "swagger-ui-bundle.js" => asset("text/javascript; charset=utf-8", SWAGGER_JS),
        "swagger-ui.css" => asset("text/css; charset=utf-8", SWAGGER_CSS),
        _ => return Err(crate::error::ApiError::NotFound),
    })
}

/// A one-line name of at most `max` characters, as `domain::parse_name`
/// accepts it: the pattern lives once, in `domain::ONE_LINE_PATTERN`.
fn one_line(max: usize) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .max_length(Some(max))
        .pattern(Some(crate::domain::ONE_LINE_PATTERN))
        .build()
}

// `schema_with` takes a function without arguments: one per length in use.
pub fn one_line_32() -> utoipa::openapi::Object {
    one_line(32)
}

pub fn one_line_50() -> utoipa::openapi::Object {
    one_line(50)
}

pub fn one_line_100() -> utoipa::openapi::Object {
    one_line(100)
}

pub fn one_line_200() -> utoipa::openapi::Object {
    one_line(200)
}

pub fn one_line_500() -> utoipa::openapi::Object {
    one_line(500)
}
