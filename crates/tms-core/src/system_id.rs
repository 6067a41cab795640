//! Tapis system ids, validated before they can reach a URL.

use serde::Serialize;
use std::fmt;

pub const MAX_ID_LEN: usize = 80;

/// A valid Tapis system id: lower-case letters, digits, `-`, `_`, `.`, beginning with a letter
/// or digit, at most 80 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SystemId(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdError {
    Empty,
    TooLong(usize),
    /// Upper-case letters; the lower-case form is valid and suggested.
    UpperCase {
        suggestion: String,
    },
    InvalidChar(char),
    /// Tapis ids begin with a letter or digit; `.`, `..` and `-x` would also change a URL's
    /// meaning (browsers collapse dot segments) or read as an option.
    BadStart(char),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => write!(f, "The system id is empty."),
            IdError::TooLong(n) => write!(
                f,
                "The system id is {n} characters long; Tapis ids have at most {MAX_ID_LEN}."
            ),
            IdError::UpperCase { suggestion } => write!(
                f,
                "Tapis system ids are lower-case; did you mean “{suggestion}”?"
            ),
            IdError::InvalidChar(c) => write!(
                f,
                "The system id contains {}; only lower-case letters, digits, “-”, “_” and “.” are allowed.",
                describe_char(*c)
            ),
            IdError::BadStart(c) => write!(
                f,
                "The system id starts with {}; Tapis ids begin with a letter or a digit.",
                describe_char(*c)
            ),
        }
    }
}

impl std::error::Error for IdError {}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_ascii_graphic() => format!("“{c}”"),
        c if is_invisible(c) => format!("the invisible character U+{:04X}", c as u32),
        c => format!("“{c}” (U+{:04X})", c as u32),
    }
}

/// Characters that print as nothing: controls, and the format characters a copy from a web
/// page or a document brings along (zero-width spaces and joiners, direction marks, the byte
/// order mark, soft hyphens, fillers, variation selectors, tags). A short list rather than
/// Unicode's tables, which would add about 2 KB to the page.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c as u32,
            0xAD | 0x34F
                | 0x61C
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFFB
                | 0xE0000..=0xE0FFF
        )
}

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

impl SystemId {
    pub fn parse(input: &str) -> Result<SystemId, IdError> {
        let id = input.trim();
        if id.is_empty() {
            return Err(IdError::Empty);
        }
        if !id.chars().all(allowed) {
            // Report a truly invalid character first; upper case alone gets a suggestion.
            return Err(
                match id.chars().find(|c| !allowed(c.to_ascii_lowercase())) {
                    Some(c) => IdError::InvalidChar(c),
                    None => IdError::UpperCase {
                        suggestion: id.to_ascii_lowercase(),
                    },
                },
            );
        }
        if let Some(first) = id.chars().next().filter(|c| !c.is_ascii_alphanumeric()) {
            return Err(IdError::BadStart(first));
        }
        if id.len() > MAX_ID_LEN {
            return Err(IdError::TooLong(id.len()));
        }
        Ok(SystemId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SystemId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemList {
    /// In input order, each once.
    pub valid: Vec<SystemId>,
    pub invalid: Vec<(String, IdError)>,
}

/// What separates ids in a typed list: commas, semicolons, whitespace or newlines.
pub fn is_separator(c: char) -> bool {
    c == ',' || c == ';' || c.is_whitespace()
}

/// Parses ids separated as [`is_separator`] says; each id (valid or not) is kept once, in
/// input order. Linear in the input: a pasted list of thousands stays fast.
pub fn parse_list(input: &str) -> SystemList {
    let mut list = SystemList::default();
    let mut seen = std::collections::HashSet::new();
    for raw in input.split(is_separator).filter(|s| !s.is_empty()) {
        if !seen.insert(raw) {
            continue;
        }
        // A valid id is its raw text, so `seen` already keeps valid ids unique.
        match SystemId::parse(raw) {
            Ok(id) => list.valid.push(id),
            Err(e) => list.invalid.push((raw.to_string(), e)),
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rules() {
        let long = "a".repeat(81);
        let cases: Vec<(&str, Result<&str, IdError>)> = vec![
            ("stampede3", Ok("stampede3")),
            ("  ls6 ", Ok("ls6")),
            ("a.b-c_d9", Ok("a.b-c_d9")),
            (&long[..80], Ok(&long[..80])),
            (&long, Err(IdError::TooLong(81))),
            ("", Err(IdError::Empty)),
            ("  \t", Err(IdError::Empty)),
            (
                "Stampede3",
                Err(IdError::UpperCase {
                    suggestion: "stampede3".into(),
                }),
            ),
            (
                "LS6",
                Err(IdError::UpperCase {
                    suggestion: "ls6".into(),
                }),
            ),
            ("LS 6", Err(IdError::InvalidChar(' '))),
            ("ls/6", Err(IdError::InvalidChar('/'))),
            ("../etc", Err(IdError::InvalidChar('/'))),
            (".", Err(IdError::BadStart('.'))),
            ("..", Err(IdError::BadStart('.'))),
            (".hidden", Err(IdError::BadStart('.'))),
            ("-rf", Err(IdError::BadStart('-'))),
            ("_x", Err(IdError::BadStart('_'))),
            ("9a", Ok("9a")),
            ("ls6?x=1", Err(IdError::InvalidChar('?'))),
            ("frontéra", Err(IdError::InvalidChar('é'))),
            ("a\u{200b}b", Err(IdError::InvalidChar('\u{200b}'))),
        ];
        for (input, want) in cases {
            let got = SystemId::parse(input);
            assert_eq!(
                got.as_ref().map(SystemId::as_str),
                want.as_ref().copied(),
                "{input:?}"
            );
        }
        assert!(IdError::UpperCase {
            suggestion: "ls6".into()
        }
        .to_string()
        .contains("“ls6”"));
        assert!(IdError::InvalidChar(' ').to_string().contains("a space"));
        assert!(IdError::InvalidChar('\u{200b}')
            .to_string()
            .contains("U+200B"));
    }

    #[test]
    fn a_character_is_shown_if_it_can_be_seen() {
        let cases = [
            (' ', "a space"),
            ('/', "“/”"),
            ('é', "“é” (U+00E9)"),
            ('→', "“→” (U+2192)"),
            ('€', "“€” (U+20AC)"),
            ('\u{200b}', "the invisible character U+200B"),
            ('\u{feff}', "the invisible character U+FEFF"),
            ('\u{ad}', "the invisible character U+00AD"),
            ('\u{202e}', "the invisible character U+202E"),
            ('\u{7}', "the invisible character U+0007"),
            ('\u{85}', "the invisible character U+0085"),
            ('\u{fe0f}', "the invisible character U+FE0F"),
            ('\u{e0041}', "the invisible character U+E0041"),
        ];
        for (c, want) in cases {
            assert_eq!(describe_char(c), want, "{:04X}", c as u32);
        }
    }

    #[test]
    fn list_parsing() {
        let l = parse_list("stampede3, ls6\nfrontera ls6\t,,Stampede3;bad/id bad/id\n\n");
        let valid: Vec<&str> = l.valid.iter().map(SystemId::as_str).collect();
        assert_eq!(valid, ["stampede3", "ls6", "frontera"]);
        assert_eq!(
            l.invalid,
            vec![
                (
                    "Stampede3".to_string(),
                    IdError::UpperCase {
                        suggestion: "stampede3".into()
                    }
                ),
                ("bad/id".to_string(), IdError::InvalidChar('/')),
            ]
        );
        assert_eq!(parse_list(" \n ,"), SystemList::default());
    }
}
