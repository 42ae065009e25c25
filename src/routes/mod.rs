//! HTTP routes: one module per resource, wired in `configure`.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod comments;
pub mod cursor;
pub mod health;
pub mod me;
pub mod oauth;
pub mod params;
pub mod tasks;
pub mod teams;
pub mod time;

use actix_web::web;

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").get(health::metrics))
        .service(
            web::scope("/health")
                .service(web::resource("/live").get(health::live))
                .service(web::resource("/ready").get(health::ready)),
        )
        .service(
            web::scope("/api/v1")
                .service(
                    // Resources, not scope routes: a wrong method is then 405 with Allow, not 404.
                    web::scope("/auth")
                        .service(web::resource("/register").post(auth::register))
                        .service(web::resource("/login").post(auth::login))
                        .service(web::resource("/refresh").post(auth::refresh))
                        .service(web::resource("/logout").post(auth::logout))
                        .service(web::resource("/mfa/verify").post(auth::verify_mfa))
                        .service(web::resource("/oauth/{provider}/authorize").get(oauth::authorize))
                        .service(web::resource("/oauth/{provider}/callback").get(oauth::callback)),
                )
                .service(web::resource("/me").get(me::get_me).patch(me::patch_me).delete(me::erase))
                .service(web::resource("/me/export").get(me::export))
                .service(web::resource("/me/oauth/{provider}/link").post(oauth::link))
                .service(web::resource("/me/consents").get(me::get_consents).put(me::put_consents))
                .service(web::resource("/me/password").post(me::change_password))
                .service(web::resource("/me/audit-events").get(audit::my_events))
                .service(web::resource("/me/mfa/totp").post(me::enroll_totp).delete(me::disable_totp))
                .service(web::resource("/me/mfa/totp/confirm").post(me::confirm_totp))
                .service(web::resource("/me/mfa/recovery-codes").post(me::regenerate_recovery_codes))
                .service(web::resource("/admin/audit-events").get(audit::all_events))
                .service(web::resource("/teams").get(teams::list_teams).post(teams::create_team))
                .service(
                    web::resource("/teams/{team_id}")
                        .get(teams::get_team)
                        .patch(teams::update_team)
                        .delete(teams::delete_team),
                )
                .service(web::resource("/teams/{team_id}/summary").get(teams::team_summary))
                .service(web::resource("/teams/{team_id}/members").get(teams::list_members).post(teams::add_member))
                .service(
                    web::resource("/teams/{team_id}/members/{user_id}")
                        .patch(teams::update_member)
                        .delete(teams::remove_member),
                )
                .service(web::resource("/tasks").get(tasks::list_tasks).post(tasks::create_task))
                .service(
                    web::resource("/tasks/{task_id}")
                        .get(tasks::get_task)
                        .patch(tasks::update_task)
                        .delete(tasks::delete_task),
                )
                .service(
                    web::resource("/tasks/{task_id}/comments")
                        .get(comments::list_comments)
                        .post(comments::create_comment),
                )
                .service(
                    web::resource("/tasks/{task_id}/comments/{comment_id}")
                        .patch(comments::update_comment)
                        .delete(comments::delete_comment),
                )
                .service(
                    web::resource("/tasks/{task_id}/time-entries")
                        .get(time::list_task_entries)
                        .post(time::create_entry),
                )
                .service(web::resource("/tasks/{task_id}/timer").post(time::start_timer))
                .service(web::resource("/timer").get(time::get_timer))
                .service(web::resource("/timer/stop").post(time::stop_timer))
                .service(web::resource("/time-entries").get(time::list_entries))
                .service(web::resource("/time-entries/{entry_id}").patch(time::update_entry).delete(time::delete_entry))
                .service(web::resource("/reports/time").get(time::time_report))
                .service(web::resource("/admin/users").get(admin::list_users))
                .service(web::resource("/admin/users/{user_id}").patch(admin::update_user)),
        );
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
