//! `/api/v1/auth/providers`, `/api/v1/auth/oauth/{provider}/authorize|callback`,
//! `/api/v1/me/oauth/{provider}/link` and `/api/v1/me/identities`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::auth::oidc::{provider_error, Authorization, BINDING_COOKIE};
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::identities::{self, LinkedIdentity};
use crate::service::sessions::LoginOutcome;
use crate::state::AppState;

#[derive(Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Providers' codes are short, Microsoft's among the longest (about 1,500).
    #[param(max_length = 4096)]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(max_length = 512)]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(max_length = 64)]
    error: Option<String>,
}

/// A sign-in button: where a browser goes to start signing in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignInProvider {
    #[schema(example = "google")]
    name: String,
    #[schema(example = "Google")]
    display_name: String,
    #[schema(example = "/api/v1/auth/oauth/google/authorize")]
    authorize_url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignInProviders {
    providers: Vec<SignInProvider>,
}

/// A person's browser following the provider's redirect, as opposed to a
/// script calling the callback: Fetch Metadata says so where the browser
/// sends it, and the Accept header of a page load does for older browsers.
fn is_page_navigation(req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-mode") {
        Some(mode) => mode == "navigate",
        None => header(ACCEPT.as_str()).is_some_and(|a| a.contains("text/html")),
    }
}

pub(super) fn base_url(state: &AppState, req: &HttpRequest) -> String {
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

#[utoipa::path(get, path = "/api/v1/auth/providers", tag = "auth", summary = "The identity providers a person can sign in with", security(()), responses((status = 200, description = "Configured providers, ordered by name (empty when none)", body = SignInProviders), Errors))]
#[tracing::instrument(name = "oauth.providers", skip_all)]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    let providers = state
        .oidc
        .providers()
        .into_iter()
        .map(|(name, label)| SignInProvider {
            name: name.to_owned(),
            display_name: label.to_owned(),
            authorize_url: format!("/api/v1/auth/oauth/{name}/authorize"),
        })
        .collect();
    // Configuration, not data: a minute of caching spares the login page a request.
    HttpResponse::Ok().insert_header((CACHE_CONTROL, "public, max-age=60")).json(SignInProviders { providers })
}

#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/authorize", tag = "auth", summary = "Start an OIDC sign-in (302 to the provider)", security(()), params(("provider" = String, Path, max_length = 64, description = "Configured OIDC provider name")), responses((status = 302, description = "Redirect to the provider; sets the `tf_oauth` cookie"), Errors))]
#[tracing::instrument(name = "oauth.authorize", skip_all)]
pub async fn authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let Authorization { url, binding } =
        state.oidc.authorize(&provider, redirect_uri(&state, &req, &provider), None).await?;
    Ok(HttpResponse::Found().insert_header((LOCATION, url)).cookie(binding_cookie(&state, &req, binding)).finish())
}

#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/callback", tag = "auth", summary = "The provider's redirect target", security(()), params(("provider" = String, Path, max_length = 64, description = "Configured OIDC provider name"), CallbackQuery), responses((status = 200, description = "Tokens, or an MFA challenge", body = LoginOutcome), (status = 303, description = "A browser's page navigation (`Sec-Fetch-Mode: navigate`) is sent on to the web app at `/#/oauth?provider=…&code=…&state=…`, which finishes the sign-in by calling this endpoint with fetch; the state is not used up by the redirect"), Errors))]
#[tracing::instrument(name = "oauth.callback", skip_all)]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let q = query.into_inner();
    if is_page_navigation(&req) {
        return hand_to_web_app(&state, &provider, &q);
    }
    if let Some(error) = q.error {
        return Err(ApiError::BadRequest(format!("the provider refused the sign-in: {}", provider_error(&error))));
    }
    let (Some(code), Some(state_token)) = (q.code, q.state) else {
        return Err(ApiError::BadRequest("the callback needs code and state".into()));
    };
    let binding = req.cookie(BINDING_COOKIE).map(|c| c.value().to_owned());
    let outcome =
        identities::sign_in(state.auth(), &state.oidc, &provider, &code, &state_token, binding.as_deref()).await?;
    let mut gone = binding_cookie(&state, &req, String::new());
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(outcome))
}

/// Tokens must not land on a JSON page in the browser: the web app takes the
/// same query in its fragment (never sent to a server, so kept out of access
/// logs; every response already says `Referrer-Policy: no-referrer`) and
/// calls the callback itself, from the same origin so the binding cookie
/// travels.
fn hand_to_web_app(state: &AppState, provider: &str, q: &CallbackQuery) -> Result<HttpResponse, ApiError> {
    if !state.oidc.is_configured(provider) {
        return Err(ApiError::NotFound);
    }
    #[derive(Serialize)]
    struct Fragment<'a> {
        provider: &'a str,
        #[serde(flatten)]
        query: &'a CallbackQuery,
    }
    let fragment = serde_html_form::to_string(Fragment { provider, query: q })
        .map_err(|e| ApiError::internal(anyhow::anyhow!("callback fragment: {e}")))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/#/oauth?{fragment}")))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// Linking adds a way into the account, so it is confirmed like a password
/// change: a stolen access token alone must not plant the thief's identity.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// Required when the account has a password (otherwise: a sign-in at an
    /// identity provider within the last 10 minutes).
    #[schema(value_type = Option<String>, format = Password, max_length = 128)]
    #[serde(default, deserialize_with = "super::params::optional_secret_at_most::<_, 128>")]
    password: Option<SecretString>,
}

#[utoipa::path(post, path = "/api/v1/me/oauth/{provider}/link", tag = "me", summary = "Link an identity provider to this account", params(("provider" = String, Path, max_length = 64, description = "Configured OIDC provider name")), request_body = LinkRequest, responses((status = 200, description = "Where to send the browser", body = AuthorizationUrl), Errors))]
#[tracing::instrument(name = "oauth.link", skip_all)]
pub async fn link(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let redirect = redirect_uri(&state, &req, &provider);
    let password = body.into_inner().password;
    let Authorization { url, binding } =
        identities::start_link(state.auth(), &state.oidc, &user, &provider, password, redirect).await?;
    Ok(HttpResponse::Ok()
        .cookie(binding_cookie(&state, &req, binding))
        .json(AuthorizationUrl { authorization_url: url }))
}

/// Where to send the browser to finish linking.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorizationUrl {
    authorization_url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkedIdentities {
    identities: Vec<LinkedIdentity>,
}

#[utoipa::path(get, path = "/api/v1/me/identities", tag = "me", summary = "The identity-provider accounts linked to this account", responses((status = 200, description = "Linked identities, oldest first", body = LinkedIdentities), Errors))]
#[tracing::instrument(name = "oauth.identities", skip_all)]
pub async fn identities(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let identities = identities::linked(state.auth(), &state.oidc, &user).await?;
    Ok(HttpResponse::Ok().json(LinkedIdentities { identities }))
}

#[utoipa::path(delete, path = "/api/v1/me/identities/{provider}", tag = "me", summary = "Unlink an identity provider", description = "409 when it is the account's only way in (no password and no other linked provider); 404 when it is not linked.", params(("provider" = String, Path, max_length = 64, description = "Configured OIDC provider name")), responses((status = 204, description = "Unlinked"), Errors))]
#[tracing::instrument(name = "oauth.unlink", skip_all)]
pub async fn unlink(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    identities::unlink(state.auth(), &state.oidc, &user, &path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
