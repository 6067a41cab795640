//! The one place JSON text becomes Rust values, and the lenient field types that let a parser
//! take Tapis as it is: with `select`, Tapis writes booleans as the strings `"true"`/`"false"`
//! (`TapisSystemDTO.addDisplayField` uses `Boolean.toString`), without it as JSON booleans.

mod write;

pub use write::Writer;

use serde::de::{
    self as sde, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::fmt;

/// Parses `text` as `T`; `None` for anything that is not valid JSON of that shape.
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

/// Parses a JSON object as `T`. Derived structs would also take an array (serde reads
/// fields by position), which no Tapis answer or token part ever is.
pub fn parse_object<T: DeserializeOwned>(text: &str) -> Option<T> {
    text.trim_start().starts_with('{').then(|| parse(text))?
}

/// A JSON string literal for `text` (quotes included), escaped as RFC 8259 requires.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let hex = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(hex[(c as usize) >> 4]));
                out.push(char::from(hex[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Any JSON value, reduced to what a decision can use. A field of an unexpected type becomes
/// `Other` instead of failing the whole answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Flex {
    #[default]
    Missing,
    Bool(bool),
    Str(String),
    Num(f64),
    Other,
}

impl Flex {
    /// `true`/`false` as JSON booleans or as the strings Tapis writes under `select`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Flex::Bool(b) => Some(*b),
            Flex::Str(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Flex::Str(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Flex::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A non-blank string, trimmed.
    pub fn text(&self) -> Option<String> {
        self.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Flex::Num(n) => Some(*n),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flex, D::Error> {
        d.deserialize_any(FlexVisitor)
    }
}

struct FlexVisitor;

impl<'de> Visitor<'de> for FlexVisitor {
    type Value = Flex;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: sde::Error>(self, v: bool) -> Result<Flex, E> {
        Ok(Flex::Bool(v))
    }
    fn visit_str<E: sde::Error>(self, v: &str) -> Result<Flex, E> {
        Ok(Flex::Str(v.to_string()))
    }
    fn visit_string<E: sde::Error>(self, v: String) -> Result<Flex, E> {
        Ok(Flex::Str(v))
    }
    fn visit_i64<E: sde::Error>(self, v: i64) -> Result<Flex, E> {
        Ok(Flex::Num(v as f64))
    }
    fn visit_u64<E: sde::Error>(self, v: u64) -> Result<Flex, E> {
        Ok(Flex::Num(v as f64))
    }
    fn visit_f64<E: sde::Error>(self, v: f64) -> Result<Flex, E> {
        Ok(Flex::Num(v))
    }
    fn visit_unit<E: sde::Error>(self) -> Result<Flex, E> {
        Ok(Flex::Missing)
    }
    fn visit_none<E: sde::Error>(self) -> Result<Flex, E> {
        Ok(Flex::Missing)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Flex, D::Error> {
        Flex::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flex, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Flex::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flex, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Flex::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_takes_tapis_booleans_both_ways() {
        let cases = [
            ("true", Some(true)),
            ("false", Some(false)),
            (r#""true""#, Some(true)),
            (r#""FALSE""#, Some(false)),
            (r#""yes""#, None),
            ("1", None),
            ("null", None),
            ("[true]", None),
            (r#"{"a":true}"#, None),
        ];
        for (text, want) in cases {
            let flex: Flex = parse(text).unwrap();
            assert_eq!(flex.as_bool(), want, "{text}");
        }
    }

    #[test]
    fn string_literals_round_trip() {
        for text in [
            "",
            "plain",
            "quo\"te \\ back",
            "tab\tnl\nnul\u{0}bell\u{7}",
            "é 漢 🙂",
        ] {
            let lit = string_literal(text);
            assert_eq!(parse::<String>(&lit).as_deref(), Some(text), "{lit}");
        }
    }
}
