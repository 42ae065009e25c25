//! `/api/v1/auth`: register, login, refresh, logout.

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;

use super::me::UserResponse;
use super::params;
use crate::domain::user::{Caller, DisplayName, Email, GlobalRole, Password, TimeZone};
use crate::domain::{field, AllFields};
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::accounts::{self, NewAccount};
use crate::service::mfa;
use crate::service::sessions::{self, LoginOutcome, TokenPair};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery staple", "display_name": "Ada Lovelace", "time_zone": "Europe/London"}))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    password: SecretString,
    #[schema(schema_with = super::openapi::one_line_100)]
    display_name: String,
    /// An IANA time zone name; `UTC` when absent. The web app sends the
    /// browser's.
    #[schema(value_type = Option<super::me::TimeZoneName>, example = "Europe/Berlin")]
    #[serde(default)]
    time_zone: Option<String>,
}

impl RegisterRequest {
    fn parse(self) -> Result<NewAccount, ApiError> {
        let (email, password, display_name, time_zone) = (
            field("email", Email::parse(&self.email)),
            field("password", Password::parse(self.password)),
            field("display_name", DisplayName::parse(&self.display_name)),
            field("time_zone", self.time_zone.as_deref().map_or(Ok(TimeZone::UTC), TimeZone::parse)),
        )
            .all()
            .map_err(ApiError::Validation)?;
        Ok(NewAccount { email, password, display_name, time_zone })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery staple"}))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = String, format = Password, max_length = 128)]
    #[serde(deserialize_with = "params::secret_at_most::<_, 128>")]
    password: SecretString,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String, format = Password, max_length = 512)]
    #[serde(deserialize_with = "params::secret_at_most::<_, 512>")]
    refresh_token: SecretString,
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", summary = "Create an account", security(()), request_body = RegisterRequest, responses((status = 201, description = "The new account", body = UserResponse), Errors))]
#[tracing::instrument(name = "auth.register", skip_all)]
pub async fn register(state: web::Data<AppState>, body: web::Json<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let account = body.into_inner().parse()?;
    let user = accounts::register(&state.pool, account, GlobalRole::Member).await?;
    // The new account is read at /me, once signed in.
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, "/api/v1/me"))
        .json(UserResponse::from(user)))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", summary = "Sign in with email and password", security(()), request_body = LoginRequest, responses((status = 200, description = "Tokens, or an MFA challenge when TOTP is on", body = LoginOutcome), Errors))]
#[tracing::instrument(name = "auth.login", skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email).map_err(|m| ApiError::validation("email", m))?;
    let pair = sessions::login(state.auth(), &email, body.password, &state.client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", summary = "Trade a refresh token for a new pair (rotation; reuse revokes the family)", security(()), request_body = RefreshRequest, responses((status = 200, description = "A new token pair", body = TokenPair), Errors))]
#[tracing::instrument(name = "auth.refresh", skip_all)]
pub async fn refresh(state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let pair = sessions::refresh(state.auth(), body.into_inner().refresh_token).await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", summary = "End this session", responses((status = 204, description = "Signed out"), Errors))]
#[tracing::instrument(name = "auth.logout", skip_all)]
pub async fn logout(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    sessions::logout(state.auth(), &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The challenge token and exactly one second factor: the serde shape is the
/// document's `oneOf`, so both sides reject the same bodies.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum MfaVerifyRequest {
    Code(MfaCode),
    RecoveryCode(MfaRecoveryCode),
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    #[schema(max_length = 2048)]
    mfa_token: String,
    /// The authenticator's current 6-digit code.
    #[schema(max_length = 32)]
    code: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaRecoveryCode {
    #[schema(max_length = 2048)]
    mfa_token: String,
    #[schema(max_length = 32)]
    recovery_code: String,
}

#[utoipa::path(post, path = "/api/v1/auth/mfa/verify", tag = "auth", summary = "Answer an MFA challenge with a TOTP or recovery code", security(()), request_body = MfaVerifyRequest, responses((status = 200, description = "Tokens", body = TokenPair), Errors))]
#[tracing::instrument(name = "auth.mfa_verify", skip_all)]
pub async fn verify_mfa(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<MfaVerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    // Bounded here, not in serde: inside an untagged enum a field's refusal
    // would read "did not match any variant" instead of naming the field.
    let bound = |field: &'static str, value: String, max: usize| {
        if value.chars().count() > max {
            return Err(ApiError::validation(field, format!("is longer than {max} characters")));
        }
        Ok(value)
    };
    let (mfa_token, factor) = match body.into_inner() {
        MfaVerifyRequest::Code(c) => {
            (bound("mfa_token", c.mfa_token, 2048)?, mfa::SecondFactor::Code(bound("code", c.code, 32)?))
        }
        MfaVerifyRequest::RecoveryCode(c) => (
            bound("mfa_token", c.mfa_token, 2048)?,
            mfa::SecondFactor::RecoveryCode(bound("recovery_code", c.recovery_code, 32)?),
        ),
    };
    let pair = mfa::verify_login(state.auth(), &mfa_token, factor, &state.client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(pair))
}
