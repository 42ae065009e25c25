//! The web frontend (`web/`), compiled into the binary: `index.html` at `/`
//! (never cached, strict CSP) and its ES modules and stylesheet under
//! `/assets/<digest>/` (cached for a year). No build step: the digest is
//! computed once, at first use, from the embedded files.

use std::sync::LazyLock;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

const INDEX: &str = include_str!("../../web/index.html");

/// Every file under `web/` the page loads, by its path below the digest
/// directory. The modules import each other relatively (`./dom.js`), so
/// one digest over all of them keeps every URL immutable-cacheable without
/// an import map (which the CSP would need an exception for).
const FILES: [(&str, &str); 21] = [
    ("app.css", include_str!("../../web/app.css")),
    ("app.js", include_str!("../../web/app.js")),
    ("api.js", include_str!("../../web/api.js")),
    ("dom.js", include_str!("../../web/dom.js")),
    ("session.js", include_str!("../../web/session.js")),
    ("timer.js", include_str!("../../web/timer.js")),
    ("pages/account.js", include_str!("../../web/pages/account.js")),
    ("pages/auth.js", include_str!("../../web/pages/auth.js")),
    ("pages/budgets.js", include_str!("../../web/pages/budgets.js")),
    ("pages/calendar.js", include_str!("../../web/pages/calendar.js")),
    ("pages/jobs.js", include_str!("../../web/pages/jobs.js")),
    ("pages/locks.js", include_str!("../../web/pages/locks.js")),
    ("pages/mentions.js", include_str!("../../web/pages/mentions.js")),
    ("pages/projects.js", include_str!("../../web/pages/projects.js")),
    ("pages/rates.js", include_str!("../../web/pages/rates.js")),
    ("pages/report.js", include_str!("../../web/pages/report.js")),
    ("pages/tasks.js", include_str!("../../web/pages/tasks.js")),
    ("pages/teams.js", include_str!("../../web/pages/teams.js")),
    ("pages/timesheet.js", include_str!("../../web/pages/timesheet.js")),
    ("pages/tokens.js", include_str!("../../web/pages/tokens.js")),
    ("pages/trash.js", include_str!("../../web/pages/trash.js")),
];

/// Scripts and styles only from this origin, no inline code, no eval; the QR
/// code for MFA enrolment is a data: image.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                        connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                        frame-ancestors 'none'";

struct Site {
    index: String,
    /// 12 hex digits of SHA-256 over every file's path and content.
    digest: String,
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for (path, body) in FILES {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(body.as_bytes());
        hasher.update([0]);
    }
    let digest: String = hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    Site { index: INDEX.replace("%DIGEST%", &digest), digest }
});

fn content_type(path: &str) -> &'static str {
    if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    }
}

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

pub async fn asset(path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (digest, file) = path.into_inner();
    if digest != SITE.digest {
        return Err(ApiError::NotFound);
    }
    let (name, body) = FILES.iter().find(|(name, _)| *name == file).ok_or(ApiError::NotFound)?;
    // The digest changes with any file, so what it names may be kept forever.
    Ok(embedded(content_type(name), "public, max-age=31536000, immutable", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every script and stylesheet under `web/`, as paths relative to it.
    fn files_on_disk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_on_disk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "js" || e == "css") {
                if let Ok(rel) = path.strip_prefix(root) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }

    #[test]
    fn every_module_in_web_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = Vec::new();
        files_on_disk(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut served: Vec<String> = FILES.iter().map(|(name, _)| (*name).to_owned()).collect();
        served.sort();
        assert_eq!(on_disk, served, "web/ and site::FILES differ: add the new file to FILES");
    }

    #[test]
    fn the_page_names_the_digest_directory() {
        assert_eq!(SITE.digest.len(), 12);
        assert!(SITE.index.contains(&format!("/assets/{}/app.js", SITE.digest)));
        assert!(SITE.index.contains(&format!("/assets/{}/app.css", SITE.digest)));
        assert!(!SITE.index.contains("%DIGEST%"));
    }
}
