//! Tiny hand-written codecs: base64url for JWT segments and percent-encoding for URL path
//! segments and query values. Written here instead of pulling crates to keep the wasm bundle small.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Decodes base64url, with or without `=` padding. Returns `None` on any invalid character or
/// impossible length, never panics.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let trimmed = input.trim_end_matches('=');
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in trimmed.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Encodes base64url without padding (used to build test tokens and by the simulator).
pub fn base64url_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Percent-encodes everything except RFC 3986 unreserved characters, so a value can never
/// change the shape of a path or query.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (form encoding, as in a URL query); `None` on a malformed
/// escape or invalid UTF-8.
pub fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                // `from_str_radix` would also take a sign ("%+1"): only two hex digits are an escape.
                let hex = input.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let enc = base64url_encode(&data[..len]);
            assert_eq!(base64url_decode(&enc).as_deref(), Some(&data[..len]));
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn base64url_rejects_bad_input() {
        for bad in ["a", "ab+c", "ab/c", "a b", "abcde", "é"] {
            assert_eq!(base64url_decode(bad), None, "{bad}");
        }
        assert_eq!(base64url_decode("YQ==").as_deref(), Some(&b"a"[..]));
    }

    #[test]
    fn percent_encoding() {
        let cases = [
            ("stampede3", "stampede3"),
            ("a.b-c_d~", "a.b-c_d~"),
            ("a/b", "a%2Fb"),
            ("../x", "..%2Fx"),
            ("u@x y?#", "u%40x%20y%3F%23"),
            ("é", "%C3%A9"),
        ];
        for (input, want) in cases {
            assert_eq!(percent_encode(input), want);
            assert_eq!(percent_decode(want).as_deref(), Some(input), "round trip");
        }
        for (input, want) in [
            ("a+b", Some("a b")),
            ("%zz", None),
            ("%+1", None),
            ("%", None),
            ("%C3", None),
            ("é%20", Some("é ")),
        ] {
            assert_eq!(percent_decode(input).as_deref(), want, "{input}");
        }
    }
}
