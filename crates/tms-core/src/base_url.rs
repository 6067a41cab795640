//! The tenant base URL, validated once so every request URL built from it is safe.

use std::fmt;

pub const DEFAULT_BASE_URL: &str = "https://designsafe.tapis.io";

/// A normalised tenant base URL: lower-case scheme and host, no trailing slash, no userinfo,
/// query or fragment; `http` only for loopback hosts (the local simulator).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    url: String,
    host: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    MissingScheme,
    UnsupportedScheme(String),
    InsecureHttp(String),
    UserInfo,
    QueryOrFragment,
    EmptyHost,
    InvalidHost(String),
    InvalidPort(String),
    ApiPath,
    /// Under tapis.io but not a tenant's address (e.g. a Tapis Pods container).
    NotATenant(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => write!(f, "Enter the tenant address, e.g. {DEFAULT_BASE_URL}."),
            UrlError::MissingScheme => write!(
                f,
                "The address must start with https:// (e.g. {DEFAULT_BASE_URL})."
            ),
            UrlError::UnsupportedScheme(s) => {
                write!(f, "“{s}” addresses are not supported; use https://.")
            }
            UrlError::InsecureHttp(host) => write!(
                f,
                "Plain http:// would send your token unencrypted; use https://{host} (http is only allowed for a local simulator on localhost)."
            ),
            UrlError::UserInfo => {
                write!(f, "The address must not contain a username or password (the part before @).")
            }
            UrlError::QueryOrFragment => {
                write!(f, "The address must not contain “?” or “#”; enter only the tenant address.")
            }
            UrlError::EmptyHost => write!(f, "The address has no host name."),
            UrlError::InvalidHost(h) => write!(f, "“{h}” is not a valid host name."),
            UrlError::InvalidPort(p) => write!(f, "“{p}” is not a valid port number."),
            UrlError::NotATenant(h) => write!(
                f,
                "“{h}” is not a Tapis tenant address; those look like {DEFAULT_BASE_URL}."
            ),
            UrlError::ApiPath => write!(
                f,
                "Enter only the tenant address, without /v3/… (e.g. {DEFAULT_BASE_URL})."
            ),
        }
    }
}

impl std::error::Error for UrlError {}

impl BaseUrl {
    pub fn parse(input: &str) -> Result<BaseUrl, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let (scheme, rest) = input.split_once("://").ok_or(UrlError::MissingScheme)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(UrlError::UnsupportedScheme(scheme));
        }
        if rest.contains(['?', '#']) {
            return Err(UrlError::QueryOrFragment);
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_host_port(authority)?;
        // "designsafe.tapis.io." is the same DNS name: one spelling, so issuer checks compare equal.
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if host.ends_with(".tapis.io") && !is_tenant_host(&host) {
            return Err(UrlError::NotATenant(host));
        }
        if scheme == "http" && !is_loopback(&host) {
            return Err(UrlError::InsecureHttp(authority.to_ascii_lowercase()));
        }
        let path = path.trim_end_matches('/');
        // Request paths are appended to the base; a pasted API path would double them up.
        if path.split('/').any(|seg| seg.eq_ignore_ascii_case("v3")) {
            return Err(UrlError::ApiPath);
        }
        if path.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::InvalidHost(path.to_string()));
        }
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Ok(BaseUrl {
            url: format!("{scheme}://{host}{port}{path}"),
            host,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host name without port (for display, e.g. "designsafe.tapis.io").
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.host)
    }

    /// A Tapis tenant's own address on Tapis's primary site: `https://<tenant>.tapis.io`, no
    /// port or path (the only kind a crafted link may choose).
    pub fn is_tapis_tenant(&self) -> bool {
        self.url.strip_prefix("https://") == Some(self.host.as_str()) && is_tenant_host(&self.host)
    }
}

/// `<tenant>.tapis.io`, or a tenant of the `develop.` or `staging.` deployments
/// (tapis-deployer `inventory_example`, `global_tapis_domain`). Anything deeper under tapis.io
/// is not a tenant: Tapis Pods serves user-chosen containers at `<pod>.pods.<tenant>.tapis.io`
/// (tapis-deployer `playbooks/roles/proxy/templates/docker/nginx.conf`), where a token or a
/// password must never go. `host` is already a valid, lower-cased name (see `split_host_port`):
/// only the number of labels is left to check.
fn is_tenant_host(host: &str) -> bool {
    let Some(name) = host.strip_suffix(".tapis.io") else {
        return false;
    };
    let tenant = [".develop", ".staging"]
        .iter()
        .find_map(|site| name.strip_suffix(site))
        .unwrap_or(name);
    !tenant.is_empty() && !tenant.contains('.')
}

impl Default for BaseUrl {
    fn default() -> Self {
        BaseUrl::parse(DEFAULT_BASE_URL).expect("default base URL is valid")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| UrlError::InvalidHost(authority.into()))?;
        let host = &authority[..end + 2];
        let inner = &rest[..end];
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(UrlError::InvalidHost(authority.into()));
        }
        match &rest[end + 1..] {
            "" => (host, None),
            tail => (
                host,
                Some(
                    tail.strip_prefix(':')
                        .ok_or_else(|| UrlError::InvalidHost(authority.into()))?,
                ),
            ),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    if !host.starts_with('[') {
        let ok_label = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !host
            .strip_suffix('.')
            .unwrap_or(host)
            .split('.')
            .all(ok_label)
        {
            return Err(UrlError::InvalidHost(host.into()));
        }
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(UrlError::InvalidPort(p.into())),
        },
    };
    Ok((host, port))
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4 && octets[0] == "127" && octets.iter().all(|o| o.parse::<u8>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let cases = [
            (
                "https://designsafe.tapis.io",
                "https://designsafe.tapis.io",
                "designsafe.tapis.io",
            ),
            (
                "  HTTPS://DesignSafe.Tapis.IO/  ",
                "https://designsafe.tapis.io",
                "designsafe.tapis.io",
            ),
            (
                "https://tacc.tapis.io:8443//",
                "https://tacc.tapis.io:8443",
                "tacc.tapis.io",
            ),
            (
                "https://proxy.example.org/tapis/",
                "https://proxy.example.org/tapis",
                "proxy.example.org",
            ),
            (
                "http://localhost:8080",
                "http://localhost:8080",
                "localhost",
            ),
            (
                "http://127.0.0.1:3000/",
                "http://127.0.0.1:3000",
                "127.0.0.1",
            ),
            ("http://127.45.1.9", "http://127.45.1.9", "127.45.1.9"),
            (
                "https://designsafe.tapis.io./",
                "https://designsafe.tapis.io",
                "designsafe.tapis.io",
            ),
            (
                "http://localhost.:5050",
                "http://localhost:5050",
                "localhost",
            ),
            ("http://[::1]:9000", "http://[::1]:9000", "[::1]"),
            (
                "https://[2001:db8::1]",
                "https://[2001:db8::1]",
                "[2001:db8::1]",
            ),
        ];
        for (input, url, host) in cases {
            let b = BaseUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(b.as_str(), url, "{input}");
            assert_eq!(b.host(), host, "{input}");
        }
        assert_eq!(BaseUrl::default().as_str(), DEFAULT_BASE_URL);
    }

    #[test]
    fn rejects_with_reason() {
        use UrlError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("designsafe.tapis.io", MissingScheme),
            ("ftp://x.org", UnsupportedScheme("ftp".into())),
            (
                "http://designsafe.tapis.io",
                InsecureHttp("designsafe.tapis.io".into()),
            ),
            ("http://128.0.0.1", InsecureHttp("128.0.0.1".into())),
            (
                "http://127.0.0.1.evil.com",
                InsecureHttp("127.0.0.1.evil.com".into()),
            ),
            (
                "http://localhost.evil.com",
                InsecureHttp("localhost.evil.com".into()),
            ),
            ("http://[::2]", InsecureHttp("[::2]".into())),
            ("https://user:pw@x.org", UserInfo),
            ("https://x.org?a=b", QueryOrFragment),
            ("https://x.org/#frag", QueryOrFragment),
            ("https://", EmptyHost),
            ("https://:443", EmptyHost),
            ("https://bad_host.org", InvalidHost("bad_host.org".into())),
            ("https://a..b", InvalidHost("a..b".into())),
            ("https://x.org:0", InvalidPort("0".into())),
            ("https://x.org:99999", InvalidPort("99999".into())),
            ("https://x.org:+1", InvalidPort("+1".into())),
            ("https://designsafe.tapis.io/v3/tokens", ApiPath),
            ("https://designsafe.tapis.io/v3", ApiPath),
            (
                "https://x.pods.designsafe.tapis.io",
                NotATenant("x.pods.designsafe.tapis.io".into()),
            ),
            (
                "https://designsafe.pods.tacc.tapis.io",
                NotATenant("designsafe.pods.tacc.tapis.io".into()),
            ),
            ("https://a_b.tapis.io", InvalidHost("a_b.tapis.io".into())),
        ];
        // Tenants of the primary site and of the develop and staging deployments.
        for ok in [
            "https://designsafe.tapis.io",
            "https://admin.develop.tapis.io",
            "https://tacc.staging.tapis.io",
        ] {
            let url = BaseUrl::parse(ok).unwrap();
            assert!(url.is_tapis_tenant(), "{ok}");
        }
        for not_for_links in [
            "https://tacc.tapis.io:8443",
            "https://tacc.tapis.io/x",
            "http://127.0.0.1:5050",
        ] {
            assert!(
                !BaseUrl::parse(not_for_links).unwrap().is_tapis_tenant(),
                "{not_for_links}"
            );
        }
        for (input, want) in cases {
            assert_eq!(BaseUrl::parse(input), Err(want), "{input}");
        }
        // Every error explains itself in a sentence.
        assert!(UrlError::InsecureHttp("x.org".into())
            .to_string()
            .contains("https://x.org"));
    }
}
