//! The one error type at the HTTP edge, rendered as RFC 9457 problem+json in
//! exactly one place.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the requested resource does not exist")]
    NotFound,
    #[error("the resource changed since you read it; fetch it again and retry")]
    PreconditionFailed,
    #[error("{0}")]
    Conflict(String),
    /// A token without the scope a route asks (`None`: a route no token reaches).
    #[error("{}", insufficient_scope_detail(*.0))]
    InsufficientScope(Option<crate::domain::token::Scope>),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("too many requests; retry after {} seconds", .0.reset)]
    TooManyRequests(crate::auth::rate_limit::RateLimitInfo),
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable { retry_after_seconds: u32 },
    #[error("an unexpected error occurred")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The same error, naming `to` where it named `from`: for a request
    /// that spelled a field by its deprecated alias.
    pub fn renaming(self, from: &str, to: &'static str) -> Self {
        match self {
            ApiError::Validation(errors) => ApiError::Validation(
                errors.into_iter().map(|e| if e.field == from { FieldError { field: to, ..e } } else { e }).collect(),
            ),
            other => other,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::InsufficientScope(_) => "insufficient-scope",
            ApiError::NotFound => "not-found",
            ApiError::PreconditionFailed => "precondition-failed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::NotAcceptable(_) => "not-acceptable",
            ApiError::Validation(_) => "validation-error",
            ApiError::TooManyRequests(_) => "too-many-requests",
            ApiError::Unavailable { .. } => "service-unavailable",
            ApiError::Internal(_) => "internal-error",
        }
    }
}

// Debug is what reaches the log: the whole cause chain.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// RFC 9457 problem details; `errors` lists the fields of a 422.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "urn:taskflow:problem:validation-error", "title": "Unprocessable Entity", "status": 422, "detail": "the request has invalid fields", "errors": [{"field": "title", "message": "must not be empty"}]}))]
pub struct Problem<'a> {
    /// `urn:taskflow:problem:<slug>`
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldError>>)]
    errors: Option<&'a [FieldError]>,
}

/// Renders a problem document; also used for errors actix produces itself.
pub fn problem_response(status: StatusCode, slug: &str, detail: String, errors: Option<&[FieldError]>) -> HttpResponse {
    let body = Problem {
        kind: format!("urn:taskflow:problem:{slug}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
    HttpResponse::build(status).insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))).body(json)
}

/// `RateLimit-Policy: "user";q=600;w=60` and `RateLimit: "user";r=598;t=42`
/// (draft-ietf-httpapi-ratelimit-headers-10, structured fields). A lock has
/// no quota, so it sends only `RateLimit` with `r=0` (and `Retry-After`).
pub fn rate_limit_headers(
    headers: &mut actix_web::http::header::HeaderMap,
    info: &crate::auth::rate_limit::RateLimitInfo,
) {
    let name = info.policy;
    if info.limit > 0 {
        let policy = format!("\"{name}\";q={};w={}", info.limit, info.window);
        if let Ok(v) = HeaderValue::from_str(&policy) {
            headers.insert(HeaderName::from_static("ratelimit-policy"), v);
        }
    }
    let current = format!("\"{name}\";r={};t={}", info.remaining, info.reset);
    if let Ok(v) = HeaderValue::from_str(&current) {
        headers.insert(HeaderName::from_static("ratelimit"), v);
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error.cause_chain = ?self, error.message = %self, "request failed");
        }
        let errors = match self {
            ApiError::Validation(e) => Some(e.as_slice()),
            _ => None,
        };
        let mut resp = problem_response(status, self.slug(), self.to_string(), errors);
        match self {
            ApiError::Unauthorized(_) => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="taskflow""#));
            }
            // RFC 6750 §3: the scope a token would need, when there is one.
            ApiError::InsufficientScope(scope) => {
                let challenge = match scope {
                    Some(s) => {
                        format!(r#"Bearer realm="taskflow", error="insufficient_scope", scope="{}""#, s.as_str())
                    }
                    None => r#"Bearer realm="taskflow", error="insufficient_scope""#.to_owned(),
                };
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
            }
            ApiError::TooManyRequests(info) => {
                rate_limit_headers(resp.headers_mut(), info);
                if let Ok(v) = HeaderValue::from_str(&info.reset.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            ApiError::Unavailable { retry_after_seconds } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        resp
    }
}

fn insufficient_scope_detail(scope: Option<crate::domain::token::Scope>) -> String {
    match scope {
        Some(s) => format!("this API token lacks the scope `{}` that this operation needs", s.as_str()),
        None => "API tokens cannot do this (tokens, MFA, password, sign-in identities, erasure, \
                 administration); sign in instead"
            .to_owned(),
    }
}

/// What a client is told about a violated constraint, by the constraint's name.
/// Anything unnamed here is a bug in our validation, hence a 500.
fn constraint_error(constraint: &str) -> ApiError {
    match constraint {
        "users_email_key" => ApiError::Conflict("an account with this email already exists".into()),
        "external_identities_pkey" => {
            ApiError::Conflict("this external identity is already linked to an account".into())
        }
        "team_members_pkey" => ApiError::Conflict("that user is already a member of the team".into()),
        "team_members_last_owner" => ApiError::Conflict("a team must keep at least one owner".into()),
        "team_members_user_id_fkey" => ApiError::validation("user_id", "no such user"),
        "tasks_assignee_in_team" => {
            ApiError::validation("assignee_ids", "each must be a member (not a viewer) of the task's team")
        }
        "tasks_personal_assignee" => ApiError::validation(
            "assignee_ids",
            "a personal task may be assigned to its creator or to people who share a team with them",
        ),
        "tasks_assignees_distinct" => ApiError::validation("assignee_ids", "each person at most once"),
        "tasks_assignees_count" => ApiError::validation("assignee_ids", "at most 20 assignees"),
        "tasks_team_id_fkey" => ApiError::validation("team_id", "no such team"),
        "tasks_project_fkey" => ApiError::validation("project_id", "no such project in the task's team"),
        "tasks_project_needs_team" => ApiError::validation("project_id", "a personal task belongs to no project"),
        "tasks_project_archived" => {
            ApiError::Conflict("the project is archived; restore it before adding tasks to it".into())
        }
        "tasks_parent_task_id_fkey" => ApiError::validation("parent_task_id", "no such task, or you cannot see it"),
        "tasks_parent_same_team" => ApiError::validation(
            "parent_task_id",
            "a subtask is in its parent's team; a personal task's subtasks are its creator's",
        ),
        "tasks_parent_cycle" => {
            ApiError::Conflict("parent_task_id: a task cannot be a subtask of itself or of its own subtasks".into())
        }
        "tasks_parent_depth" => {
            ApiError::Conflict("parent_task_id: subtasks nest at most 5 levels below a top-level task".into())
        }
        "tasks_subtasks_same_team" => ApiError::Conflict(
            "a task with subtasks stays in its team: move its subtasks out from under it first".into(),
        ),
        "task_relations_pair_key" => ApiError::Conflict("these tasks are already related this way".into()),
        "task_relations_blocks_cycle" => {
            ApiError::Conflict("task_id: this would close a cycle of blocking tasks".into())
        }
        "task_relations_not_self" => ApiError::validation("task_id", "a task is not related to itself"),
        "task_relations_other_task_id_fkey" => ApiError::validation("task_id", "no such task, or you cannot see it"),
        "time_entries_one_running_timer" => ApiError::Conflict("a timer is already running".into()),
        "time_entries_at_most_24h" => ApiError::validation("ended_at", "an entry may last at most 24 hours"),
        "time_entries_ends_after_start" => ApiError::validation("ended_at", "must be after started_at"),
        other => ApiError::internal(anyhow::anyhow!("unmapped constraint violation: {other}")),
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        use crate::db::DbError;
        match e {
            DbError::PoolTimedOut | DbError::Unavailable(_) => ApiError::Unavailable { retry_after_seconds: 2 },
            DbError::SessionInactive => {
                crate::metrics::auth_failure("session_inactive");
                ApiError::Unauthorized("the session has ended; sign in again")
            }
            DbError::TokenInactive => {
                crate::metrics::auth_failure("invalid_api_token");
                ApiError::Unauthorized("the API token is invalid, expired or revoked")
            }
            DbError::Forbidden => ApiError::Forbidden("you may not do that"),
            // The edge parsers refuse these first; this keeps a field they
            // miss a 422 rather than a 500.
            DbError::Unrepresentable => ApiError::validation(
                "request",
                "contains a value the database cannot store: a NUL character (\\u0000) or a date outside years 1-9999",
            ),
            DbError::UniqueViolation(c) | DbError::ForeignKeyViolation(c) | DbError::CheckViolation(c) => {
                constraint_error(&c)
            }
            DbError::OverBudget(message) => {
                ApiError::Conflict(format!("{message}; a team owner or admin can raise or soften it"))
            }
            e @ DbError::Other { .. } => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::service::ServiceError> for ApiError {
    fn from(e: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError;
        match e {
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::PreconditionFailed => ApiError::PreconditionFailed,
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::Invalid(errors) => ApiError::Validation(errors),
            ServiceError::TooMany(info) => ApiError::TooManyRequests(info),
            ServiceError::Auth(e) => e.into(),
            ServiceError::Db(e) => e.into(),
            e @ ServiceError::Encoding(_) => ApiError::internal(e),
        }
    }
}

impl From<crate::service::AuthError> for ApiError {
    fn from(e: crate::service::AuthError) -> Self {
        use crate::service::AuthError;
        match e {
            AuthError::InvalidCredentials => ApiError::Unauthorized("invalid email or password"),
            AuthError::AccountDisabled => ApiError::Forbidden("this account is disabled"),
            AuthError::InvalidRefreshToken => {
                ApiError::Unauthorized("the refresh token is invalid, expired or revoked")
            }
            AuthError::RefreshTokenReused => {
                ApiError::Unauthorized("the refresh token was already used; the session is revoked, sign in again")
            }
            AuthError::WrongPassword { field } => ApiError::validation(field, "is wrong"),
            AuthError::PasswordRequired { field } => ApiError::validation(field, "is required for this account"),
            AuthError::SignInAgain => ApiError::Forbidden(
                "this account signs in through an identity provider: sign in with it again, then retry within 10 minutes",
            ),
            AuthError::Locked(info) => ApiError::TooManyRequests(info),
            AuthError::SessionRequired => ApiError::InsufficientScope(None),
            AuthError::MfaAlreadyEnabled => ApiError::Conflict("multi-factor authentication is already on".into()),
            AuthError::MfaNotEnabled => ApiError::Conflict("multi-factor authentication is not on".into()),
            AuthError::MfaNotPending => ApiError::Conflict("start enrolment first (POST /api/v1/me/mfa/totp)".into()),
            AuthError::InvalidMfaCode => ApiError::validation("code", "is wrong, expired or already used"),
            AuthError::InvalidMfaToken => {
                ApiError::Unauthorized("the sign-in attempt is invalid, expired or already used; sign in again")
            }
            AuthError::WrongSecondFactor => ApiError::Unauthorized("the code is wrong, expired or already used"),
            AuthError::NoVerifiedEmail => {
                ApiError::validation("email", "the provider shared no email address it has verified (email_verified)")
            }
            AuthError::EmailTaken | AuthError::LastWayIn => ApiError::Conflict(e.to_string()),
            AuthError::AlreadyLinked => {
                ApiError::Conflict("this external identity is already linked to an account".into())
            }
            AuthError::NotLinked => ApiError::NotFound,
            AuthError::Oidc(e) => e.into(),
            AuthError::Token(e) => ApiError::internal(e),
            AuthError::Totp(e) => ApiError::internal(e),
            AuthError::Hashing(e) => ApiError::internal(e),
            AuthError::Db(e) => e.into(),
        }
    }
}

impl From<crate::auth::oidc::OidcError> for ApiError {
    fn from(e: crate::auth::oidc::OidcError) -> Self {
        use crate::auth::oidc::OidcError;
        match e {
            OidcError::UnknownProvider => ApiError::NotFound,
            OidcError::BadState => ApiError::BadRequest(e.to_string()),
            OidcError::BadIdToken(_) => ApiError::Unauthorized("the identity provider's token did not verify"),
            OidcError::Provider(m) => ApiError::internal(anyhow::anyhow!("oidc provider: {m}")),
            OidcError::StateStore => ApiError::Unavailable { retry_after_seconds: 5 },
        }
    }
}

/// A problem response of the OpenAPI document: its `components/responses`
/// name, status, description and the headers it carries. One list, next to
/// the type that renders them; `routes::contract` makes the components of
/// it and keeps, per operation, the statuses its shape can answer with.
pub(crate) struct ProblemResponse {
    pub name: &'static str,
    pub status: &'static str,
    pub description: &'static str,
    pub headers: &'static [&'static str],
}

pub(crate) const PROBLEMS: &[ProblemResponse] = &[
    ProblemResponse {
        name: "BadRequest",
        status: "400",
        description: "Malformed JSON body or a malformed `If-Match`/`If-None-Match`",
        headers: &[],
    },
    ProblemResponse {
        name: "Unauthorized",
        status: "401",
        description: "Missing, invalid or expired credentials",
        headers: &["WWW-Authenticate"],
    },
    ProblemResponse {
        name: "Forbidden",
        status: "403",
        description: "The resource is visible but the caller may not do this",
        headers: &[],
    },
    ProblemResponse {
        name: "NotFound",
        status: "404",
        description: "Unknown, or not visible to the caller",
        headers: &[],
    },
    ProblemResponse {
        name: "NotAcceptable",
        status: "406",
        description: "`Accept` allows none of the media types this operation answers with",
        headers: &[],
    },
    ProblemResponse {
        name: "Conflict",
        status: "409",
        description: "Conflicts with the current state (e.g. already exists, timer already running)",
        headers: &[],
    },
    ProblemResponse {
        name: "PreconditionFailed",
        status: "412",
        description: "`If-Match` names a stale version",
        headers: &[],
    },
    ProblemResponse { name: "PayloadTooLarge", status: "413", description: "Body over 1 MiB", headers: &[] },
    ProblemResponse { name: "UnsupportedMediaType", status: "415", description: "Body is not JSON", headers: &[] },
    ProblemResponse {
        name: "UnprocessableContent",
        status: "422",
        description: "Invalid fields or query parameters (unknown ones included); `errors` names each",
        headers: &[],
    },
    ProblemResponse {
        name: "TooManyRequests",
        status: "429",
        description: "Over a rate limit or locked after failed attempts",
        headers: &["Retry-After", "RateLimit", "RateLimit-Policy"],
    },
    ProblemResponse {
        name: "InternalError",
        status: "500",
        description: "An unexpected error; the body says nothing more, the log does",
        headers: &[],
    },
    ProblemResponse {
        name: "ServiceUnavailable",
        status: "503",
        description: "Database unavailable or overloaded",
        headers: &["Retry-After"],
    },
];

/// The problem responses an operation may give, for its `#[utoipa::path]`:
/// every one of the list, by reference; `routes::contract` prunes each
/// operation to those its shape can answer with (schemathesis checks the
/// result against what the server sends).
pub struct Errors;

impl utoipa::IntoResponses for Errors {
    fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        PROBLEMS
            .iter()
            .map(|p| (p.status.to_owned(), utoipa::openapi::Ref::from_response_name(p.name).into()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbError;
    use crate::service::{AuthError, ServiceError};

    fn status(e: impl Into<ApiError>) -> u16 {
        e.into().status_code().as_u16()
    }

    #[test]
    fn renaming_names_the_alias_in_field_errors_only() {
        let two = ApiError::Validation(vec![FieldError::new("assignee_ids", "a"), FieldError::new("title", "b")]);
        let errors = match two.renaming("assignee_ids", "assignee_id") {
            ApiError::Validation(errors) => errors,
            _ => Vec::new(),
        };
        assert_eq!(
            errors.iter().map(|e| (e.field, e.message.as_str())).collect::<Vec<_>>(),
            [("assignee_id", "a"), ("title", "b")]
        );
        assert!(matches!(ApiError::NotFound.renaming("assignee_ids", "assignee_id"), ApiError::NotFound));
    }

    fn info() -> crate::auth::rate_limit::RateLimitInfo {
        crate::auth::rate_limit::RateLimitInfo { policy: "user", limit: 1, window: 60, remaining: 0, reset: 7 }
    }

    #[rstest::rstest]
    #[case::bad_request(ApiError::BadRequest("x".into()), 400, "bad-request")]
    #[case::unauthorized(ApiError::Unauthorized("x"), 401, "unauthorized")]
    #[case::forbidden(ApiError::Forbidden("x"), 403, "forbidden")]
    #[case::insufficient_scope(ApiError::InsufficientScope(None), 403, "insufficient-scope")]
    #[case::not_found(ApiError::NotFound, 404, "not-found")]
    #[case::precondition(ApiError::PreconditionFailed, 412, "precondition-failed")]
    #[case::conflict(ApiError::Conflict("x".into()), 409, "conflict")]
    #[case::too_large(ApiError::PayloadTooLarge { limit: 1 }, 413, "payload-too-large")]
    #[case::media_type(ApiError::UnsupportedMediaType("x".into()), 415, "unsupported-media-type")]
    #[case::not_acceptable(ApiError::NotAcceptable("x".into()), 406, "not-acceptable")]
    #[case::validation(ApiError::validation("f", "m"), 422, "validation-error")]
    #[case::too_many(ApiError::TooManyRequests(info()), 429, "too-many-requests")]
    #[case::unavailable(ApiError::Unavailable { retry_after_seconds: 2 }, 503, "service-unavailable")]
    #[case::internal(ApiError::internal(anyhow::anyhow!("secret cause")), 500, "internal-error")]
    fn every_error_has_its_status_and_problem_type(#[case] e: ApiError, #[case] code: u16, #[case] slug: &str) {
        assert_eq!(e.status_code().as_u16(), code);
        assert_eq!(e.slug(), slug);
        let resp = e.error_response();
        assert_eq!(resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some(PROBLEM_JSON));
    }

    #[rstest::rstest]
    #[case::unauthorized(ApiError::Unauthorized("x"), "www-authenticate", Some("Bearer realm=\"taskflow\""))]
    #[case::too_many(ApiError::TooManyRequests(info()), "retry-after", Some("7"))]
    #[case::too_many_has_ratelimit(ApiError::TooManyRequests(info()), "ratelimit", Some("\"user\";r=0;t=7"))]
    #[case::too_many_has_its_policy(ApiError::TooManyRequests(info()), "ratelimit-policy", Some("\"user\";q=1;w=60"))]
    #[case::unavailable(ApiError::Unavailable { retry_after_seconds: 2 }, "retry-after", Some("2"))]
    #[case::forbidden_has_no_challenge(ApiError::Forbidden("x"), "www-authenticate", None)]
    #[case::scope_names_the_scope(
        ApiError::InsufficientScope(Some(crate::domain::token::Scope::TimeWrite)),
        "www-authenticate",
        Some(r#"Bearer realm="taskflow", error="insufficient_scope", scope="time:write""#)
    )]
    #[case::session_only_has_no_scope(
        ApiError::InsufficientScope(None),
        "www-authenticate",
        Some(r#"Bearer realm="taskflow", error="insufficient_scope""#)
    )]
    fn errors_carry_the_headers_their_status_needs(
        #[case] e: ApiError,
        #[case] name: &str,
        #[case] value: Option<&str>,
    ) {
        let resp = e.error_response();
        assert_eq!(resp.headers().get(name).and_then(|v| v.to_str().ok()), value);
    }

    #[test]
    fn a_500_says_nothing_of_its_cause() {
        let e = ApiError::internal(anyhow::anyhow!("password=hunter2 at db.internal"));
        assert_eq!(e.to_string(), "an unexpected error occurred");
        assert!(format!("{e:?}").contains("hunter2"), "the cause goes to the log (Debug)");
    }

    #[rstest::rstest]
    #[case::email("users_email_key", 409)]
    #[case::identity("external_identities_pkey", 409)]
    #[case::member("team_members_pkey", 409)]
    #[case::last_owner("team_members_last_owner", 409)]
    #[case::member_user("team_members_user_id_fkey", 422)]
    #[case::assignee_in_team("tasks_assignee_in_team", 422)]
    #[case::assignees_distinct("tasks_assignees_distinct", 422)]
    #[case::assignees_count("tasks_assignees_count", 422)]
    #[case::personal_assignee("tasks_personal_assignee", 422)]
    #[case::parent_fkey("tasks_parent_task_id_fkey", 422)]
    #[case::parent_same_team("tasks_parent_same_team", 422)]
    #[case::parent_cycle("tasks_parent_cycle", 409)]
    #[case::parent_depth("tasks_parent_depth", 409)]
    #[case::subtasks_same_team("tasks_subtasks_same_team", 409)]
    #[case::relation_pair("task_relations_pair_key", 409)]
    #[case::relation_cycle("task_relations_blocks_cycle", 409)]
    #[case::relation_self("task_relations_not_self", 422)]
    #[case::relation_other("task_relations_other_task_id_fkey", 422)]
    #[case::team("tasks_team_id_fkey", 422)]
    #[case::one_timer("time_entries_one_running_timer", 409)]
    #[case::day_long("time_entries_at_most_24h", 422)]
    #[case::ends_after_start("time_entries_ends_after_start", 422)]
    #[case::unknown_is_a_bug("some_new_constraint", 500)]
    fn constraints_map_by_name(#[case] constraint: &str, #[case] code: u16) {
        assert_eq!(constraint_error(constraint).status_code().as_u16(), code);
        assert_eq!(status(DbError::UniqueViolation(constraint.into())), code);
    }

    #[rstest::rstest]
    #[case::pool_timeout(DbError::PoolTimedOut, 503)]
    #[case::session_inactive(DbError::SessionInactive, 401)]
    #[case::token_inactive(DbError::TokenInactive, 401)]
    #[case::rls_refused(DbError::Forbidden, 403)]
    #[case::unrepresentable(DbError::Unrepresentable, 422)]
    #[case::over_budget(DbError::OverBudget("past 100%".into()), 409)]
    #[case::other(DbError::Other { op: "tasks.insert", source: sqlx::Error::RowNotFound }, 500)]
    fn database_errors(#[case] e: DbError, #[case] code: u16) {
        assert_eq!(status(e), code);
    }

    #[test]
    fn an_unexpected_database_error_names_its_statement() {
        let e = DbError::Other { op: "unlabelled", source: sqlx::Error::RowNotFound }.during("tasks.insert");
        assert_eq!(e.to_string(), "tasks.insert failed");
        assert_eq!(
            DbError::Forbidden.during("x").to_string(),
            DbError::Forbidden.to_string(),
            "only Other is relabelled"
        );
    }

    #[rstest::rstest]
    #[case::invalid_credentials(AuthError::InvalidCredentials, 401)]
    #[case::disabled(AuthError::AccountDisabled, 403)]
    #[case::refresh_invalid(AuthError::InvalidRefreshToken, 401)]
    #[case::refresh_reused(AuthError::RefreshTokenReused, 401)]
    #[case::wrong_password(AuthError::WrongPassword { field: "password" }, 422)]
    #[case::password_required(AuthError::PasswordRequired { field: "password" }, 422)]
    #[case::sign_in_again(AuthError::SignInAgain, 403)]
    #[case::locked(AuthError::Locked(info()), 429)]
    #[case::mfa_on(AuthError::MfaAlreadyEnabled, 409)]
    #[case::mfa_off(AuthError::MfaNotEnabled, 409)]
    #[case::mfa_not_pending(AuthError::MfaNotPending, 409)]
    #[case::mfa_code(AuthError::InvalidMfaCode, 422)]
    #[case::mfa_token(AuthError::InvalidMfaToken, 401)]
    #[case::second_factor(AuthError::WrongSecondFactor, 401)]
    #[case::no_verified_email(AuthError::NoVerifiedEmail, 422)]
    #[case::email_taken(AuthError::EmailTaken, 409)]
    #[case::already_linked(AuthError::AlreadyLinked, 409)]
    #[case::not_linked(AuthError::NotLinked, 404)]
    #[case::last_way_in(AuthError::LastWayIn, 409)]
    #[case::unknown_provider(AuthError::Oidc(crate::auth::oidc::OidcError::UnknownProvider), 404)]
    #[case::bad_state(AuthError::Oidc(crate::auth::oidc::OidcError::BadState), 400)]
    #[case::bad_id_token(AuthError::Oidc(crate::auth::oidc::OidcError::BadIdToken("x".into())), 401)]
    #[case::provider_down(AuthError::Oidc(crate::auth::oidc::OidcError::Provider("x".into())), 500)]
    #[case::state_store(AuthError::Oidc(crate::auth::oidc::OidcError::StateStore), 503)]
    #[case::db(AuthError::Db(DbError::PoolTimedOut), 503)]
    fn account_errors(#[case] e: AuthError, #[case] code: u16) {
        assert_eq!(status(e), code);
    }

    #[test]
    fn a_lock_answers_429_with_its_remaining_seconds() {
        let e = AuthError::from(crate::auth::rate_limit::Locked { seconds: 42, scope: "pair" });
        let resp = ApiError::from(e).error_response();
        assert_eq!(resp.status().as_u16(), 429);
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("42"));
    }

    #[rstest::rstest]
    #[case::not_found(ServiceError::NotFound, 404)]
    #[case::forbidden(ServiceError::Forbidden("x"), 403)]
    #[case::precondition(ServiceError::PreconditionFailed, 412)]
    #[case::conflict(ServiceError::Conflict("x".into()), 409)]
    #[case::invalid(ServiceError::invalid("f", "m"), 422)]
    #[case::too_many(ServiceError::TooMany(info()), 429)]
    #[case::auth(ServiceError::Auth(AuthError::EmailTaken), 409)]
    #[case::db(ServiceError::Db(DbError::Forbidden), 403)]
    fn service_errors(#[case] e: ServiceError, #[case] code: u16) {
        assert_eq!(status(e), code);
    }

    #[test]
    fn a_validation_problem_names_its_fields() -> Result<(), serde_json::Error> {
        let resp = ApiError::Validation(vec![FieldError::new("title", "must not be empty")]).error_response();
        let body = actix_web::body::to_bytes(resp.into_body());
        let bytes = futures_util::FutureExt::now_or_never(body).and_then(Result::ok).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&bytes)?;
        assert_eq!(json["type"], "urn:taskflow:problem:validation-error");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "title");
        Ok(())
    }
}
