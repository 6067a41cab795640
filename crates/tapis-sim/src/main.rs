use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tapis_sim::Scenario;

const USAGE: &str = "usage: tapis-sim [--listen 127.0.0.1:0] [--scenario FILE.json|FILE.toml] [--public-url URL] [--allow-remote]";

struct Args {
    listen: SocketAddr,
    scenario: Option<PathBuf>,
    /// Where clients reach it when a proxy sits in front (the e2e tests' and ./bench's HTTP/2 proxy).
    public_url: Option<String>,
    allow_remote: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        scenario: None,
        public_url: None,
        allow_remote: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                args.listen = v.parse().map_err(|e| format!("bad --listen {v:?}: {e}"))?;
            }
            "--scenario" => args.scenario = Some(PathBuf::from(value("--scenario")?)),
            "--public-url" => {
                let v = value("--public-url")?;
                if !v.starts_with("http://") && !v.starts_with("https://") {
                    return Err(format!("bad --public-url {v:?}: not an http(s) URL"));
                }
                args.public_url = Some(v);
            }
            "--allow-remote" => args.allow_remote = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    // The simulator hands out tokens to anyone; exposing it beyond this machine must be deliberate.
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(format!(
            "refusing to listen on non-loopback address {} without --allow-remote",
            args.listen
        ));
    }
    Ok(args)
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("tapis-sim: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let scenario = match &args.scenario {
        Some(p) => match Scenario::from_path(p) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tapis-sim: {e}");
                return ExitCode::from(2);
            }
        },
        None => Scenario::demo(),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tapis-sim: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let public_url = args.public_url.as_deref();
        let handle = match tapis_sim::spawn_behind(scenario, args.listen, public_url).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("tapis-sim: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        // The first line is the listen URL (scripts parse it); the tenant URL follows if it differs.
        println!("listening on {}", handle.listen_url());
        if handle.base_url() != handle.listen_url() {
            println!("tenant base url {}", handle.base_url());
        }
        // Scripts block on this line; a pipe would otherwise buffer it.
        let _ = std::io::stdout().flush();
        terminated().await;
        handle.shutdown().await;
        eprintln!("tapis-sim: shut down");
        ExitCode::SUCCESS
    })
}
