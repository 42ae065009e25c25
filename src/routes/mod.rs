//! HTTP routes: one module per resource, wired in `configure`.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod comments;
pub mod cursor;
pub mod health;
pub mod invitations;
pub mod me;
pub mod oauth;
pub mod openapi;
pub mod params;
pub mod site;
pub mod tasks;
pub mod teams;
pub mod time;

use actix_web::web;

use crate::error::ApiError;

/// Every route, with its full path: one flat list, so the OpenAPI coverage
/// test (tests/api/openapi.rs) can read it from this file. Resources, not
/// scope routes: a wrong method is then 405 with `Allow`, not 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").get(health::metrics))
        .service(web::resource("/health/live").get(health::live))
        .service(web::resource("/health/ready").get(health::ready))
        .service(web::resource("/api/v1/openapi.json").get(openapi::openapi_json))
        .service(web::resource("/api/v1/auth/register").post(auth::register))
        .service(web::resource("/api/v1/auth/login").post(auth::login))
        .service(web::resource("/api/v1/auth/refresh").post(auth::refresh))
        .service(web::resource("/api/v1/auth/logout").post(auth::logout))
        .service(web::resource("/api/v1/auth/mfa/verify").post(auth::verify_mfa))
        .service(web::resource("/api/v1/auth/providers").get(oauth::providers))
        .service(web::resource("/api/v1/auth/oauth/{provider}/authorize").get(oauth::authorize))
        .service(web::resource("/api/v1/auth/oauth/{provider}/callback").get(oauth::callback))
        .service(web::resource("/api/v1/me").get(me::get_me).patch(me::patch_me).delete(me::erase))
        .service(web::resource("/api/v1/me/export").get(me::export))
        .service(web::resource("/api/v1/me/oauth/{provider}/link").post(oauth::link))
        .service(web::resource("/api/v1/me/identities").get(oauth::identities))
        .service(web::resource("/api/v1/me/identities/{provider}").delete(oauth::unlink))
        .service(web::resource("/api/v1/me/consents").get(me::get_consents).put(me::put_consents))
        .service(web::resource("/api/v1/me/password").post(me::change_password))
        .service(web::resource("/api/v1/me/audit-events").get(audit::my_events))
        .service(web::resource("/api/v1/me/invitations").get(invitations::my_invitations))
        .service(web::resource("/api/v1/me/invitations/{invitation_id}/accept").post(invitations::accept_invitation))
        .service(web::resource("/api/v1/me/invitations/{invitation_id}/decline").post(invitations::decline_invitation))
        .service(web::resource("/api/v1/me/mfa/totp").post(me::enroll_totp).delete(me::disable_totp))
        .service(web::resource("/api/v1/me/mfa/totp/confirm").post(me::confirm_totp))
        .service(web::resource("/api/v1/me/mfa/recovery-codes").post(me::regenerate_recovery_codes))
        .service(web::resource("/api/v1/admin/audit-events").get(audit::all_events))
        .service(web::resource("/api/v1/teams").get(teams::list_teams).post(teams::create_team))
        .service(
            web::resource("/api/v1/teams/{team_id}")
                .get(teams::get_team)
                .patch(teams::update_team)
                .delete(teams::delete_team),
        )
        .service(web::resource("/api/v1/teams/{team_id}/summary").get(teams::team_summary))
        .service(
            web::resource("/api/v1/teams/{team_id}/invitations")
                .get(invitations::list_invitations)
                .post(invitations::create_invitation),
        )
        .service(
            web::resource("/api/v1/teams/{team_id}/invitations/{invitation_id}").delete(invitations::revoke_invitation),
        )
        .service(web::resource("/api/v1/teams/{team_id}/members").get(teams::list_members).post(teams::add_member))
        .service(
            web::resource("/api/v1/teams/{team_id}/members/{user_id}")
                .patch(teams::update_member)
                .delete(teams::remove_member),
        )
        .service(web::resource("/api/v1/tasks").get(tasks::list_tasks).post(tasks::create_task))
        .service(
            web::resource("/api/v1/tasks/{task_id}")
                .get(tasks::get_task)
                .patch(tasks::update_task)
                .delete(tasks::delete_task),
        )
        .service(
            web::resource("/api/v1/tasks/{task_id}/comments")
                .get(comments::list_comments)
                .post(comments::create_comment),
        )
        .service(
            web::resource("/api/v1/tasks/{task_id}/comments/{comment_id}")
                .patch(comments::update_comment)
                .delete(comments::delete_comment),
        )
        .service(
            web::resource("/api/v1/tasks/{task_id}/time-entries").get(time::list_task_entries).post(time::create_entry),
        )
        .service(web::resource("/api/v1/tasks/{task_id}/timer").post(time::start_timer))
        .service(web::resource("/api/v1/timer").get(time::get_timer))
        .service(web::resource("/api/v1/timer/stop").post(time::stop_timer))
        .service(web::resource("/api/v1/time-entries").get(time::list_entries))
        .service(web::resource("/api/v1/time-entries/{entry_id}").patch(time::update_entry).delete(time::delete_entry))
        .service(web::resource("/api/v1/reports/time").get(time::time_report))
        .service(web::resource("/api/v1/admin/users").get(admin::list_users))
        .service(web::resource("/api/v1/admin/users/{user_id}").patch(admin::update_user))
        // The web frontend and the interactive API docs (pages, not API operations).
        .service(web::resource("/").get(site::index))
        .service(web::resource("/assets/{asset}").get(site::asset))
        .service(web::resource("/docs").get(openapi::docs_page))
        .service(web::resource("/docs/{asset}").get(openapi::docs_asset));
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
