//! `/api/v1/me`: the signed-in account.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::users::UserRow;
use crate::domain::user::{Caller, ConsentPurpose, DisplayName, GlobalRole, Password, TimeZone};
use crate::domain::{field, AllFields};
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::accounts::{self, Profile};
use crate::service::mfa::{self, Enrolment, RecoveryCodes};
use crate::service::privacy;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: GlobalRole,
    /// The IANA time zone reports use for this person's days and weeks.
    #[schema(value_type = TimeZoneName, example = "Europe/Berlin")]
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for UserResponse {
    fn from(row: UserRow) -> Self {
        Self {
            role: row.role,
            user_id: row.user_id,
            email: row.email,
            display_name: row.display_name,
            time_zone: row.time_zone,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The time zone names accepted, as an enum in the document: generated
/// clients get a type, and fuzzers send names the server takes.
pub struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names = TimeZone::names();
        let members: Vec<String> = names.iter().map(|n| TimeZone::member_name(n)).collect();
        let mut extensions = utoipa::openapi::extensions::Extensions::default();
        extensions.insert("x-enum-varnames".into(), serde_json::json!(members));
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An IANA time zone name, e.g. `Europe/Berlin`."))
            .enum_values(Some(names))
            .max_length(Some(TimeZone::MAX_CHARS))
            .extensions(Some(extensions))
            .into()
    }
}

impl utoipa::ToSchema for TimeZoneName {}

/// The account as its holder sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    user: UserResponse,
    /// False for an account made through an identity provider until it sets
    /// a password: such an account confirms sensitive changes by signing in
    /// again instead.
    has_password: bool,
    /// Whether sign-ins ask for a second factor.
    mfa_enabled: bool,
}

impl From<Profile> for MeResponse {
    fn from(p: Profile) -> Self {
        Self { user: UserResponse::from(p.user), has_password: p.has_password, mfa_enabled: p.mfa_enabled }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchMeRequest {
    #[schema(schema_with = super::openapi::one_line_100, nullable = false)]
    #[serde(default, deserialize_with = "super::params::non_null")]
    display_name: Option<String>,
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    #[schema(value_type = Option<TimeZoneName>, nullable = false, example = "Europe/Berlin")]
    #[serde(default, deserialize_with = "super::params::non_null")]
    time_zone: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// Required when the account has a password; an account made through an
    /// identity provider sets its first one within 10 minutes of signing in.
    #[schema(value_type = Option<String>, format = Password, max_length = 128)]
    #[serde(default, deserialize_with = "super::params::optional_secret_at_most::<_, 128>")]
    current_password: Option<SecretString>,
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 128)]
    new_password: SecretString,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me", summary = "The signed-in account", responses((status = 200, description = "The account", body = MeResponse), Errors))]
#[tracing::instrument(name = "me.get", skip_all)]
pub async fn get_me(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let profile = accounts::profile(&state.pool, &user).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(MeResponse::from(profile)))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "me", summary = "Change the display name or the time zone", request_body = PatchMeRequest, responses((status = 200, description = "The account", body = MeResponse), Errors))]
#[tracing::instrument(name = "me.patch", skip_all)]
pub async fn patch_me(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<PatchMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if b.display_name.is_none() && b.time_zone.is_none() {
        return Err(ApiError::validation("body", "name at least one field to change"));
    }
    let (name, time_zone) = (
        field("display_name", b.display_name.as_deref().map(DisplayName::parse).transpose()),
        field("time_zone", b.time_zone.as_deref().map(TimeZone::parse).transpose()),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let profile =
        accounts::update_profile(&state.pool, &user, name.as_ref(), time_zone).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(MeResponse::from(profile)))
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", summary = "Change the password (ends other sessions)", request_body = ChangePasswordRequest, responses((status = 204, description = "Changed"), Errors))]
#[tracing::instrument(name = "me.change_password", skip_all)]
pub async fn change_password(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = Password::parse(body.new_password).map_err(|m| ApiError::validation("new_password", m))?;
    accounts::change_password(state.auth(), &user, body.current_password, new).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    #[schema(max_length = 32)]
    #[serde(deserialize_with = "super::params::at_most::<_, 32>")]
    code: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmWithCodeRequest {
    /// Required when the account has a password (otherwise: a sign-in at the
    /// identity provider within the last 10 minutes).
    #[schema(value_type = Option<String>, format = Password, max_length = 128)]
    #[serde(default, deserialize_with = "super::params::optional_secret_at_most::<_, 128>")]
    password: Option<SecretString>,
    #[schema(max_length = 32)]
    #[serde(deserialize_with = "super::params::at_most::<_, 32>")]
    code: String,
}

#[utoipa::path(post, path = "/api/v1/me/mfa/totp", tag = "me", summary = "Start TOTP enrolment", responses((status = 200, description = "Secret, otpauth URL and QR code", body = Enrolment), Errors))]
#[tracing::instrument(name = "mfa.enroll", skip_all)]
pub async fn enroll_totp(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(mfa::enroll(state.auth(), &user).await?))
}

#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", tag = "me", summary = "Confirm enrolment with a first code; turns MFA on", request_body = CodeRequest, responses((status = 200, description = "Ten recovery codes, shown once", body = RecoveryCodes), Errors))]
#[tracing::instrument(name = "mfa.confirm", skip_all)]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(mfa::confirm(state.auth(), &user, &body.code).await?))
}

#[utoipa::path(post, path = "/api/v1/me/mfa/totp/disable", tag = "me", summary = "Turn MFA off (password and a current code)", request_body = ConfirmWithCodeRequest, responses((status = 204, description = "MFA is off"), Errors))]
#[tracing::instrument(name = "mfa.disable", skip_all)]
pub async fn disable_totp(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<ConfirmWithCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    mfa::disable(state.auth(), &user, body.password, &body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The same as `POST /api/v1/me/mfa/totp/disable`, which replaces it.
#[utoipa::path(delete, path = "/api/v1/me/mfa/totp", tag = "me", summary = "Turn MFA off (deprecated: a DELETE body is dropped by some proxies)", description = "Deprecated: use `POST /api/v1/me/mfa/totp/disable`. Answers with `Deprecation`, `Sunset` and a `Link` to its successor.", request_body = ConfirmWithCodeRequest, responses((status = 204, description = "MFA is off", headers(("Deprecation" = String, description = "RFC 9745: deprecated since this date"), ("Sunset" = String, description = "RFC 8594: removed after this date"), ("Link" = String, description = "`rel=\"successor-version\"`: the operation to use instead"))), Errors))]
#[deprecated = "the POST action replaces it"]
#[tracing::instrument(name = "mfa.disable", skip_all)]
pub async fn disable_totp_with_delete(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<ConfirmWithCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(super::params::deprecated(disable_totp(state, user, body).await?, "/api/v1/me/mfa/totp/disable"))
}

#[utoipa::path(post, path = "/api/v1/me/mfa/recovery-codes", tag = "me", summary = "Replace the recovery codes (password and a current code)", request_body = ConfirmWithCodeRequest, responses((status = 200, description = "New codes; the old ones stop working", body = RecoveryCodes), Errors))]
#[tracing::instrument(name = "mfa.recovery_codes", skip_all)]
pub async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<ConfirmWithCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    Ok(HttpResponse::Ok().json(mfa::regenerate_codes(state.auth(), &user, body.password, &body.code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Required when the account has a password (otherwise: a sign-in at the
    /// identity provider within the last 10 minutes).
    #[schema(value_type = Option<String>, format = Password, max_length = 128)]
    #[serde(default, deserialize_with = "super::params::optional_secret_at_most::<_, 128>")]
    password: Option<SecretString>,
    #[schema(max_length = 32)]
    #[serde(default, deserialize_with = "super::params::optional_at_most::<_, 32>")]
    code: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsRequest {
    #[schema(max_items = 16)]
    #[serde(deserialize_with = "super::params::items_at_most::<_, _, 16>")]
    consents: Vec<ConsentChange>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    #[schema(value_type = ConsentPurpose)]
    purpose: String,
    granted: bool,
    #[schema(schema_with = super::openapi::one_line_32)]
    policy_version: String,
}

impl ConsentChange {
    fn parse(self) -> Result<privacy::ConsentChange, ApiError> {
        let (purpose, policy_version) = (
            field("purpose", self.purpose.parse::<ConsentPurpose>()),
            field("policy_version", crate::domain::parse_name(&self.policy_version, 32)),
        )
            .all()
            .map_err(ApiError::Validation)?;
        Ok(privacy::ConsentChange { purpose, granted: self.granted, policy_version })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ConsentsResponse {
    purposes: &'static [ConsentPurpose],
    consents: Vec<crate::db::privacy::ConsentRow>,
}

#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", summary = "Everything TaskFlow holds about you (GDPR access)", responses((status = 200, description = "JSON download", body = Object), Errors))]
#[tracing::instrument(name = "me.export", skip_all)]
pub async fn export(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let doc = privacy::export(&state.pool, &user).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"taskflow-export.json\""))
        .json(doc))
}

#[utoipa::path(post, path = "/api/v1/me/erase", tag = "me", summary = "Erase the account (GDPR erasure)", request_body = EraseRequest, responses((status = 204, description = "Erased"), Errors))]
#[tracing::instrument(name = "me.erase", skip_all)]
pub async fn erase(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    privacy::erase(state.auth(), state.erasure(), &user, body.password, body.code.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The same as `POST /api/v1/me/erase`, which replaces it.
#[utoipa::path(delete, path = "/api/v1/me", tag = "me", summary = "Erase the account (deprecated: a DELETE body is dropped by some proxies)", description = "Deprecated: use `POST /api/v1/me/erase`. Answers with `Deprecation`, `Sunset` and a `Link` to its successor.", request_body = EraseRequest, responses((status = 204, description = "Erased", headers(("Deprecation" = String, description = "RFC 9745: deprecated since this date"), ("Sunset" = String, description = "RFC 8594: removed after this date"), ("Link" = String, description = "`rel=\"successor-version\"`: the operation to use instead"))), Errors))]
#[deprecated = "the POST action replaces it"]
#[tracing::instrument(name = "me.erase", skip_all)]
pub async fn erase_with_delete(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(super::params::deprecated(erase(state, user, body).await?, "/api/v1/me/erase"))
}

#[utoipa::path(get, path = "/api/v1/me/consents", tag = "me", summary = "Consents per purpose", responses((status = 200, description = "Purposes and recorded consents", body = ConsentsResponse), Errors))]
#[tracing::instrument(name = "me.consents.get", skip_all)]
pub async fn get_consents(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let consents = privacy::consents(&state.pool, &user).await?;
    Ok(HttpResponse::Ok().json(ConsentsResponse { purposes: &ConsentPurpose::ALL, consents }))
}

#[utoipa::path(put, path = "/api/v1/me/consents", tag = "me", summary = "Grant or withdraw consents", request_body = ConsentsRequest, responses((status = 200, description = "Purposes and recorded consents", body = ConsentsResponse), Errors))]
#[tracing::instrument(name = "me.consents.put", skip_all)]
pub async fn put_consents(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<ConsentsRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner().consents.into_iter().map(ConsentChange::parse).collect::<Result<Vec<_>, _>>()?;
    let consents = privacy::set_consents(&state.pool, &user, &changes).await?;
    Ok(HttpResponse::Ok().json(ConsentsResponse { purposes: &ConsentPurpose::ALL, consents }))
}
