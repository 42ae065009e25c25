//! @mentions: which of the people who can read a task a text names.
//!
//! `@` starts a mention where it does not continue a word (`ada@example.com`
//! names nobody). What follows is compared, ignoring case, with each
//! candidate's display name and the local part of their email; the longest
//! form that ends at a word boundary wins, and a form that stands for two
//! people names neither (the writer must say which). Anything else stays
//! plain text.

use uuid::Uuid;

/// Someone a text may name: a person who can read the task.
pub struct Candidate<'a> {
    pub user_id: Uuid,
    pub display_name: &'a str,
    pub email: &'a str,
}

/// A person the text names, and every way it names them, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentioned {
    pub user_id: Uuid,
    pub texts: Vec<String>,
}

/// At most this many people in one text: beyond it a mention is a broadcast.
pub const MAX_PEOPLE: usize = 50;
/// Distinct spellings kept per person (the database holds at most this many).
pub const MAX_TEXTS: usize = 10;

/// Characters that continue a handle: before `@` they make it part of an
/// address, after a name they make it a longer word.
fn continues_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '@')
}

/// The byte length of `form` at the start of `rest`, ignoring case, if it
/// is there and ends where a word ends (a full stop ends a sentence, not a
/// word, unless more of the word follows it: `@ada.lovelace` is not `@ada`).
fn matched_len(rest: &str, form: &str) -> Option<usize> {
    let mut end = 0;
    let mut chars = rest.chars();
    for f in form.chars() {
        let c = chars.next()?;
        if !c.to_lowercase().eq(f.to_lowercase()) {
            return None;
        }
        end += c.len_utf8();
    }
    let mut after = rest[end..].chars();
    match after.next() {
        None => Some(end),
        Some(c) if continues_word(c) => None,
        Some('.') if after.next().is_some_and(continues_word) => None,
        Some(_) => Some(end),
    }
}

/// Every person `text` names, in the order first named.
pub fn resolve(text: &str, candidates: &[Candidate<'_>]) -> Vec<Mentioned> {
    let forms: Vec<(&str, Uuid)> = candidates
        .iter()
        .flat_map(|c| {
            let local = c.email.rsplit_once('@').map_or(c.email, |(local, _)| local);
            [(c.display_name.trim(), c.user_id), (local, c.user_id)]
        })
        .filter(|(form, _)| !form.is_empty())
        .collect();
    let mut out: Vec<Mentioned> = Vec::new();
    let mut prev: Option<char> = None;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        let before = prev;
        prev = Some(c);
        if i < skip_to || c != '@' || before.is_some_and(continues_word) {
            continue;
        }
        let rest = &text[i + 1..];
        let mut best: Option<(usize, Uuid)> = None;
        let mut ambiguous = false;
        for (form, user) in &forms {
            let Some(len) = matched_len(rest, form) else { continue };
            match best {
                Some((best_len, _)) if len < best_len => {}
                Some((best_len, best_user)) if len == best_len => ambiguous |= best_user != *user,
                _ => {
                    best = Some((len, *user));
                    ambiguous = false;
                }
            }
        }
        let Some((len, user_id)) = best.filter(|_| !ambiguous) else { continue };
        let written = rest[..len].to_owned();
        skip_to = i + 1 + len;
        match out.iter_mut().find(|m| m.user_id == user_id) {
            Some(m) => {
                if !m.texts.contains(&written) && m.texts.len() < MAX_TEXTS {
                    m.texts.push(written);
                }
            }
            None => out.push(Mentioned { user_id, texts: vec![written] }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{resolve, Candidate, Mentioned, MAX_TEXTS};
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn people() -> Vec<Candidate<'static>> {
        vec![
            Candidate { user_id: id(1), display_name: "Ada Lovelace", email: "ada@example.com" },
            Candidate { user_id: id(2), display_name: "Sam", email: "sam.smith@example.com" },
            Candidate { user_id: id(3), display_name: "Sam Smith", email: "ssmith@example.org" },
            Candidate { user_id: id(4), display_name: "Björk", email: "bjork@example.is" },
            Candidate { user_id: id(5), display_name: "Twin", email: "twin1@example.com" },
            Candidate { user_id: id(6), display_name: "Twin", email: "twin2@example.com" },
        ]
    }

    /// Who is named, each with their spellings joined by `|`.
    fn named(text: &str) -> Vec<(u128, String)> {
        resolve(text, &people()).into_iter().map(|m| (m.user_id.as_u128(), m.texts.join("|"))).collect()
    }

    fn one(user: u128, texts: &str) -> Vec<(u128, String)> {
        vec![(user, texts.to_owned())]
    }

    #[test]
    fn a_display_name_or_an_email_local_part_names_someone() {
        assert_eq!(named("thanks @Ada Lovelace"), one(1, "Ada Lovelace"));
        assert_eq!(named("@ada, look"), one(1, "ada"));
        assert_eq!(named("ping @sam.smith."), one(2, "sam.smith"));
    }

    #[test]
    fn case_does_not_matter_and_the_text_is_kept_as_written() {
        assert_eq!(named("@ADA LOVELACE and @björk"), vec![(1, "ADA LOVELACE".to_owned()), (4, "björk".to_owned())]);
    }

    #[test]
    fn the_longest_name_wins() {
        assert_eq!(named("@Sam Smith said"), one(3, "Sam Smith"));
        assert_eq!(named("@Sam Smithers said"), one(2, "Sam"));
    }

    #[test]
    fn a_name_must_end_where_a_word_ends() {
        assert!(named("@adams").is_empty());
        assert!(named("@ada_x").is_empty());
        assert!(named("@ada.lovelace").is_empty());
        assert!(named("@ada@example.com").is_empty());
        assert_eq!(named("(@ada)"), one(1, "ada"));
        assert_eq!(named("@ada."), one(1, "ada"));
        assert_eq!(named("@ada's"), one(1, "ada"));
    }

    #[test]
    fn an_email_address_or_a_bare_at_names_nobody() {
        assert!(named("write to x@ada or ada@example.com").is_empty());
        assert!(named("@ @@ada @").is_empty());
        assert!(named("nobody @here").is_empty());
    }

    #[test]
    fn a_name_two_people_share_names_neither_but_their_handles_do() {
        assert!(named("@Twin").is_empty());
        assert_eq!(named("@twin2"), one(6, "twin2"));
    }

    #[test]
    fn each_person_once_with_every_spelling_once() {
        assert_eq!(
            named("@ada @Ada Lovelace @ada @Sam"),
            vec![(1, "ada|Ada Lovelace".to_owned()), (2, "Sam".to_owned())]
        );
    }

    #[test]
    fn spellings_are_capped() {
        let text: String =
            (0..MAX_TEXTS + 5).map(|i| format!("@{} ", if i % 2 == 0 { "ada" } else { "ADA" })).collect();
        assert_eq!(named(&text), one(1, "ada|ADA"));
        let cases = ["ada", "Ada", "aDa", "adA", "ADa", "AdA", "aDA", "ADA"];
        let text: String = cases
            .iter()
            .chain(["Ada Lovelace", "ada lovelace", "ADA LOVELACE"].iter())
            .map(|c| format!("@{c} "))
            .collect();
        assert_eq!(resolve(&text, &people())[0].texts.len(), MAX_TEXTS);
    }

    #[test]
    fn nobody_to_name_names_nobody() {
        assert_eq!(resolve("@ada", &[]), Vec::<Mentioned>::new());
        let blank = [Candidate { user_id: id(9), display_name: " ", email: "@example.com" }];
        assert!(resolve("@ @example.com", &blank).is_empty());
    }
}
