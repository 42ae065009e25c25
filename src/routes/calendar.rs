//! The calendar feed: `/api/v1/me/calendar-feed` makes, shows and revokes
//! it; `/ical/{token}.ics` is what a calendar app subscribes to.

use actix_web::http::header::{ETAG, IF_NONE_MATCH};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::params;
use crate::domain::calendar::{self, FeedForm};
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::calendar as feeds;
use crate::state::AppState;

/// Whether you have a feed (its URL is shown once, when made).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"created_at": "2026-12-04T09:00:00Z", "last_used_at": "2026-12-04T09:15:00Z"}))]
struct FeedStatus {
    created_at: DateTime<Utc>,
    /// When a calendar app last read it (to the minute); null before that.
    last_used_at: Option<DateTime<Utc>>,
}

/// A new feed: subscribe a calendar app to `url` (add `?as=events` for a
/// calendar that shows no to-dos). Keep it secret: it reads your tasks.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"url": "https://taskflow.example.com/ical/tfc_Zk2v….ics", "created_at": "2026-12-04T09:00:00Z", "last_used_at": null}))]
struct NewFeed {
    url: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    /// `todos` (VTODO, the default) or `events` (VEVENT at the due time).
    #[serde(rename = "as")]
    #[param(rename = "as")]
    form: Option<FeedForm>,
}

#[utoipa::path(get, path = "/api/v1/me/calendar-feed", tag = "me", summary = "Your calendar feed, if you have one", description = "404 when you have none. The URL itself was shown once, when made: make a new one if it is lost.", responses((status = 200, description = "You have a feed", body = FeedStatus), Errors))]
#[tracing::instrument(name = "calendar.get", skip_all)]
pub async fn get_feed(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    let row = feeds::get(state.store(), &user).await?;
    Ok(HttpResponse::Ok().json(FeedStatus { created_at: row.created_at, last_used_at: row.last_used_at }))
}

#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "me", summary = "Make a calendar feed URL (replacing any earlier one)", description = "Lists your tasks with a due time (assigned to you, not in the trash or an archived project) as iCalendar. The URL is shown only in this answer; an earlier URL stops working.", responses((status = 201, description = "The feed's URL", body = NewFeed), Errors))]
#[tracing::instrument(name = "calendar.create", skip_all)]
pub async fn create_feed(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (token, row) = feeds::create(state.store(), &user).await?;
    let url = format!("{}/ical/{token}.ics", super::oauth::base_url(&state, &req));
    Ok(HttpResponse::Created().json(NewFeed { url, created_at: row.created_at, last_used_at: row.last_used_at }))
}

#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "me", summary = "Revoke your calendar feed", description = "Its URL answers 404 from now on.", responses((status = 204, description = "Revoked"), Errors))]
#[tracing::instrument(name = "calendar.revoke", skip_all)]
pub async fn revoke_feed(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    feeds::revoke(state.store(), &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/ical/{token}.ics", tag = "me", summary = "A calendar feed (iCalendar)", description = "What a calendar app subscribes to: no sign-in, the token in the URL is the key. Your tasks with a due time, soonest first (at most 2,000), as VTODO or, with `as=events`, VEVENT; UIDs stay the task's. `ETag`/`If-None-Match` answer 304 while nothing changed.", security(()), params(("token" = String, Path, description = "The feed's secret token", pattern = "^tfc_[A-Za-z0-9_-]{43}$", max_length = 47), FeedQuery, ("If-None-Match" = Option<String>, Header, description = "The ETag of a copy you have", max_length = 1024)), responses((status = 200, description = "The feed", content_type = "text/calendar; charset=utf-8", body = String, headers(("ETag" = String, description = "The feed's content, hashed"))), (status = 304, description = "Unchanged since the copy named by If-None-Match"), Errors))]
#[tracing::instrument(name = "calendar.feed", skip_all)]
pub async fn feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: FeedQuery = params::query(&req)?;
    let (name, tasks) = feeds::feed(state.store(), &path.into_inner()).await?;
    let base = super::oauth::base_url(&state, &req);
    let body = calendar::render(&tasks, q.form.unwrap_or(FeedForm::Todos), &format!("TaskFlow: {name}"), |id| {
        format!("{base}/#/tasks/{id}")
    });
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>());
    let matches = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*" || v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    // Revalidated every time (a revoked feed must stop at once), and never
    // kept by a shared cache: the URL is a secret.
    let cache = ("Cache-Control", "private, no-cache");
    if matches {
        return Ok(HttpResponse::NotModified().insert_header((ETAG, etag)).insert_header(cache).finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((ETAG, etag))
        .insert_header(cache)
        .insert_header(("Content-Disposition", "inline; filename=\"taskflow.ics\""))
        .body(body))
}
