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
pub mod trash;
pub mod watchers;
pub mod xlsx;

use actix_web::web;

use crate::error::ApiError;

/// Declares the route table once and derives both `configure` (what actix
/// serves) and `TABLE` (what the OpenAPI coverage test compares the document
/// with), so the two cannot drift.
macro_rules! route_table {
    ($($path:literal => { $($method:ident: $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Resources, not scope routes: a wrong method is then 405 with
        /// `Allow`, not 404. Deprecated operations are served until their
        /// sunset, so using them here is no warning.
        #[allow(deprecated)]
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.service(web::resource($path)$(.$method($handler))+);)+
        }

        /// (method, path) of every route `configure` registers.
        pub const TABLE: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)+];
    };
}

route_table! {
    "/metrics" => { get: health::metrics },
    "/health/live" => { get: health::live },
    "/health/ready" => { get: health::ready },
    "/api/v1/openapi.json" => { get: openapi::openapi_json },
    "/api/v1/auth/register" => { post: auth::register },
    "/api/v1/auth/login" => { post: auth::login },
    "/api/v1/auth/refresh" => { post: auth::refresh },
    "/api/v1/auth/logout" => { post: auth::logout },
    "/api/v1/auth/mfa/verify" => { post: auth::verify_mfa },
    "/api/v1/auth/providers" => { get: oauth::providers },
    "/api/v1/auth/oauth/{provider}/authorize" => { get: oauth::authorize },
    "/api/v1/auth/oauth/{provider}/callback" => { get: oauth::callback },
    "/api/v1/me" => { get: me::get_me, patch: me::patch_me, delete: me::erase_with_delete },
    "/api/v1/me/erase" => { post: me::erase },
    "/api/v1/me/export" => { get: me::export },
    "/api/v1/me/oauth/{provider}/link" => { post: oauth::link },
    "/api/v1/me/identities" => { get: oauth::identities },
    "/api/v1/me/identities/{provider}" => { delete: oauth::unlink },
    "/api/v1/me/consents" => { get: me::get_consents, put: me::put_consents },
    "/api/v1/me/password" => { post: me::change_password },
    "/api/v1/me/audit-events" => { get: audit::my_events },
    "/api/v1/me/mentions" => { get: mentions::my_mentions },
    "/api/v1/me/calendar-feed" => { get: calendar::get_feed, post: calendar::create_feed, delete: calendar::revoke_feed },
    "/api/v1/trash" => { get: trash::list_trash },
    "/api/v1/trash/{task_id}/restore" => { post: trash::restore_task },
    "/api/v1/trash/{task_id}" => { delete: trash::purge_task },
    "/api/v1/me/invitations" => { get: invitations::my_invitations },
    "/api/v1/me/invitations/{invitation_id}/accept" => { post: invitations::accept_invitation },
    "/api/v1/me/invitations/{invitation_id}/decline" => { post: invitations::decline_invitation },
    "/api/v1/me/mfa/totp" => { post: me::enroll_totp, delete: me::disable_totp_with_delete },
    "/api/v1/me/mfa/totp/disable" => { post: me::disable_totp },
    "/api/v1/me/mfa/totp/confirm" => { post: me::confirm_totp },
    "/api/v1/me/mfa/recovery-codes" => { post: me::regenerate_recovery_codes },
    "/api/v1/admin/audit-events" => { get: audit::all_events },
    "/api/v1/teams" => { get: teams::list_teams, post: teams::create_team },
    "/api/v1/teams/{team_id}" => { get: teams::get_team, patch: teams::update_team, delete: teams::delete_team },
    "/api/v1/teams/{team_id}/summary" => { get: teams::team_summary },
    "/api/v1/teams/{team_id}/invitations" => { get: invitations::list_invitations, post: invitations::create_invitation },
    "/api/v1/teams/{team_id}/invitations/{invitation_id}" => { delete: invitations::revoke_invitation },
    "/api/v1/teams/{team_id}/rates" => { get: rates::list_rates, post: rates::create_rate },
    // Before `{rate_id}`, which would take "reprice" for an id.
    "/api/v1/teams/{team_id}/rates/reprice" => { post: rates::reprice },
    "/api/v1/teams/{team_id}/rates/{rate_id}" => { get: rates::get_rate, delete: rates::delete_rate },
    "/api/v1/teams/{team_id}/time-locks" => { get: time_locks::list_locks, post: time_locks::create_lock },
    "/api/v1/teams/{team_id}/time-locks/{lock_id}" => { get: time_locks::get_lock, delete: time_locks::delete_lock },
    "/api/v1/teams/{team_id}/projects" => { get: projects::list_projects, post: projects::create_project },
    "/api/v1/teams/{team_id}/projects/{project_id}" => { get: projects::get_project, patch: projects::update_project, delete: projects::delete_project },
    "/api/v1/teams/{team_id}/budgets" => { get: budgets::list_budgets, post: budgets::create_budget },
    "/api/v1/teams/{team_id}/budgets/{budget_id}" => { get: budgets::get_budget, patch: budgets::update_budget, delete: budgets::delete_budget },
    "/api/v1/teams/{team_id}/approvals" => { get: timesheets::list_approvals },
    "/api/v1/teams/{team_id}/members" => { get: teams::list_members, post: teams::add_member },
    "/api/v1/teams/{team_id}/members/{user_id}" => { get: teams::get_member, patch: teams::update_member, delete: teams::remove_member },
    "/api/v1/tasks" => { get: tasks::list_tasks, post: tasks::create_task },
    "/api/v1/tasks/{task_id}" => { get: tasks::get_task, patch: tasks::update_task, delete: tasks::delete_task },
    "/api/v1/tasks/{task_id}/activity" => { get: history::task_activity },
    "/api/v1/tasks/{task_id}/checklist" => { get: checklists::get_checklist, post: checklists::add_item },
    "/api/v1/tasks/{task_id}/checklist/{item_id}" => { patch: checklists::update_item, delete: checklists::delete_item },
    "/api/v1/tasks/{task_id}/watchers" => { get: watchers::list_watchers },
    "/api/v1/tasks/{task_id}/subtasks" => { get: tasks::list_subtasks },
    "/api/v1/tasks/{task_id}/relations" => { get: relations::list_relations, post: relations::create_relation },
    "/api/v1/tasks/{task_id}/relations/{relation_id}" => { delete: relations::delete_relation },
    "/api/v1/tasks/{task_id}/watchers/me" => { put: watchers::watch, delete: watchers::unwatch },
    "/api/v1/tasks/{task_id}/comments" => { get: comments::list_comments, post: comments::create_comment },
    "/api/v1/tasks/{task_id}/comments/{comment_id}" => { get: comments::get_comment, patch: comments::update_comment, delete: comments::delete_comment },
    "/api/v1/tasks/{task_id}/time-entries" => { get: time::list_task_entries, post: time::create_entry },
    "/api/v1/tasks/{task_id}/timer" => { post: time::start_timer },
    "/api/v1/timer" => { get: time::get_timer },
    "/api/v1/timer/stop" => { post: time::stop_timer },
    "/api/v1/time-entries" => { get: time::list_entries },
    "/api/v1/time-entries/{entry_id}" => { get: time::get_entry, patch: time::update_entry, delete: time::delete_entry },
    "/api/v1/time-entries/{entry_id}/approve" => { post: timesheets::approve_entry },
    "/api/v1/time-entries/{entry_id}/reject" => { post: timesheets::reject_entry },
    "/api/v1/time-entries/{entry_id}/reopen" => { post: timesheets::reopen_entry },
    "/api/v1/timesheets" => { get: timesheets::get_timesheet },
    "/api/v1/timesheets/{week}/submit" => { post: timesheets::submit_week },
    "/api/v1/timesheets/{week}/approve" => { post: timesheets::approve_week },
    "/api/v1/timesheets/{week}/reject" => { post: timesheets::reject_week },
    "/api/v1/reports/time" => { get: time::time_report },
    "/api/v1/reports/time.csv" => { get: time::time_report_csv },
    "/api/v1/reports/time.xlsx" => { get: time::time_report_xlsx },
    "/api/v1/admin/users" => { get: admin::list_users },
    "/api/v1/admin/users/{user_id}" => { patch: admin::update_user },
    "/api/v1/admin/jobs" => { get: jobs::list_jobs },
    // Before `{job_id}`, which would take "ping" for an id.
    "/api/v1/admin/jobs/ping" => { post: jobs::ping },
    "/api/v1/admin/jobs/{job_id}" => { get: jobs::get_job },
    "/api/v1/admin/jobs/{job_id}/retry" => { post: jobs::retry_job },
    // The web frontend and the interactive API docs (pages, not API operations).
    // What calendar apps subscribe to (no session: the token is the key).
    "/ical/{token}.ics" => { get: calendar::feed },
    "/" => { get: site::index },
    "/assets/{digest}/{path:.*}" => { get: site::asset },
    "/docs" => { get: openapi::docs_page },
    "/docs/{asset}" => { get: openapi::docs_asset },
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
