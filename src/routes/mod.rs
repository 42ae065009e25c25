//! HTTP routes: one module per resource, wired in `configure`.

pub mod auth;
pub mod health;
pub mod me;

use actix_web::web;

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
                    .service(web::resource("/logout").post(auth::logout)),
            )
            .service(web::resource("/me").get(me::get_me).patch(me::patch_me))
            .service(web::resource("/me/password").post(me::change_password)),
    );
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
