//! A person's tasks as an iCalendar feed (RFC 5545): to-dos (`VTODO`) or
//! events (`VEVENT`) at their due time, one per task, with a UID that stays
//! the task's so a calendar app updates an entry instead of adding one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::task::{Priority, TaskStatus};

/// Which components the feed holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedForm {
    /// `VTODO`, with status, priority and completion: for task lists
    /// (Thunderbird, Apple Reminders through CalDAV clients, Evolution).
    Todos,
    /// `VEVENT` at the due time: for calendars that show no to-dos (Google).
    Events,
}

/// One task in the feed.
pub struct FeedTask {
    pub task_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// RFC 5545 §3.3.11: backslash, semicolon, comma and newlines are escaped;
/// other control characters have no place in a TEXT value and go.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.1: a content line longer than 75 octets is folded (CRLF and a
/// space), never inside a UTF-8 sequence. Appends the line and its CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            // The leading space counts toward the next line's 75.
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// RFC 5545 §3.8.1.9: 1 is the highest, 9 the lowest, 0 undefined.
pub fn ical_priority(p: Priority) -> u8 {
    match p {
        Priority::Urgent => 1,
        Priority::High => 3,
        Priority::Medium => 5,
        Priority::Low => 9,
    }
}

/// RFC 5545 §3.8.1.11, the to-do statuses.
pub fn todo_status(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Todo => "NEEDS-ACTION",
        TaskStatus::InProgress => "IN-PROCESS",
        TaskStatus::Done => "COMPLETED",
        TaskStatus::Cancelled => "CANCELLED",
    }
}

/// The whole feed. `task_url` gives the web app's page of a task. Nothing
/// in it depends on the time it is made (DTSTAMP is the task's last change),
/// so an unchanged feed reads the same and its ETag holds.
pub fn render(tasks: &[FeedTask], form: FeedForm, calendar_name: &str, task_url: impl Fn(Uuid) -> String) -> String {
    let mut out = String::new();
    let mut line = |l: String| push_folded(&mut out, &l);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//TaskFlow//Task feed//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(calendar_name)));
    for t in tasks {
        let component = match form {
            FeedForm::Todos => "VTODO",
            FeedForm::Events => "VEVENT",
        };
        line(format!("BEGIN:{component}"));
        line(format!("UID:task-{}@taskflow", t.task_id));
        line(format!("DTSTAMP:{}", stamp(t.updated_at)));
        line(format!("CREATED:{}", stamp(t.created_at)));
        line(format!("LAST-MODIFIED:{}", stamp(t.updated_at)));
        line(format!("SUMMARY:{}", escape_text(&t.title)));
        if let Some(d) = t.description.as_deref().filter(|d| !d.is_empty()) {
            line(format!("DESCRIPTION:{}", escape_text(d)));
        }
        line(format!("URL:{}", task_url(t.task_id)));
        line(format!("PRIORITY:{}", ical_priority(t.priority)));
        if !t.labels.is_empty() {
            let labels: Vec<String> = t.labels.iter().map(|l| escape_text(l)).collect();
            line(format!("CATEGORIES:{}", labels.join(",")));
        }
        match form {
            FeedForm::Todos => {
                line(format!("DUE:{}", stamp(t.due_at)));
                line(format!("STATUS:{}", todo_status(t.status)));
                if let Some(c) = t.completed_at.filter(|_| t.status == TaskStatus::Done) {
                    line(format!("COMPLETED:{}", stamp(c)));
                    line("PERCENT-COMPLETE:100".into());
                }
            }
            FeedForm::Events => {
                // A moment, not a block of time: it takes none (TRANSP).
                line(format!("DTSTART:{}", stamp(t.due_at)));
                line(format!("DTEND:{}", stamp(t.due_at)));
                line("TRANSP:TRANSPARENT".into());
                if t.status == TaskStatus::Cancelled {
                    line("STATUS:CANCELLED".into());
                }
            }
        }
        line(format!("END:{component}"));
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_escapes_the_four_specials_and_drops_other_controls() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("bell\u{7}\ttab"), "bell\ttab");
        assert_eq!(escape_text("Ünïcode ✓"), "Ünïcode ✓");
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_never_inside_a_character() {
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
        // 2-byte characters: 37 fit (74 octets), the 38th starts the next line.
        let mut out = String::new();
        push_folded(&mut out, &"é".repeat(40));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 74);
        assert_eq!(lines[1], format!(" {}", "é".repeat(3)));
        assert!(lines.iter().all(|l| l.len() <= 75));
        // Continuation lines hold 74 octets after their space.
        let mut out = String::new();
        push_folded(&mut out, &"b".repeat(75 + 74 + 1));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.iter().map(|l| l.len()).collect::<Vec<_>>(), [75, 75, 2]);
    }

    #[test]
    fn priorities_and_statuses_map_to_rfc_5545() {
        assert_eq!(
            [Priority::Urgent, Priority::High, Priority::Medium, Priority::Low].map(ical_priority),
            [1, 3, 5, 9]
        );
        assert_eq!(
            [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Done, TaskStatus::Cancelled].map(todo_status),
            ["NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED"]
        );
    }

    fn task(status: TaskStatus) -> FeedTask {
        let t = |h| Utc.with_ymd_and_hms(2026, 12, 4, h, 30, 0).single().unwrap_or_default();
        FeedTask {
            task_id: Uuid::nil(),
            title: "Ship, then; rest".into(),
            description: Some("line one\nline two".into()),
            status,
            priority: Priority::High,
            due_at: t(17),
            completed_at: Some(t(16)),
            labels: vec!["ops".into(), "a,b".into()],
            created_at: t(8),
            updated_at: t(9),
        }
    }

    #[test]
    fn a_todo_carries_due_status_completion_and_a_stable_uid() {
        let feed =
            render(&[task(TaskStatus::Done)], FeedForm::Todos, "Ada's tasks", |id| format!("https://x/#/tasks/{id}"));
        let lines: Vec<&str> = feed.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "X-WR-CALNAME:Ada's tasks",
            "BEGIN:VTODO",
            "UID:task-00000000-0000-0000-0000-000000000000@taskflow",
            "DTSTAMP:20261204T093000Z",
            "URL:https://x/#/tasks/00000000-0000-0000-0000-000000000000",
            "LAST-MODIFIED:20261204T093000Z",
            "SUMMARY:Ship\\, then\\; rest",
            "DESCRIPTION:line one\\nline two",
            "PRIORITY:3",
            "CATEGORIES:ops,a\\,b",
            "DUE:20261204T173000Z",
            "STATUS:COMPLETED",
            "COMPLETED:20261204T163000Z",
            "END:VTODO",
            "END:VCALENDAR",
        ] {
            assert!(lines.contains(&expected), "no {expected:?} in\n{feed}");
        }
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        assert!(!feed.contains("VEVENT"));
        // Completion only for a task that is done.
        let open = render(&[task(TaskStatus::Todo)], FeedForm::Todos, "x", |_| String::new());
        assert!(open.contains("STATUS:NEEDS-ACTION") && !open.contains("COMPLETED:"), "{open}");
    }

    #[test]
    fn an_event_is_a_moment_at_the_due_time() {
        let feed = render(&[task(TaskStatus::Cancelled)], FeedForm::Events, "x", |_| String::new());
        for expected in [
            "BEGIN:VEVENT",
            "DTSTART:20261204T173000Z",
            "DTEND:20261204T173000Z",
            "TRANSP:TRANSPARENT",
            "STATUS:CANCELLED",
            "END:VEVENT",
        ] {
            assert!(feed.split("\r\n").any(|l| l == expected), "no {expected:?} in\n{feed}");
        }
        assert!(!feed.contains("VTODO") && !feed.contains("DUE:"));
        let open = render(&[task(TaskStatus::Todo)], FeedForm::Events, "x", |_| String::new());
        assert!(!open.contains("STATUS:"), "{open}");
        // No tasks: a valid, empty calendar.
        let empty = render(&[], FeedForm::Events, "x", |_| String::new());
        assert_eq!(empty.matches("\r\n").count(), 7);
    }
}
