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
                "Tapis system ids are lower-case; did you mean \"{suggestion}\"?"
            ),
            IdError::InvalidChar(c) => write!(
                f,
                "The system id contains {}; only lower-case letters, digits, '-', '_' and '.' are allowed.",
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
        c if c.is_ascii_graphic() => format!("'{c}'"),
        c if c.is_alphanumeric() => format!("'{c}' (U+{:04X})", c as u32),
        c => format!("the invisible character U+{:04X}", c as u32),
    }
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
        .contains("\"ls6\""));
        assert!(IdError::InvalidChar(' ').to_string().contains("a space"));
        assert!(IdError::InvalidChar('\u{200b}')
            .to_string()
            .contains("U+200B"));
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
