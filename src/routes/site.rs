//! The web frontend (`web/`), compiled into the binary: `index.html` at `/`
//! (never cached, strict CSP) and its script and stylesheet under
//! `/assets/` with content-hashed names (cached for a year). No build step:
//! the hashes are computed once, at first use, from the embedded files.

use std::sync::LazyLock;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

const INDEX: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const APP_CSS: &str = include_str!("../../web/app.css");

/// Scripts and styles only from this origin, no inline code, no eval; the QR
/// code for MFA enrolment is a data: image.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                        connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                        frame-ancestors 'none'";

struct Asset {
    name: String,
    content_type: &'static str,
    body: &'static str,
}

struct Site {
    index: String,
    assets: [Asset; 2],
}

fn hashed(stem: &str, ext: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let js = Asset { name: hashed("app", "js", APP_JS), content_type: "text/javascript; charset=utf-8", body: APP_JS };
    let css = Asset { name: hashed("app", "css", APP_CSS), content_type: "text/css; charset=utf-8", body: APP_CSS };
    let index = INDEX.replace("%APP_JS%", &js.name).replace("%APP_CSS%", &css.name);
    Site { index, assets: [js, css] }
});

/// An HTML page compiled into the binary: revalidated on every load, under
/// its own CSP (the default-headers middleware only fills in what is unset).
pub(crate) fn page(csp: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CONTENT_SECURITY_POLICY, csp))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// A script or stylesheet compiled into the binary.
pub(crate) fn embedded(content_type: &'static str, cache_control: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, cache_control))
        .body(body)
}

pub async fn index() -> HttpResponse {
    page(PAGE_CSP, SITE.index.as_str())
}

pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let asset = SITE.assets.iter().find(|a| a.name == *name).ok_or(ApiError::NotFound)?;
    // Hashed names: a changed file gets a new name, so the old one may be kept forever.
    Ok(embedded(asset.content_type, "public, max-age=31536000, immutable", asset.body))
}
