//! HTTP routes: one module per resource, wired in `configure`.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod budgets;
pub mod calendar;
pub mod checklists;
pub mod comments;
pub mod contract;
pub mod cursor;
pub mod health;
pub mod history;
pub mod invitations;
pub mod jobs;
pub mod me;
pub mod mentions;
pub mod negotiate;
pub mod oauth;
pub mod openapi;
pub mod params;
pub mod projects;
pub mod rates;
pub mod relations;
pub mod site;
pub mod tasks;
pub mod teams;
pub mod time;
pub mod time_locks;
pub mod timesheets;
pub mod tokens;
pub mod trash;
pub mod watchers;
pub mod xlsx;

use actix_web::web;

use crate::domain::token::Access;
use crate::error::ApiError;

/// The access a route table entry names.
#[allow(dead_code)]
mod access {
    use crate::domain::token::{Access, Scope};

    pub const PUBLIC: Access = Access::Public;
    pub const SESSION: Access = Access::Session;
    pub const TASKS_READ: Access = Access::Scoped(Scope::TasksRead);
    pub const TASKS_WRITE: Access = Access::Scoped(Scope::TasksWrite);
    pub const COMMENTS_WRITE: Access = Access::Scoped(Scope::CommentsWrite);
    pub const TIME_READ: Access = Access::Scoped(Scope::TimeRead);
    pub const TIME_WRITE: Access = Access::Scoped(Scope::TimeWrite);
    pub const TEAMS_READ: Access = Access::Scoped(Scope::TeamsRead);
    pub const TEAMS_ADMIN: Access = Access::Scoped(Scope::TeamsAdmin);
    pub const WEBHOOKS_ADMIN: Access = Access::Scoped(Scope::WebhooksAdmin);
    pub const ACCOUNT_READ: Access = Access::Scoped(Scope::AccountRead);
}

/// What `method` on the route `pattern` asks of a token; a route not in the
/// table (none should be) reaches no token.
pub fn access(method: &str, pattern: &str) -> Access {
    ACCESS
        .iter()
        .find(|(m, p, _)| *p == pattern && m.eq_ignore_ascii_case(method))
        .map_or(Access::Session, |(_, _, a)| *a)
}

/// Declares the route table once and derives both `configure` (what actix
/// serves) and `TABLE` (what the OpenAPI coverage test compares the document
/// with), so the two cannot drift.
macro_rules! route_table {
    ($($path:literal => { $($method:ident($access:ident): $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Resources, not scope routes: a wrong method is then 405 with
        /// `Allow`, not 404. Deprecated operations are served until their
        /// sunset, so using them here is no warning.
        #[allow(deprecated)]
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.service(web::resource($path)$(.$method($handler))+);)+
        }

        /// (method, path) of every route `configure` registers.
        pub const TABLE: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)+];

        /// What each route asks of an API token: declared beside the route,
        /// so no route exists without a decision, and enforced in one
        /// place (the `Caller` extractor).
        pub const ACCESS: &[(&str, &str, Access)] = &[$($((stringify!($method), $path, access::$access),)+)+];
    };
}

route_table! {
    "/metrics" => { get(PUBLIC): health::metrics },
    "/health/live" => { get(PUBLIC): health::live },
    "/health/ready" => { get(PUBLIC): health::ready },
    "/api/v1/openapi.json" => { get(PUBLIC): openapi::openapi_json },
    "/api/v1/auth/register" => { post(PUBLIC): auth::register },
    "/api/v1/auth/login" => { post(PUBLIC): auth::login },
    "/api/v1/auth/refresh" => { post(PUBLIC): auth::refresh },
    "/api/v1/auth/logout" => { post(SESSION): auth::logout },
    "/api/v1/auth/mfa/verify" => { post(PUBLIC): auth::verify_mfa },
    "/api/v1/auth/providers" => { get(PUBLIC): oauth::providers },
    "/api/v1/auth/oauth/{provider}/authorize" => { get(PUBLIC): oauth::authorize },
    "/api/v1/auth/oauth/{provider}/callback" => { get(PUBLIC): oauth::callback },
    "/api/v1/me" => { get(ACCOUNT_READ): me::get_me, patch(SESSION): me::patch_me, delete(SESSION): me::erase_with_delete },
    "/api/v1/me/erase" => { post(SESSION): me::erase },
    "/api/v1/me/export" => { get(SESSION): me::export },
    "/api/v1/me/oauth/{provider}/link" => { post(SESSION): oauth::link },
    "/api/v1/me/identities" => { get(SESSION): oauth::identities },
    "/api/v1/me/identities/{provider}" => { delete(SESSION): oauth::unlink },
    "/api/v1/me/consents" => { get(ACCOUNT_READ): me::get_consents, put(SESSION): me::put_consents },
    "/api/v1/me/password" => { post(SESSION): me::change_password },
    "/api/v1/me/audit-events" => { get(ACCOUNT_READ): audit::my_events },
    "/api/v1/me/mentions" => { get(TASKS_READ): mentions::my_mentions },
    "/api/v1/me/calendar-feed" => { get(SESSION): calendar::get_feed, post(SESSION): calendar::create_feed, delete(SESSION): calendar::revoke_feed },
    "/api/v1/me/tokens" => { get(SESSION): tokens::list_my_tokens, post(SESSION): tokens::create_my_token },
    "/api/v1/me/tokens/{id}" => { delete(SESSION): tokens::revoke_my_token },
    "/api/v1/trash" => { get(TASKS_READ): trash::list_trash },
    "/api/v1/trash/{task_id}/restore" => { post(TASKS_WRITE): trash::restore_task },
    "/api/v1/trash/{task_id}" => { delete(TASKS_WRITE): trash::purge_task },
    "/api/v1/me/invitations" => { get(TEAMS_READ): invitations::my_invitations },
    "/api/v1/me/invitations/{invitation_id}/accept" => { post(SESSION): invitations::accept_invitation },
    "/api/v1/me/invitations/{invitation_id}/decline" => { post(SESSION): invitations::decline_invitation },
    "/api/v1/me/mfa/totp" => { post(SESSION): me::enroll_totp, delete(SESSION): me::disable_totp_with_delete },
    "/api/v1/me/mfa/totp/disable" => { post(SESSION): me::disable_totp },
    "/api/v1/me/mfa/totp/confirm" => { post(SESSION): me::confirm_totp },
    "/api/v1/me/mfa/recovery-codes" => { post(SESSION): me::regenerate_recovery_codes },
    "/api/v1/admin/audit-events" => { get(SESSION): audit::all_events },
    "/api/v1/teams" => { get(TEAMS_READ): teams::list_teams, post(TEAMS_ADMIN): teams::create_team },
    "/api/v1/teams/{team_id}" => { get(TEAMS_READ): teams::get_team, patch(TEAMS_ADMIN): teams::update_team, delete(TEAMS_ADMIN): teams::delete_team },
    "/api/v1/teams/{team_id}/summary" => { get(TEAMS_READ): teams::team_summary },
    "/api/v1/teams/{team_id}/invitations" => { get(TEAMS_READ): invitations::list_invitations, post(TEAMS_ADMIN): invitations::create_invitation },
    "/api/v1/teams/{team_id}/invitations/{invitation_id}" => { delete(TEAMS_ADMIN): invitations::revoke_invitation },
    "/api/v1/teams/{team_id}/rates" => { get(TEAMS_READ): rates::list_rates, post(TEAMS_ADMIN): rates::create_rate },
    // Before `{rate_id}`, which would take "reprice" for an id.
    "/api/v1/teams/{team_id}/rates/reprice" => { post(TEAMS_ADMIN): rates::reprice },
    "/api/v1/teams/{team_id}/rates/{rate_id}" => { get(TEAMS_READ): rates::get_rate, delete(TEAMS_ADMIN): rates::delete_rate },
    "/api/v1/teams/{team_id}/time-locks" => { get(TIME_READ): time_locks::list_locks, post(TEAMS_ADMIN): time_locks::create_lock },
    "/api/v1/teams/{team_id}/time-locks/{lock_id}" => { get(TIME_READ): time_locks::get_lock, delete(TEAMS_ADMIN): time_locks::delete_lock },
    "/api/v1/teams/{team_id}/projects" => { get(TASKS_READ): projects::list_projects, post(TASKS_WRITE): projects::create_project },
    "/api/v1/teams/{team_id}/projects/{project_id}" => { get(TASKS_READ): projects::get_project, patch(TASKS_WRITE): projects::update_project, delete(TASKS_WRITE): projects::delete_project },
    "/api/v1/teams/{team_id}/budgets" => { get(TIME_READ): budgets::list_budgets, post(TEAMS_ADMIN): budgets::create_budget },
    "/api/v1/teams/{team_id}/budgets/{budget_id}" => { get(TIME_READ): budgets::get_budget, patch(TEAMS_ADMIN): budgets::update_budget, delete(TEAMS_ADMIN): budgets::delete_budget },
    "/api/v1/teams/{team_id}/approvals" => { get(TIME_READ): timesheets::list_approvals },
    "/api/v1/teams/{team_id}/members" => { get(TEAMS_READ): teams::list_members, post(TEAMS_ADMIN): teams::add_member },
    "/api/v1/teams/{team_id}/members/{user_id}" => { get(TEAMS_READ): teams::get_member, patch(TEAMS_ADMIN): teams::update_member, delete(TEAMS_ADMIN): teams::remove_member },
    "/api/v1/teams/{team_id}/tokens" => { get(SESSION): tokens::list_team_tokens, post(SESSION): tokens::create_team_token },
    "/api/v1/teams/{team_id}/tokens/{id}" => { delete(SESSION): tokens::revoke_team_token },
    "/api/v1/tasks" => { get(TASKS_READ): tasks::list_tasks, post(TASKS_WRITE): tasks::create_task },
    "/api/v1/tasks/{task_id}" => { get(TASKS_READ): tasks::get_task, patch(TASKS_WRITE): tasks::update_task, delete(TASKS_WRITE): tasks::delete_task },
    "/api/v1/tasks/{task_id}/activity" => { get(TASKS_READ): history::task_activity },
    "/api/v1/tasks/{task_id}/checklist" => { get(TASKS_READ): checklists::get_checklist, post(TASKS_WRITE): checklists::add_item },
    "/api/v1/tasks/{task_id}/checklist/{item_id}" => { patch(TASKS_WRITE): checklists::update_item, delete(TASKS_WRITE): checklists::delete_item },
    "/api/v1/tasks/{task_id}/watchers" => { get(TASKS_READ): watchers::list_watchers },
    "/api/v1/tasks/{task_id}/subtasks" => { get(TASKS_READ): tasks::list_subtasks },
    "/api/v1/tasks/{task_id}/relations" => { get(TASKS_READ): relations::list_relations, post(TASKS_WRITE): relations::create_relation },
    "/api/v1/tasks/{task_id}/relations/{relation_id}" => { delete(TASKS_WRITE): relations::delete_relation },
    "/api/v1/tasks/{task_id}/watchers/me" => { put(TASKS_WRITE): watchers::watch, delete(TASKS_WRITE): watchers::unwatch },
    "/api/v1/tasks/{task_id}/comments" => { get(TASKS_READ): comments::list_comments, post(COMMENTS_WRITE): comments::create_comment },
    "/api/v1/tasks/{task_id}/comments/{comment_id}" => { get(TASKS_READ): comments::get_comment, patch(COMMENTS_WRITE): comments::update_comment, delete(COMMENTS_WRITE): comments::delete_comment },
    "/api/v1/tasks/{task_id}/time-entries" => { get(TIME_READ): time::list_task_entries, post(TIME_WRITE): time::create_entry },
    "/api/v1/tasks/{task_id}/timer" => { post(TIME_WRITE): time::start_timer },
    "/api/v1/timer" => { get(TIME_READ): time::get_timer },
    "/api/v1/timer/stop" => { post(TIME_WRITE): time::stop_timer },
    "/api/v1/time-entries" => { get(TIME_READ): time::list_entries },
    "/api/v1/time-entries/{entry_id}" => { get(TIME_READ): time::get_entry, patch(TIME_WRITE): time::update_entry, delete(TIME_WRITE): time::delete_entry },
    "/api/v1/time-entries/{entry_id}/approve" => { post(TIME_WRITE): timesheets::approve_entry },
    "/api/v1/time-entries/{entry_id}/reject" => { post(TIME_WRITE): timesheets::reject_entry },
    "/api/v1/time-entries/{entry_id}/reopen" => { post(TIME_WRITE): timesheets::reopen_entry },
    "/api/v1/timesheets" => { get(TIME_READ): timesheets::get_timesheet },
    "/api/v1/timesheets/{week}/submit" => { post(TIME_WRITE): timesheets::submit_week },
    "/api/v1/timesheets/{week}/approve" => { post(TIME_WRITE): timesheets::approve_week },
    "/api/v1/timesheets/{week}/reject" => { post(TIME_WRITE): timesheets::reject_week },
    "/api/v1/reports/time" => { get(TIME_READ): time::time_report },
    "/api/v1/reports/time.csv" => { get(TIME_READ): time::time_report_csv },
    "/api/v1/reports/time.xlsx" => { get(TIME_READ): time::time_report_xlsx },
    "/api/v1/admin/users" => { get(SESSION): admin::list_users },
    "/api/v1/admin/users/{user_id}" => { patch(SESSION): admin::update_user },
    "/api/v1/admin/jobs" => { get(SESSION): jobs::list_jobs },
    // Before `{job_id}`, which would take "ping" for an id.
    "/api/v1/admin/jobs/ping" => { post(SESSION): jobs::ping },
    "/api/v1/admin/jobs/{job_id}" => { get(SESSION): jobs::get_job },
    "/api/v1/admin/jobs/{job_id}/retry" => { post(SESSION): jobs::retry_job },
    // The web frontend and the interactive API docs (pages, not API operations).
    // What calendar apps subscribe to (no session: the token is the key).
    "/ical/{token}.ics" => { get(PUBLIC): calendar::feed },
    "/" => { get(PUBLIC): site::index },
    "/assets/{digest}/{path:.*}" => { get(PUBLIC): site::asset },
    "/docs" => { get(PUBLIC): openapi::docs_page },
    "/docs/{asset}" => { get(PUBLIC): openapi::docs_asset },
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
