use super::*;

fn read(attrs: &[(&str, &str)], query: &str) -> Config {
    Config::read(
        |name| {
            attrs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        },
        query,
        LOCAL,
    )
}

#[test]
fn defaults_without_attributes_or_parameters() {
    let c = read(&[("base-url", "")], "");
    assert_eq!(c.base_url, DEFAULT_BASE_URL);
    assert_eq!(c.systems, DEFAULT_SYSTEMS);
    assert_eq!(c.mode, PageMode::SetUp);
    assert!(c.password_form);
    assert!(c.allowed_origins.is_empty());
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn the_host_element_beats_the_query_which_beats_the_default() {
    let q = "?systems=ls6&mode=check-only&password-form=hide&allowed-origins=https://a.example";
    let c = read(&[], q);
    assert_eq!(c.systems, ["ls6"]);
    assert_eq!(c.mode, PageMode::CheckOnly);
    assert!(!c.password_form);
    assert_eq!(c.allowed_origins, ["https://a.example"]);
    let c = read(
        &[
            ("systems", "vista, frontera"),
            ("mode", "set-up"),
            ("password-form", "show"),
            (
                "allowed-origins",
                "https://portal.example:443 http://127.0.0.1:9000",
            ),
        ],
        q,
    );
    assert_eq!(c.systems, ["vista", "frontera"]);
    assert_eq!(c.mode, PageMode::SetUp);
    assert!(c.password_form);
    assert_eq!(
        c.allowed_origins,
        ["https://portal.example", "http://127.0.0.1:9000"]
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn invalid_values_are_reported_never_silently_ignored() {
    let c = read(
        &[
            ("base-url", "ftp://x"),
            ("systems", "ls6 ../etc"),
            ("mode", "delete-all"),
            ("password-form", "maybe"),
            (
                "allowed-origins",
                "* http://evil.example https://a.example/path https://ok.example",
            ),
        ],
        "?tenant=https://tacc.tapis.io",
    );
    // An invalid attribute falls back to the default, not to the URL.
    assert_eq!(c.base_url, DEFAULT_BASE_URL);
    assert_eq!(c.systems, ["ls6"]);
    assert_eq!(c.mode, PageMode::SetUp);
    assert!(c.password_form);
    assert_eq!(c.allowed_origins, ["https://ok.example"]);
    let all = c.problems.join("\n");
    for needle in [
        "data-base-url",
        "../etc",
        "delete-all",
        "maybe",
        "“*”",
        "evil.example",
        "/path",
    ] {
        assert!(all.contains(needle), "{needle} not reported in {all}");
    }
    assert_eq!(c.problems.len(), 7, "{all}");
    let c = read(&[], "?tenant=https://evil.example&systems=%2F%2F");
    assert_eq!(c.base_url, DEFAULT_BASE_URL);
    assert_eq!(c.systems, DEFAULT_SYSTEMS);
    assert_eq!(c.problems.len(), 3, "{:?}", c.problems);
}

#[test]
fn a_token_is_never_read_from_the_address() {
    let c = read(&[], "?token=eyJabc&access_token=eyJdef");
    assert_eq!(c.problems.len(), 2);
    assert!(
        c.problems.iter().all(|p| !p.contains("eyJ")),
        "{:?}",
        c.problems
    );
}

#[test]
fn origins_are_normalised_as_the_browser_reports_them() {
    assert_eq!(
        parse_origin("HTTPS://Portal.Example/").unwrap(),
        "https://portal.example"
    );
    assert_eq!(
        parse_origin("http://localhost:80").unwrap(),
        "http://localhost"
    );
    assert_eq!(
        parse_origin("https://a.example:8443").unwrap(),
        "https://a.example:8443"
    );
    for bad in [
        "*",
        "null",
        "https://a.example/x",
        "http://a.example",
        "https://u@a.example",
        "",
    ] {
        assert!(parse_origin(bad).is_err(), "{bad}");
    }
}

const DEPLOYED: &str = "https://www.designsafe-ci.org";
const LOCAL: &str = "http://127.0.0.1:8080";

#[test]
fn initial_base_url_cases() {
    let cases: &[(Option<&str>, &str, &str, &str)] = &[
        (None, "", DEPLOYED, DEFAULT_BASE_URL),
        (Some(""), "", DEPLOYED, DEFAULT_BASE_URL),
        (
            Some("https://portals.tapis.io/"),
            "",
            DEPLOYED,
            "https://portals.tapis.io",
        ),
        (
            None,
            "?tenant=http%3A%2F%2F127.0.0.1%3A5050",
            LOCAL,
            "http://127.0.0.1:5050",
        ),
        (
            None,
            "?tenant=https://tacc.tapis.io",
            DEPLOYED,
            "https://tacc.tapis.io",
        ),
        // A link must not aim the login form at an arbitrary host.
        (
            None,
            "?tenant=https://evil.example",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            None,
            "?tenant=https://tapis.io.evil.example",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            Some("https://portals.tapis.io"),
            "?tenant=https://evil.example",
            DEPLOYED,
            "https://portals.tapis.io",
        ),
        (
            None,
            "?tenant=http://designsafe.tapis.io",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        // A user's own container under tapis.io (Tapis Pods) is not a tenant; neither is a
        // tenant address with a port or a path.
        (
            None,
            "?tenant=https://designsafe.pods.tacc.tapis.io",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            None,
            "?tenant=https://mypod.pods.designsafe.tapis.io",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            None,
            "?tenant=https://tacc.tapis.io:8443",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            None,
            "?tenant=https://tacc.tapis.io/somewhere",
            DEPLOYED,
            DEFAULT_BASE_URL,
        ),
        (
            None,
            "?tenant=https://dev.develop.tapis.io",
            DEPLOYED,
            "https://dev.develop.tapis.io",
        ),
        (Some("not a url"), "", DEPLOYED, DEFAULT_BASE_URL),
    ];
    for (data, query, page, expected) in cases {
        assert_eq!(
            initial_base_url(*data, query, page),
            *expected,
            "data {data:?} query {query:?} page {page}"
        );
    }
}

/// Defect 8: the parameter overrode the host page, and aimed a deployed page at loopback.
#[test]
fn the_host_page_beats_the_url_parameter_and_loopback_needs_a_loopback_page() {
    let tacc = "?tenant=https://tacc.tapis.io";
    assert_eq!(
        initial_base_url(Some("https://portals.tapis.io"), tacc, DEPLOYED),
        "https://portals.tapis.io"
    );
    for local in [
        "?tenant=http://127.0.0.1:5050",
        "?tenant=http://localhost:5050",
        "?tenant=https://127.0.0.1:5050",
    ] {
        assert_eq!(
            initial_base_url(None, local, DEPLOYED),
            DEFAULT_BASE_URL,
            "{local} from a deployed page"
        );
        assert_ne!(
            initial_base_url(None, local, LOCAL),
            DEFAULT_BASE_URL,
            "{local}"
        );
    }
    for page in ["null", "", "file://", "http://evil.example"] {
        assert_eq!(
            initial_base_url(None, "?tenant=http://127.0.0.1:5050", page),
            DEFAULT_BASE_URL,
            "page {page:?}"
        );
    }
}

#[test]
fn query_param_cases() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "?tenant=http%3A%2F%2F127.0.0.1%3A5050",
            "tenant",
            Some("http://127.0.0.1:5050"),
        ),
        ("tenant=a&x=b", "x", Some("b")),
        ("?a=1&tenant", "tenant", Some("")),
        ("?tenant=a+b", "tenant", Some("a b")),
        ("?tenantx=1", "tenant", None),
        ("", "tenant", None),
        ("?tenant=%zz", "tenant", None),
        ("?tenant=%E2%9C%93", "tenant", Some("\u{2713}")),
        ("?tenant=%+1", "tenant", None),
        ("?tenant=%-1x", "tenant", None),
        ("?tenant=%é", "tenant", None),
        ("?tenant=%", "tenant", None),
    ];
    for (query, name, expected) in cases {
        assert_eq!(
            query_param(query, name).as_deref(),
            *expected,
            "query {query:?}"
        );
    }
}
