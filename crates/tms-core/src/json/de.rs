//! A small JSON reader behind serde's `Deserializer`: what the app needs of JSON (RFC 8259
//! values into derived structs), without carrying `serde_json`'s parser and error formatting
//! into the wasm bundle. Nesting is capped, so hostile input cannot exhaust the stack.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use std::fmt;

/// Deeper nesting than any Tapis answer (serde_json's default limit is the same).
const MAX_DEPTH: u32 = 128;

/// Why text was refused; the app only needs to know that it was.
#[derive(Debug)]
pub struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid JSON")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Reads one JSON value from `text` as `T`; anything after it but white space is an error.
pub fn from_str<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T> {
    let mut reader = Reader {
        text: text.as_bytes(),
        source: text,
        pos: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut reader)?;
    reader.skip_ws();
    if reader.pos == reader.text.len() {
        Ok(value)
    } else {
        Err(Error)
    }
}

struct Reader<'de> {
    text: &'de [u8],
    source: &'de str,
    pos: usize,
    depth: u32,
}

impl<'de> Reader<'de> {
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// The next byte after white space, consumed when it is `want`.
    fn eat(&mut self, want: u8) -> bool {
        self.skip_ws();
        let hit = self.peek() == Some(want);
        self.pos += usize::from(hit);
        hit
    }

    fn expect(&mut self, want: u8) -> Result<()> {
        self.eat(want).then_some(()).ok_or(Error)
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        let end = self.pos + word.len();
        if self.text.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(Error)
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(()).ok_or(Error)
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self.source.get(self.pos..self.pos + 4).ok_or(Error)?;
        self.pos += 4;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error);
        }
        u32::from_str_radix(digits, 16).map_err(|_| Error)
    }

    /// A string after its opening quote, escapes decoded.
    fn string(&mut self) -> Result<String> {
        let mut out = String::new();
        loop {
            let start = self.pos;
            while !matches!(self.peek(), Some(b'"' | b'\\') | None) {
                if self.text[self.pos] < 0x20 {
                    return Err(Error);
                }
                self.pos += 1;
            }
            // Quotes and backslashes are ASCII, so these offsets are character boundaries.
            out.push_str(&self.source[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek().ok_or(Error)?;
                    self.pos += 1;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(Error),
                    });
                }
                _ => return Err(Error),
            }
        }
    }

    /// `\uXXXX`, or a surrogate pair `\uD83D\uDE42`; a lone surrogate becomes U+FFFD.
    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        if !(0xD800..0xDC00).contains(&first) {
            return Ok(char::from_u32(first).unwrap_or('\u{FFFD}'));
        }
        if self.text.get(self.pos..self.pos + 2) != Some(b"\\u") {
            return Ok('\u{FFFD}');
        }
        self.pos += 2;
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return Ok('\u{FFFD}');
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }

    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let start = self.pos;
        self.pos += usize::from(self.peek() == Some(b'-'));
        let digits = |r: &mut Self| {
            let from = r.pos;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
            r.pos - from
        };
        let int_start = self.pos;
        let int_digits = digits(self);
        if int_digits == 0 || (int_digits > 1 && self.text[int_start] == b'0') {
            return Err(Error);
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(Error);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(Error);
            }
        }
        let text = &self.source[start..self.pos];
        if integer {
            if let Ok(n) = text.parse::<u64>() {
                return visitor.visit_u64(n);
            }
            if let Ok(n) = text.parse::<i64>() {
                return visitor.visit_i64(n);
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => visitor.visit_f64(f),
            _ => Err(Error),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_ws();
        match self.peek().ok_or(Error)? {
            b'n' => self.literal(b"null").and_then(|()| visitor.visit_unit()),
            b't' => self
                .literal(b"true")
                .and_then(|()| visitor.visit_bool(true)),
            b'f' => self
                .literal(b"false")
                .and_then(|()| visitor.visit_bool(false)),
            b'"' => {
                self.pos += 1;
                visitor.visit_string(self.string()?)
            }
            b'[' => {
                self.pos += 1;
                self.enter()?;
                let value = visitor.visit_seq(Items {
                    reader: &mut *self,
                    first: true,
                })?;
                self.depth -= 1;
                self.expect(b']').map(|()| value)
            }
            b'{' => {
                self.pos += 1;
                self.enter()?;
                let value = visitor.visit_map(Items {
                    reader: &mut *self,
                    first: true,
                })?;
                self.depth -= 1;
                self.expect(b'}').map(|()| value)
            }
            b'-' | b'0'..=b'9' => self.number(visitor),
            _ => Err(Error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_ws();
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The elements of an array or the entries of an object, with their separators.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl Items<'_, '_> {
    /// Whether another element follows (consuming the comma), given the closing byte.
    fn more(&mut self, close: u8) -> Result<bool> {
        self.reader.skip_ws();
        if self.reader.peek() == Some(close) {
            return Ok(false);
        }
        if !std::mem::take(&mut self.first) {
            self.reader.expect(b',')?;
        }
        Ok(true)
    }
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.more(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        self.reader.skip_ws();
        if self.reader.peek() != Some(b'"') {
            return Err(Error);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.reader.expect(b':')?;
        seed.deserialize(&mut *self.reader)
    }
}
