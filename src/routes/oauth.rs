//! `/api/v1/auth/oauth/{provider}/authorize|callback` and
//! `/api/v1/me/oauth/{provider}/link`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::openapi::AuthorizationUrl;
use super::openapi::Errors;
use crate::auth::extractor::AuthUser;
use crate::auth::oauth::{Authorization, BINDING_COOKIE};
use crate::auth::session::LoginOutcome;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn base_url(state: &AppState, req: &HttpRequest) -> String {
    state.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    })
}

fn redirect_uri(state: &AppState, req: &HttpRequest, provider: &str) -> String {
    format!("{}/api/v1/auth/oauth/{provider}/callback", base_url(state, req))
}

/// Binds the pending sign-in to this browser: HttpOnly, Lax (it must come
/// back on the provider's top-level redirect), Secure over HTTPS.
fn binding_cookie(state: &AppState, req: &HttpRequest, value: String) -> Cookie<'static> {
    Cookie::build(BINDING_COOKIE, value)
        .path("/api/v1/auth/oauth")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(base_url(state, req).starts_with("https://"))
        .max_age(actix_web::cookie::time::Duration::minutes(10))
        .finish()
}

#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/authorize", tag = "auth", summary = "Start an OIDC sign-in (302 to the provider)", security(()), params(("provider" = String, Path, description = "Configured OIDC provider name")), responses((status = 302, description = "Redirect to the provider; sets the `tf_oauth` cookie"), Errors))]
#[tracing::instrument(name = "oauth.authorize", skip_all)]
pub async fn authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let Authorization { url, binding } =
        state.oauth.authorize(&state, &provider, redirect_uri(&state, &req, &provider), None).await?;
    Ok(HttpResponse::Found().insert_header((LOCATION, url)).cookie(binding_cookie(&state, &req, binding)).finish())
}

#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/callback", tag = "auth", summary = "The provider's redirect target", security(()), params(("provider" = String, Path, description = "Configured OIDC provider name"), CallbackQuery), responses((status = 200, description = "Tokens, or an MFA challenge", body = LoginOutcome), Errors))]
#[tracing::instrument(name = "oauth.callback", skip_all)]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let q = query.into_inner();
    if let Some(error) = q.error {
        return Err(ApiError::BadRequest(format!("the provider refused the sign-in: {error}")));
    }
    let (Some(code), Some(state_token)) = (q.code, q.state) else {
        return Err(ApiError::BadRequest("the callback needs code and state".into()));
    };
    let binding = req.cookie(BINDING_COOKIE).map(|c| c.value().to_owned());
    let outcome = state.oauth.callback(&state, &provider, &code, &state_token, binding.as_deref()).await?;
    let mut gone = binding_cookie(&state, &req, String::new());
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(outcome))
}

#[utoipa::path(post, path = "/api/v1/me/oauth/{provider}/link", tag = "me", summary = "Link an identity provider to this account", params(("provider" = String, Path, description = "Configured OIDC provider name")), responses((status = 200, description = "Where to send the browser", body = AuthorizationUrl), Errors))]
#[tracing::instrument(name = "oauth.link", skip_all)]
pub async fn link(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let Authorization { url, binding } =
        state.oauth.authorize(&state, &provider, redirect_uri(&state, &req, &provider), Some(user.user_id.0)).await?;
    Ok(HttpResponse::Ok()
        .cookie(binding_cookie(&state, &req, binding))
        .json(serde_json::json!({ "authorization_url": url })))
}
